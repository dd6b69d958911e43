#include "moonwalk/verify/methods.hpp"

#include "moonwalk/verify/network_properties.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/op_config.hpp"

#include <cmath>
#include <optional>

namespace moonwalk::verify {

using namespace moonwalk::reference;

const std::vector<Method>& all_methods() {
  static const std::vector<Method> all{Method::backprop,      Method::backprop_minimal, Method::checkpointed,
                                       Method::reversible,    Method::naive_forward,    Method::moonwalk_forward,
                                       Method::moonwalk_mixed};
  return all;
}

std::string method_name(Method m) {
  switch (m) {
    case Method::backprop: return "backprop";
    case Method::backprop_minimal: return "backprop_minimal";
    case Method::checkpointed: return "checkpointed";
    case Method::reversible: return "reversible";
    case Method::naive_forward: return "naive_forward";
    case Method::moonwalk_forward: return "moonwalk_forward";
    case Method::moonwalk_mixed: return "moonwalk_mixed";
  }
  return "?";
}

namespace {

// Exact weights of magnitude ≲ 1/√fan_in: integers in [-8, 8] / 2^(3 + ⌈log4 fan_in⌉).
Vec<double> exact_params(ExactRng& r, Index count, Index fan_in) {
  int shift = 3;
  for (Index f = 1; f < fan_in; f *= 4) ++shift;
  return r.matrix(count, 1, 8, shift);
}

struct LayerReader {
  const nlohmann::json& spec;
  ExactRng& rng;
  std::vector<Layer<double>>& layers;
  bool& found;

  template <template <class> class Op> void operator()() const {
    if constexpr (HasConfig<Op>::value) {
      if (found || spec.at("op").get<std::string>() != Op<double>::name) return;
      Op<double> op = op_shell<Op>(spec);
      if (spec.contains("params")) {
        const auto& p = spec.at("params");
        Vec<double> v(static_cast<Index>(p.size()));
        for (std::size_t i = 0; i < p.size(); ++i)
          v(static_cast<Index>(i)) = scalar_from_json(p[i]);
        op.set_params(v);
      } else if (op.param_count()) {
        const Index fan_in = spec.value("fan_in", std::max<Index>(1, op.param_count() / std::max<Index>(1, op.out_dim())));
        op.set_params(exact_params(rng, op.param_count(), fan_in));
      }
      layers.emplace_back(std::move(op));
      found = true;
    }
  }
};

}  // namespace

Problem problem_from_json(const nlohmann::json& spec) {
  ExactRng rng(spec.value("seed", std::uint64_t{1}));
  const Index batch = spec.contains("input") ? spec.at("input").at("cols").get<Index>() : spec.value("batch", Index{2});
  if (batch < 1) throw std::invalid_argument("network: batch must be positive");
  std::vector<Layer<double>> layers;
  const auto& ls = spec.at("layers");
  if (!ls.is_array() || ls.empty()) throw std::invalid_argument("network: 'layers' must be a non-empty array");
  for (const auto& l : ls) {
    bool found = false;
    if (!l.contains("op")) throw std::invalid_argument("network: every layer needs an 'op'");
    for_each_op(Operators{}, LayerReader{l, rng, layers, found});
    if (!found) throw std::invalid_argument("network: unknown operator '" + l.at("op").get<std::string>() + "'");
  }
  const Index in = std::visit([](const auto& op) { return op.in_dim(); }, layers.front());
  const Index out = std::visit([](const auto& op) { return op.out_dim(); }, layers.back());
  Mat<double> x0 = spec.contains("input") ? matrix_from_json<double>(spec.at("input")) : rng.nonzero_matrix(in, batch, 16, 3);
  if (x0.rows() != in)
    throw std::invalid_argument("network: 'input' has " + std::to_string(x0.rows()) + " rows, layer 0 takes " +
                                std::to_string(in));
  const auto& loss = spec.at("loss");
  const std::string type = loss.at("type").get<std::string>();
  const double scale = loss.contains("scale") ? scalar_from_json(loss.at("scale")) : 1.0;
  if (type == "mse") {
    Mat<double> target = loss.contains("target") ? matrix_from_json<double>(loss.at("target")) : rng.matrix(out, batch, 16, 3);
    Network<double> net(std::move(layers), Loss<double>(Mse<double>(std::move(target), scale)));
    return Problem{std::move(net), std::move(x0)};
  }
  if (type == "softmax_cross_entropy") {
    std::vector<Index> labels;
    if (loss.contains("labels")) labels = loss.at("labels").get<std::vector<Index>>();
    else
      for (Index b = 0; b < batch; ++b) labels.push_back(static_cast<Index>(rng.engine()() % static_cast<std::uint64_t>(out)));
    Network<double> net(std::move(layers), Loss<double>(SoftmaxCrossEntropy<double>(out, labels, scale)));
    return Problem{std::move(net), std::move(x0)};
  }
  throw std::invalid_argument("network: unknown loss '" + type + "' (mse, softmax_cross_entropy)");
}

Problem random_problem(std::uint64_t seed, int max_depth) {
  ExactRng rng(seed);
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng.engine()); };
  const int depth = in(1, max_depth);
  Index d = 2 * in(1, 4);
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < depth; ++i) {
    switch (in(0, 5)) {
      case 0: {
        const Index m = in(0, 4) == 0 ? d + 1 : std::max<Index>(1, d - in(0, 2));  // tall now and then
        layers.push_back({{"op", "dense"}, {"in", d}, {"out", m}});
        d = m;
        break;
      }
      case 1: layers.push_back({{"op", "leaky_relu"}, {"dim", d}, {"alpha", std::ldexp(1.0, -in(1, 3))}}); break;
      case 2: layers.push_back({{"op", "relu"}, {"dim", d}}); break;
      case 3: layers.push_back({{"op", "tanh"}, {"dim", d}}); break;
      default:
        if (d % 2 == 0) layers.push_back({{"op", "additive_coupling"}, {"half", d / 2}, {"hidden", in(1, 4)}});
        else layers.push_back({{"op", "tanh"}, {"dim", d}});
    }
  }
  const Index classes = std::min<Index>(d, in(2, 4));
  layers.push_back({{"op", "dense"}, {"in", d}, {"out", classes}});
  nlohmann::json loss = in(0, 1) ? nlohmann::json{{"type", "mse"}} : nlohmann::json{{"type", "softmax_cross_entropy"}};
  return problem_from_json({{"seed", seed}, {"batch", in(1, 3)}, {"layers", layers}, {"loss", loss}});
}

