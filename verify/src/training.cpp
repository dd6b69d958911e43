#include "moonwalk/verify/training.hpp"

#include "moonwalk/reference/methods/backprop.hpp"
#include "moonwalk/reference/methods/moonwalk_mixed.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace moonwalk::verify {

using reference::Index;
using reference::Mat;
using reference::Vec;

namespace {

Vec<float> gaussian(std::mt19937_64& g, Index n, double stddev) {
  std::normal_distribution<double> d(0.0, stddev);
  Vec<float> v(n);
  for (Index i = 0; i < n; ++i) v(i) = static_cast<float>(d(g));
  return v;
}

reference::Layer<float> activation_layer(const std::string& activation, double alpha, Index dim) {
  if (activation == "relu") return reference::Relu<float>(dim);
  if (activation == "leaky_relu") return reference::LeakyRelu<float>(dim, static_cast<float>(alpha));
  throw std::invalid_argument("activation must be relu or leaky_relu, not " + activation);
}

// Every parameter gradient of a method's result, in layer order.
Vec<float> flat_gradient(const reference::Gradients<float>& g) {
  Index n = 0;
  for (const auto& p : g.params) n += p.size();
  Vec<float> out(n);
  Index at = 0;
  for (const auto& p : g.params) {
    out.segment(at, p.size()) = p;
    at += p.size();
  }
  return out;
}

double norm(const Vec<float>& v) { return static_cast<double>(v.cast<double>().norm()); }

}  // namespace

reference::Network<float> make_classifier(std::size_t rows, std::size_t cols, int classes,
                                          const std::string& activation, double alpha, std::uint64_t seed) {
  if (rows % 4 || cols % 4 || rows == 0 || cols == 0)
    throw std::invalid_argument("images of " + std::to_string(rows) + " x " + std::to_string(cols) +
                                " pixels: both sides must be positive multiples of 4");
  std::mt19937_64 g(seed);
  const Index H = static_cast<Index>(rows), W = static_cast<Index>(cols);
  std::vector<reference::Layer<float>> layers;
  Index channels = 1, h = H, w = W;
  for (int stage = 0; stage < 2; ++stage) {
    const Index in = channels, out = channels * 4;
    // He initialisation: variance 2 / fan-in.
    const Vec<float> m = gaussian(g, out * in * 4, std::sqrt(2.0 / static_cast<double>(in * 4)));
    layers.emplace_back(reference::PatchDownsample2d<float>(in, h, w, 2, Eigen::Map<const Mat<float>>(m.data(), out, in * 4),
                                                            Vec<float>::Zero(out)));
    channels = out, h /= 2, w /= 2;
    reference::Conv2dSpec spec;
    spec.in_channels = spec.out_channels = channels;
    spec.height = h, spec.width = w, spec.kernel = 3;
    spec.padding = reference::Padding::circular;
    spec.strategy = reference::ConvStrategy::fft;
    layers.emplace_back(reference::Conv2d<float>(
        spec, gaussian(g, channels * channels * 9, std::sqrt(2.0 / static_cast<double>(channels * 9))),
        Vec<float>::Zero(channels)));
    layers.push_back(activation_layer(activation, alpha, channels * h * w));
  }
  layers.emplace_back(reference::GlobalAvgPool<float>(channels, h * w));
  // Small logits at the start: the loss begins near log(classes).
  const Vec<float> d = gaussian(g, classes * channels, 0.1 / std::sqrt(static_cast<double>(channels)));
  layers.emplace_back(reference::Dense<float>(Eigen::Map<const Mat<float>>(d.data(), classes, channels),
                                              Vec<float>::Zero(classes)));
  return reference::Network<float>(std::move(layers),
                                   reference::SoftmaxCrossEntropy<float>(classes, std::vector<Index>{0}));
}

nlohmann::json describe_network(const reference::Network<float>& net) {
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < net.depth(); ++i) {
    nlohmann::json l{{"op", net.layer_name(i)}, {"in", net.in_dim(i)}, {"out", net.out_dim(i)},
                     {"params", net.param_count(i)}};
    if (const auto* c = std::get_if<reference::Conv2d<float>>(&net.layers[i])) {
      const auto& s = c->spec();
      l["channels"] = s.in_channels;
      l["height"] = s.height;
      l["width"] = s.width;
      l["kernel"] = s.kernel;
      l["padding"] = reference::padding_name(s.padding);
      l["strategy"] = reference::conv_strategy_name(s.strategy);
    }
    if (const auto* a = std::get_if<reference::LeakyRelu<float>>(&net.layers[i])) l["alpha"] = a->alpha();
    layers.push_back(l);
  }
  return layers;
}

