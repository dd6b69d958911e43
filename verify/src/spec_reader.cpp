// The network-spec reader (docs/spec.md, "Network specification"): a JSON
// spec to a Problem, every refusal a config::ConfigError naming the JSON path,
// sizes checked before anything is allocated. Kept apart from the methods so
// that it builds quickly on its own (fuzz/spec_fuzz.cpp links it).
#include "moonwalk/verify/methods.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/op_config.hpp"

#include <cmath>
#include <limits>
#include <unistd.h>

namespace moonwalk::verify {

using namespace moonwalk::reference;

std::size_t default_max_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return std::size_t{8} << 30;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 2;
}

namespace {

// Exact weights of magnitude ≲ 1/√fan_in: integers in [-8, 8] / 2^(3 + ⌈log4 fan_in⌉).
Vec<double> exact_params(ExactRng& r, Index count, Index fan_in) {
  int shift = 3;
  for (Index f = 1; f < fan_in; f *= 4) ++shift;
  return r.matrix(count, 1, 8, shift);
}

struct LayerReader {
  const config::Node& spec;
  const std::string& op_name;
  ExactRng& rng;
  std::vector<Layer<double>>& layers;
  bool& found;

  template <template <class> class Op> void operator()() const {
    if (found || op_name != Op<double>::name) return;
    Op<double> op = op_shell<Op>(spec);  // sizes were checked: allocating is safe
    if (spec.has("params")) {
      const config::Node p = spec.at("params");
      p.array(static_cast<long>(op.param_count()));
      Vec<double> v(op.param_count());
      for (Index i = 0; i < v.size(); ++i) v(i) = scalar_at(p.at(static_cast<std::size_t>(i)));
      op.set_params(v);
    } else if (op.param_count()) {
      const Index fan_in =
          spec.dim("fan_in", std::max<Index>(1, op.param_count() / std::max<Index>(1, op.out_dim())));
      op.set_params(exact_params(rng, op.param_count(), fan_in));
    }
    layers.emplace_back(std::move(op));
    found = true;
  }
};

std::string operator_names() {
  std::string names;
#define MOONWALK_NAME(Type, stem) names += (names.empty() ? "" : ", ") + std::string(#stem);
  MOONWALK_OPERATORS(MOONWALK_NAME)
#undef MOONWALK_NAME
  return names;
}

}  // namespace

// What a layer holds in 50-digit scalars (parameters, a materialised
// Jacobian, its input and output batch), from its configuration alone;
// saturating, so absurd sizes cannot wrap around.
std::size_t layer_bytes(const config::Node& l, const std::string& op, Index batch) {
  config::Dims d;
  bool known = false;
#define MOONWALK_DIMS(Type, stem) \
  if (op == #stem) d = config::dims(config::read<config::Type>(l)), known = true;
  MOONWALK_OPERATORS(MOONWALK_DIMS)
#undef MOONWALK_DIMS
  if (!known) return 0;  // refused by name below
  const long double scalars = static_cast<long double>(d.params) + static_cast<long double>(d.materialised) +
                              static_cast<long double>(d.in + d.out) * static_cast<long double>(batch);
  const long double b = scalars * sizeof(mp50);
  return b >= static_cast<long double>(std::numeric_limits<std::size_t>::max() / 2)
             ? std::numeric_limits<std::size_t>::max() / 2
             : static_cast<std::size_t>(b);
}

Problem problem_from_json(const nlohmann::json& json, std::size_t max_bytes) {
  const config::Node spec(json, "");
  if (!json.is_object()) spec.fail("a network spec must be a JSON object with 'layers' and 'loss'");
  std::uint64_t seed = 1;
  if (spec.has("seed")) {
    const config::Node n = spec.at("seed");
    // Unsigned seeds reach 2^64 − 1; a signed JSON integer must not be negative.
    if (!n.value().is_number_unsigned() && !(n.value().is_number_integer() && n.value().get<std::int64_t>() >= 0))
      n.fail("must be a non-negative integer");
    seed = n.value().get<std::uint64_t>();
  }
  ExactRng rng(seed);
  const Index batch = spec.has("input") ? spec.at("input").at("cols").integer(1) : spec.dim("batch", 2);
  std::vector<Layer<double>> layers;
  std::size_t bytes = 0;
  const config::Node ls = spec.at("layers");
  ls.array();
  if (ls.size() == 0) ls.fail("needs at least one layer");
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const config::Node l = ls.at(i);
    const std::string op = l.at("op").text();
    bytes += layer_bytes(l, op, batch);
    if (bytes > max_bytes)
      l.fail("the network up to here needs " + std::to_string(bytes) + " bytes (50-digit scalars), more than the limit of " +
             std::to_string(max_bytes) + " (--max-bytes)");
    bool found = false;
    for_each_op(Operators{}, LayerReader{l, op, rng, layers, found});
    if (!found) l.at("op").fail("\"" + op + "\" is not an operator (" + operator_names() + ")");
    if (i > 0) {
      const Index in = std::visit([](const auto& o) { return o.in_dim(); }, layers[i]);
      const Index prev = std::visit([](const auto& o) { return o.out_dim(); }, layers[i - 1]);
      if (in != prev)
        l.fail(op + " takes " + std::to_string(in) + " inputs but layer " + std::to_string(i - 1) + " gives " +
               std::to_string(prev));
    }
  }
  const Index in = std::visit([](const auto& op) { return op.in_dim(); }, layers.front());
  const Index out = std::visit([](const auto& op) { return op.out_dim(); }, layers.back());
  Mat<double> x0 = spec.has("input") ? matrix_at<double>(spec.at("input")) : rng.nonzero_matrix(in, batch, 16, 3);
  if (x0.rows() != in)
    spec.at("input").fail("has " + std::to_string(x0.rows()) + " rows, layer 0 takes " + std::to_string(in));
  const config::Node loss = spec.at("loss");
  const int type = loss.at("type").choice({"mse", "softmax_cross_entropy"});
  const double scale = loss.has("scale") ? scalar_at(loss.at("scale")) : 1.0;
  if (type == 0) {
    Mat<double> target = loss.has("target") ? matrix_at<double>(loss.at("target")) : rng.matrix(out, batch, 16, 3);
    if (target.rows() != out || target.cols() != batch)
      loss.at("target").fail("must be " + std::to_string(out) + " × " + std::to_string(batch) + ", the last layer's output");
    Network<double> net(std::move(layers), Loss<double>(Mse<double>(std::move(target), scale)));
    return Problem{std::move(net), std::move(x0)};
  }
  std::vector<Index> labels;
  if (loss.has("labels")) {
    const config::Node l = loss.at("labels");
    l.array(static_cast<long>(batch));
    for (std::size_t b = 0; b < l.size(); ++b) {
      const Index k = l.at(b).integer(0);
      if (k >= out) l.at(b).fail("is not a class: the last layer gives " + std::to_string(out));
      labels.push_back(k);
    }
  } else {
    for (Index b = 0; b < batch; ++b) labels.push_back(static_cast<Index>(rng.engine()() % static_cast<std::uint64_t>(out)));
  }
  Network<double> net(std::move(layers), Loss<double>(SoftmaxCrossEntropy<double>(out, labels, scale)));
  return Problem{std::move(net), std::move(x0)};
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

}  // namespace moonwalk::verify
