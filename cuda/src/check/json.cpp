#include "moonwalk/cuda/check/json.hpp"

#include "moonwalk/reference/tolerance_rules.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace moonwalk::cuda::check {

WideMatrix read_matrix(const json& j) {
  WideMatrix m;
  m.rows = j.at("rows").get<Index>();
  m.cols = j.at("cols").get<Index>();
  const auto& data = j.at("data");
  if (static_cast<Index>(data.size()) != m.rows * m.cols) throw std::runtime_error("matrix: data size differs from rows × cols");
  for (const auto& v : data) m.data.push_back(scalar(v));
  return m;
}

Wide scalar(const json& j) { return config::Node(j, "value").decimal(); }

template <class S> HostMatrix<S> narrow(const WideMatrix& m) {
  HostMatrix<S> h(m.rows, m.cols);
  for (std::size_t i = 0; i < m.data.size(); ++i) h.data[i] = static_cast<S>(m.data[i]);
  return h;
}

template <class S> double relative_error(const HostMatrix<S>& got, const WideMatrix& want) {
  if (got.rows != want.rows || got.cols != want.cols) return std::numeric_limits<double>::infinity();
  Wide diff = 0, ref = 0;
  for (std::size_t i = 0; i < want.data.size(); ++i) {
    if (!std::isfinite(got.data[i])) return std::numeric_limits<double>::infinity();
    const Wide d = static_cast<Wide>(got.data[i]) - want.data[i];
    diff += d * d;
    ref += want.data[i] * want.data[i];
  }
  return static_cast<double>(tolerance::relative_error(std::sqrt(diff), std::sqrt(ref)));
}

namespace {

// θ split as the reference orders it: the weights, then the rest (the bias).
// Its length must be what the configuration needs (config::dims).
template <class S> struct Params {
  const config::Node& where;
  const std::vector<S>& theta;
  template <class Config> std::vector<S> weights(const Config& c, Index n) const {
    const Index total = config::dims(c).params;
    if (static_cast<Index>(theta.size()) != total)
      where.fail("has " + std::to_string(theta.size()) + " parameters, the configuration needs " + std::to_string(total));
    return std::vector<S>(theta.begin(), theta.begin() + n);
  }
  std::vector<S> rest(Index n) const { return std::vector<S>(theta.begin() + n, theta.end()); }
};

// One builder per operator of the list, from its configuration.
template <class S> Layer<S> build(Context& ctx, const config::Dense& c, const Params<S>& p) {
  return Dense<S>(ctx, HostMatrix<S>(c.out, c.in, p.weights(c, c.out * c.in)), p.rest(c.out * c.in));
}
template <class S> Layer<S> build(Context& ctx, const config::LeakyRelu& c, const Params<S>& p) {
  p.weights(c, 0);
  return LeakyRelu<S>(ctx, c.dim, static_cast<S>(c.alpha));
}
template <class S> Layer<S> build(Context& ctx, const config::Relu& c, const Params<S>& p) {
  p.weights(c, 0);
  return Relu<S>(ctx, c.dim);
}
template <class S> Layer<S> build(Context& ctx, const config::Tanh& c, const Params<S>& p) {
  p.weights(c, 0);
  return Tanh<S>(ctx, c.dim);
}
template <class S> Layer<S> build(Context& ctx, const config::AdditiveCoupling& c, const Params<S>& p) {
  return AdditiveCoupling<S>(ctx, c.half, c.hidden, p.weights(c, config::dims(c).params));
}
template <class S> Layer<S> build(Context& ctx, const config::GlobalAvgPool& c, const Params<S>& p) {
  p.weights(c, 0);
  return GlobalAvgPool<S>(ctx, c.channels, c.positions);
}
template <class S> Layer<S> build(Context& ctx, const config::Conv1d& c, const Params<S>& p) {
  const Index w = c.out_channels * c.in_channels * c.kernel;
  return Conv1d<S>(ctx, c, p.weights(c, w), p.rest(w));
}
template <class S> Layer<S> build(Context& ctx, const config::PatchDownsample1d& c, const Params<S>& p) {
  const Index w = c.out_channels * c.in_channels * c.patch;
  return PatchDownsample1d<S>(ctx, c.in_channels, c.width, c.patch,
                              HostMatrix<S>(c.out_channels, c.in_channels * c.patch, p.weights(c, w)), p.rest(w));
}
template <class S> Layer<S> build(Context& ctx, const config::Conv2d& c, const Params<S>& p) {
  const Index w = c.out_channels * c.in_channels * c.kernel * c.kernel;
  return Conv2d<S>(ctx, c, p.weights(c, w), p.rest(w));
}
template <class S> Layer<S> build(Context& ctx, const config::PatchDownsample2d& c, const Params<S>& p) {
  const Index w = c.out_channels * c.in_channels * c.patch * c.patch;
  return PatchDownsample2d<S>(ctx, c.in_channels, c.height, c.width, c.patch,
                              HostMatrix<S>(c.out_channels, c.in_channels * c.patch * c.patch, p.weights(c, w)),
                              p.rest(w));
}
template <class S> Layer<S> build(Context& ctx, const config::SpaceToDepth& c, const Params<S>& p) {
  p.weights(c, 0);
  return SpaceToDepth<S>(ctx, c.channels, c.height, c.width, c.block);
}

}  // namespace