namespace {

// Per layer, the 50-digit spectrum of J at every sample. A Jacobian that does
// not depend on the sample (dense, convolutions, pooling) is decomposed once.
template <class F> void for_each_layer_spectra(const Problem& p, F&& f) {
  Mat<mp50> x = p.x0.cast<mp50>();
  const Network<mp50> net = p.net.cast<mp50>();
  for (std::size_t i = 0; i < net.depth(); ++i) {
    std::vector<SpectrumSummary> spectra;
    Mat<mp50> previous;
    for (Index b = 0; b < x.cols(); ++b) {
      const Vec<mp50> xb = x.col(b);
      Mat<mp50> J = std::visit([&](const auto& op) { return op.jacobian(xb); }, net.layers[i]);
      spectra.push_back(b > 0 && J == previous ? spectra.back() : spectrum(J));
      previous = std::move(J);
    }
    f(i, spectra);
    x = net.forward(i, x);
  }
}

template <class Op> auto restart_amplification(const Op& op, int)
    -> decltype(op.checkpoint_size(Mat<double>()), op.vijp_amplification(), std::optional<double>()) {
  if (op.checkpoint_size(Mat<double>::Zero(op.in_dim(), 1)) == 0) return std::nullopt;
  return op.vijp_amplification();
}
template <class Op> std::optional<double> restart_amplification(const Op&, long) { return std::nullopt; }

// What layer i's vijp may amplify rounding by: cond(J), largest over the
// batch, for a vijp that solves with J (backward stable, error ≈ u·cond(J)).
// A strategy that restarts from stored checkpoints (conv1d blocked) never
// solves with the whole J, whose condition its seeds bypass (with zero padding
// the first rows of J miss the pivot tap, and cond(J) is huge while the vijp
// is accurate); its error growth is its own vijp_amplification().
double layer_condition(const Layer<double>& layer, const std::vector<SpectrumSummary>& spectra) {
  if (const auto a = std::visit([](const auto& op) { return restart_amplification(op, 0); }, layer)) return *a;
  double worst = 1;
  for (const auto& s : spectra) worst = std::max(worst, s.cond());
  return worst;
}

}  // namespace

double amplification(const Problem& p) {
  double a = 1;
  for_each_layer_spectra(p, [&](std::size_t i, const std::vector<SpectrumSummary>& spectra) {
    a *= layer_condition(p.net.layers[i], spectra);
  });
  return a;
}

NetFacts net_facts(const Problem& p) {
  NetFacts f;
  const auto g = run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>()));
  f.gradients = flatten(g);
  f.loss = g.loss;
  f.reference_estimate = g.estimate;
  for_each_layer_spectra(p, [&](std::size_t i, const std::vector<SpectrumSummary>& spectra) {
    Index cokernel = 0;
    for (const auto& s : spectra) cokernel += p.net.out_dim(i) - s.rank;
    f.amplification *= layer_condition(p.net.layers[i], spectra);
    f.terms += static_cast<double>(p.net.in_dim(i) + p.net.out_dim(i));
    f.cokernel.push_back(cokernel);
    f.checkpoint.push_back(blocked_checkpoint_per_sample(p.net, i) * p.x0.cols());
  });
  return f;
}

}  // namespace moonwalk::verify
