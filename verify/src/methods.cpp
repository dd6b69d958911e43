#include "moonwalk/verify/methods.hpp"

#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/op_config.hpp"

#include <cmath>

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
          v(static_cast<Index>(i)) = p[i].is_string() ? static_cast<double>(mp50(p[i].get<std::string>())) : p[i].get<double>();
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
  const Index batch = spec.value("batch", Index{2});
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
  Mat<double> x0 = rng.nonzero_matrix(in, batch, 16, 3);
  const auto& loss = spec.at("loss");
  const std::string type = loss.at("type").get<std::string>();
  if (type == "mse") {
    Network<double> net(std::move(layers), Loss<double>(Mse<double>(rng.matrix(out, batch, 16, 3))));
    return Problem{std::move(net), std::move(x0)};
  }
  if (type == "softmax_cross_entropy") {
    std::vector<Index> labels;
    for (Index b = 0; b < batch; ++b) labels.push_back(static_cast<Index>(rng.engine()() % static_cast<std::uint64_t>(out)));
    Network<double> net(std::move(layers), Loss<double>(SoftmaxCrossEntropy<double>(out, labels)));
    return Problem{std::move(net), std::move(x0)};
  }
  throw std::invalid_argument("network: unknown loss '" + type + "' (mse, softmax_cross_entropy)");
}

Problem random_problem(std::uint64_t seed) {
  ExactRng rng(seed);
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng.engine()); };
  const int depth = in(1, 12);
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

double amplification(const Problem& p) {
  double a = 1;
  Mat<mp50> x = p.x0.cast<mp50>();
  const Network<mp50> net = p.net.cast<mp50>();
  for (std::size_t i = 0; i < net.depth(); ++i) {
    double worst = 1;
    for (Index b = 0; b < x.cols(); ++b) {
      const Vec<mp50> xb = x.col(b);
      const Mat<mp50> J = std::visit([&](const auto& op) { return op.jacobian(xb); }, net.layers[i]);
      worst = std::max(worst, spectrum(J).cond());
    }
    a *= worst;
    x = net.forward(i, x);
  }
  return a;
}

}  // namespace moonwalk::verify