Vec<float> flat_params(const reference::Network<float>& net) {
  Index n = 0;
  for (std::size_t i = 0; i < net.depth(); ++i) n += net.param_count(i);
  Vec<float> p(n);
  Index at = 0;
  for (const auto& layer : net.layers) {
    const Vec<float> q = std::visit([](const auto& op) { return Vec<float>(op.params()); }, layer);
    p.segment(at, q.size()) = q;
    at += q.size();
  }
  return p;
}

void set_flat_params(reference::Network<float>& net, const Vec<float>& p) {
  Index at = 0;
  for (std::size_t i = 0; i < net.depth(); ++i) {
    const Index n = net.param_count(i);
    if (n == 0) continue;
    std::visit([&](auto& op) { op.set_params(p.segment(at, n)); }, net.layers[i]);
    at += n;
  }
}

Normalisation measure_normalisation(const LabelledImages& train) {
  double sum = 0, sq = 0;
  for (std::uint8_t v : train.pixels) {
    const double x = v / 255.0;
    sum += x;
    sq += x * x;
  }
  const double n = static_cast<double>(train.pixels.size());
  Normalisation out;
  out.mean = sum / n;
  out.std = std::sqrt(std::max(sq / n - out.mean * out.mean, 0.0));
  if (!(out.std > 0)) out.std = 1;
  return out;
}

Mat<float> image_columns(const LabelledImages& set, const std::vector<std::size_t>& items, const Normalisation& n) {
  const std::size_t P = set.rows * set.cols;
  Mat<float> x(static_cast<Index>(P), static_cast<Index>(items.size()));
  for (std::size_t j = 0; j < items.size(); ++j)
    for (std::size_t k = 0; k < P; ++k)
      x(static_cast<Index>(k), static_cast<Index>(j)) =
          static_cast<float>((set.pixels[items[j] * P + k] / 255.0 - n.mean) / n.std);
  return x;
}