template <class S> Layer<S> make_layer(Context& ctx, const std::string& op, const json& cfg, const std::vector<S>& theta) {
  const config::Node node(cfg, op);
  const Params<S> p{node, theta};
#define MOONWALK_BUILD(Type, stem) \
  if (op == #stem) return build<S>(ctx, config::read<config::Type>(node), p);
  MOONWALK_OPERATORS(MOONWALK_BUILD)
#undef MOONWALK_BUILD
  throw std::runtime_error("no CUDA operator named '" + op + "'");
}

template <class S> HostMatrix<S> network_input(const json& spec) { return narrow<S>(read_matrix(spec.at("input"))); }

template <class S> Network<S> make_network(Context& ctx, const json& spec) {
  std::vector<Layer<S>> layers;
  for (const json& l : spec.at("layers")) {
    std::vector<S> theta;
    if (l.contains("params"))
      for (const json& v : l.at("params")) theta.push_back(static_cast<S>(scalar(v)));
    layers.push_back(make_layer<S>(ctx, l.at("op").get<std::string>(), l, theta));
  }
  const json& loss = spec.at("loss");
  const S scale = loss.contains("scale") ? static_cast<S>(scalar(loss.at("scale"))) : S(1);
  const std::string type = loss.at("type").get<std::string>();
  const Index out = std::visit([](const auto& op) { return op.out_dim(); }, layers.back());
  if (type == "mse")
    return Network<S>(ctx, std::move(layers), Mse<S>(ctx, narrow<S>(read_matrix(loss.at("target"))), scale));
  if (type == "softmax_cross_entropy")
    return Network<S>(ctx, std::move(layers), SoftmaxCrossEntropy<S>(ctx, out, loss.at("labels").get<std::vector<Index>>(), scale));
  throw std::runtime_error("network spec: unknown loss '" + type + "'");
}

template HostMatrix<float> narrow(const WideMatrix&);
template HostMatrix<double> narrow(const WideMatrix&);
template double relative_error(const HostMatrix<float>&, const WideMatrix&);
template double relative_error(const HostMatrix<double>&, const WideMatrix&);
template Layer<float> make_layer(Context&, const std::string&, const json&, const std::vector<float>&);
template Layer<double> make_layer(Context&, const std::string&, const json&, const std::vector<double>&);
template Network<float> make_network(Context&, const json&);
template Network<double> make_network(Context&, const json&);
template HostMatrix<float> network_input(const json&);
template HostMatrix<double> network_input(const json&);

}  // namespace moonwalk::cuda::check
