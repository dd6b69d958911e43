#include "moonwalk/cuda/check/json.hpp"

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

Wide scalar(const json& j) { return j.is_string() ? std::strtold(j.get<std::string>().c_str(), nullptr) : j.get<Wide>(); }

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
  return static_cast<double>(ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff));
}

namespace {

// The fields both convolution specs share; `block` defaults to the rows of
// positions (one block).
template <class Spec> void read_conv(const json& cfg, Spec& s, Index rows) {
  s.in_channels = cfg.at("in_channels").get<Index>();
  s.out_channels = cfg.at("out_channels").get<Index>();
  s.kernel = cfg.at("kernel").get<Index>();
  s.block = cfg.contains("block") ? cfg.at("block").get<Index>() : rows;
  s.padding = cfg.at("padding").get<std::string>() == "zero" ? Padding::zero : Padding::circular;
  const std::string v = cfg.at("strategy").get<std::string>();
  bool known = false;
  for (ConvVijp c : {ConvVijp::dense, ConvVijp::banded, ConvVijp::fft, ConvVijp::blocked})
    if (v == conv_vijp_name(c)) s.vijp = c, known = true;
  if (!known) throw std::runtime_error("config: unknown conv strategy '" + v + "'");
}

}  // namespace

Conv1dSpec conv1d_spec(const json& cfg) {
  Conv1dSpec s;
  s.width = cfg.at("width").get<Index>();
  read_conv(cfg, s, s.width);
  return s;
}

Conv2dSpec conv2d_spec(const json& cfg) {
  Conv2dSpec s;
  s.height = cfg.at("height").get<Index>();
  s.width = cfg.at("width").get<Index>();
  read_conv(cfg, s, s.height);
  return s;
}

template <class S> Layer<S> make_layer(Context& ctx, const std::string& op, const json& cfg, const std::vector<S>& theta) {
  auto dim = [&](const char* key) { return cfg.at(key).get<Index>(); };
  auto split = [&](Index n) {
    if (static_cast<Index>(theta.size()) < n) throw std::runtime_error(op + ": fewer parameters than the configuration needs");
    return std::make_pair(std::vector<S>(theta.begin(), theta.begin() + n), std::vector<S>(theta.begin() + n, theta.end()));
  };
  if (op == "dense") {
    const Index m = dim("out"), n = dim("in");
    auto [w, b] = split(m * n);
    return Dense<S>(ctx, HostMatrix<S>(m, n, std::move(w)), b);
  }
  if (op == "leaky_relu") return LeakyRelu<S>(ctx, dim("dim"), static_cast<S>(scalar(cfg.at("alpha"))));
  if (op == "relu") return Relu<S>(ctx, dim("dim"));
  if (op == "tanh") return Tanh<S>(ctx, dim("dim"));
  if (op == "additive_coupling") return AdditiveCoupling<S>(ctx, dim("half"), dim("hidden"), theta);
  if (op == "global_avg_pool") return GlobalAvgPool<S>(ctx, dim("channels"), dim("positions"));
  if (op == "conv1d") {
    const Conv1dSpec s = conv1d_spec(cfg);
    auto [w, b] = split(s.out_channels * s.in_channels * s.kernel);
    return Conv1d<S>(ctx, s, w, b);
  }
  if (op == "patch_downsample1d") {
    const Index ci = dim("in_channels"), co = dim("out_channels"), k = dim("patch");
    auto [w, b] = split(co * ci * k);
    return PatchDownsample1d<S>(ctx, ci, dim("width"), k, HostMatrix<S>(co, ci * k, std::move(w)), b);
  }
  if (op == "conv2d") {
    const Conv2dSpec s = conv2d_spec(cfg);
    auto [w, b] = split(s.out_channels * s.in_channels * s.kernel * s.kernel);
    return Conv2d<S>(ctx, s, w, b);
  }
  if (op == "patch_downsample2d") {
    const Index ci = dim("in_channels"), co = dim("out_channels"), p = dim("patch");
    auto [w, b] = split(co * ci * p * p);
    return PatchDownsample2d<S>(ctx, ci, dim("height"), dim("width"), p, HostMatrix<S>(co, ci * p * p, std::move(w)), b);
  }
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