double accuracy(const reference::Network<float>& net, const LabelledImages& set, const Normalisation& n,
                std::size_t limit) {
  const std::size_t count = limit ? std::min(limit, set.count) : set.count;
  const std::size_t chunk = 500;
  std::size_t correct = 0;
  for (std::size_t start = 0; start < count; start += chunk) {
    std::vector<std::size_t> items(std::min(chunk, count - start));
    std::iota(items.begin(), items.end(), start);
    Mat<float> x = image_columns(set, items, n);
    for (std::size_t i = 0; i < net.depth(); ++i) x = net.forward(i, x);
    for (Index j = 0; j < x.cols(); ++j) {
      Index best = 0;
      x.col(j).maxCoeff(&best);
      correct += best == set.labels[items[static_cast<std::size_t>(j)]];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(count);
}

TrainResult train_lockstep(const LabelledImages& train, const LabelledImages& test, const TrainOptions& o,
                           const std::function<void(const StepRecord&, const TrainResult&)>& progress) {
  if (o.steps < 0 || o.batch < 1) throw std::invalid_argument("training needs steps >= 0 and a batch of at least 1");
  if (train.rows != test.rows || train.cols != test.cols)
    throw std::invalid_argument("training images are " + std::to_string(train.rows) + " x " +
                                std::to_string(train.cols) + ", test images " + std::to_string(test.rows) + " x " +
                                std::to_string(test.cols));
  const auto start = std::chrono::steady_clock::now();
  const int classes = 10;
  TrainResult r;
  r.normalisation = measure_normalisation(train);
  std::vector<reference::Network<float>> nets(
      2, make_classifier(train.rows, train.cols, classes, o.activation, o.alpha, o.seed));
  r.initial_params = flat_params(nets[0]);
  Vec<float> theta[2] = {r.initial_params, r.initial_params};
  Vec<float> velocity[2] = {Vec<float>::Zero(theta[0].size()), Vec<float>::Zero(theta[0].size())};
  const float mu = static_cast<float>(o.momentum);

  // Batches: consecutive slices of a shuffled order, reshuffled every epoch.
  std::mt19937_64 shuffle(o.seed ^ 0x5eedba7c5eedba7cull);
  std::vector<std::size_t> order(train.count);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), shuffle);
  std::size_t next = 0;

  auto evaluate = [&](int step) {
    EvalRecord e;
    e.step = step;
    for (int c = 0; c < 2; ++c) e.accuracy[c] = accuracy(nets[static_cast<std::size_t>(c)], test, r.normalisation, o.test_limit);
    r.evals.push_back(e);
  };
  if (o.eval_every > 0) evaluate(0);

  for (int step = 1; step <= o.steps; ++step) {
    std::vector<std::size_t> items;
    std::vector<Index> labels;
    for (int b = 0; b < o.batch; ++b) {
      if (next == order.size()) {
        std::shuffle(order.begin(), order.end(), shuffle);
        next = 0;
      }
      items.push_back(order[next]);
      labels.push_back(train.labels[order[next]]);
      ++next;
    }
    const Mat<float> x = image_columns(train, items, r.normalisation);
    StepRecord s;
    s.step = step;
    reference::Gradients<float> g[2];
    for (int c = 0; c < 2; ++c) {
      auto& net = nets[static_cast<std::size_t>(c)];
      net.loss = reference::SoftmaxCrossEntropy<float>(classes, labels);
      g[c] = c == kBackprop ? reference::methods::backprop(net, x) : reference::methods::moonwalk_mixed(net, x);
      s.loss[c] = static_cast<double>(g[c].loss);
      s.estimate[c] = g[c].estimate;
      s.stored_bytes[c] = g[c].ledger.peak_stored();
    }
    s.moonwalk_trusted = g[kMoonwalk].exceeded.empty();
    s.exceeded = g[kMoonwalk].exceeded;
    const Vec<float> flat[2] = {flat_gradient(g[0]), flat_gradient(g[1])};
    for (int c = 0; c < 2; ++c) s.gradient_norm[c] = norm(flat[c]);
    s.gradient_difference = norm(Vec<float>(flat[kMoonwalk] - flat[kBackprop])) / s.gradient_norm[kBackprop];
    // SGD with momentum, v ← μ v + g, θ ← θ − lr v, the learning rate
    // decaying from its peak to 0 along a half cosine over the run.
    s.learning_rate = 0.5 * o.learning_rate * (1 + std::cos(std::acos(-1.0) * (step - 1) / std::max(1, o.steps)));
    const float lr = static_cast<float>(s.learning_rate);
    for (int c = 0; c < 2; ++c) {
      s.parameter_norm[c] = norm(theta[c]);
      velocity[c] = mu * velocity[c] + flat[c];
      theta[c] -= lr * velocity[c];
      s.velocity_norm[c] = norm(velocity[c]);
      set_flat_params(nets[static_cast<std::size_t>(c)], theta[c]);
    }
    s.parameter_gap = norm(Vec<float>(theta[kMoonwalk] - theta[kBackprop])) / norm(theta[kBackprop]);
    r.steps.push_back(s);
    if (o.eval_every > 0 && step % o.eval_every == 0 && step != o.steps) evaluate(step);
    if (progress) progress(s, r);
  }
  evaluate(o.steps);
  for (int c = 0; c < 2; ++c) r.params[c] = theta[c];
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

nlohmann::json to_json(const TrainOptions& o) {
  return {{"steps", o.steps},
          {"batch", o.batch},
          {"seed", o.seed},
          {"activation", o.activation},
          {"alpha", o.alpha},
          {"learning_rate", o.learning_rate},
          {"momentum", o.momentum},
          {"eval_every", o.eval_every},
          {"test_limit", o.test_limit}};
}

nlohmann::json to_json(const StepRecord& r) {
  auto pair = [](const auto& v) { return nlohmann::json{{copy_name(0), v[0]}, {copy_name(1), v[1]}}; };
  nlohmann::json j{{"step", r.step},
                   {"learning_rate", r.learning_rate},
                   {"loss", pair(r.loss)},
                   {"gradient_norm", pair(r.gradient_norm)},
                   {"gradient_relative_difference", r.gradient_difference},
                   {"estimate", pair(r.estimate)},
                   {"moonwalk_trusted", r.moonwalk_trusted},
                   {"parameter_relative_gap", r.parameter_gap},
                   {"stored_bytes", pair(r.stored_bytes)}};
  if (!r.exceeded.empty()) j["certificate_exceeded"] = r.exceeded;
  return j;
}

nlohmann::json to_json(const EvalRecord& r) {
  return {{"step", r.step}, {"test_accuracy", {{copy_name(0), r.accuracy[0]}, {copy_name(1), r.accuracy[1]}}}};
}

}  // namespace moonwalk::verify
