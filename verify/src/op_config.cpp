#include "moonwalk/verify/op_config.hpp"

#include "moonwalk/verify/decimal.hpp"

namespace moonwalk::verify {

using namespace moonwalk::reference;

namespace {
Index get_dim(const nlohmann::json& c, const char* key) {
  const Index v = c.at(key).get<Index>();
  if (v <= 0) throw std::invalid_argument(std::string("config: '") + key + "' must be positive");
  return v;
}
Padding get_padding(const nlohmann::json& c) {
  const std::string pad = c.at("padding").get<std::string>();
  if (pad != "zero" && pad != "circular") throw std::invalid_argument("config: 'padding' must be zero or circular");
  return pad == "zero" ? Padding::zero : Padding::circular;
}
ConvVijp get_strategy(const nlohmann::json& c) {
  const std::string strategy = c.at("strategy").get<std::string>();
  for (ConvVijp v : {ConvVijp::dense, ConvVijp::banded, ConvVijp::fft, ConvVijp::blocked})
    if (strategy == conv_vijp_name(v)) return v;
  throw std::invalid_argument("config: 'strategy' must be dense, banded, fft or blocked");
}
}  // namespace

template <> nlohmann::json op_config<Dense>(const Dense<double>& op) {
  return {{"in", op.in_dim()}, {"out", op.out_dim()}};
}
template <> Dense<double> op_shell<Dense>(const nlohmann::json& c) {
  const Index n = get_dim(c, "in"), m = get_dim(c, "out");
  return Dense<double>(Mat<double>::Zero(m, n), Vec<double>::Zero(m));
}

template <> nlohmann::json op_config<LeakyRelu>(const LeakyRelu<double>& op) {
  return {{"dim", op.in_dim()}, {"alpha", decimal(op.alpha())}};
}
template <> LeakyRelu<double> op_shell<LeakyRelu>(const nlohmann::json& c) {
  const auto& a = c.at("alpha");
  return LeakyRelu<double>(get_dim(c, "dim"), a.is_string() ? static_cast<double>(mp50(a.get<std::string>())) : a.get<double>());
}

template <> nlohmann::json op_config<Relu>(const Relu<double>& op) { return {{"dim", op.in_dim()}}; }
template <> Relu<double> op_shell<Relu>(const nlohmann::json& c) {
  return Relu<double>(get_dim(c, "dim"));
}

template <> nlohmann::json op_config<Tanh>(const Tanh<double>& op) { return {{"dim", op.in_dim()}}; }
template <> Tanh<double> op_shell<Tanh>(const nlohmann::json& c) {
  return Tanh<double>(get_dim(c, "dim"));
}

template <> nlohmann::json op_config<AdditiveCoupling>(const AdditiveCoupling<double>& op) {
  return {{"half", op.half()}, {"hidden", op.F.inner.out_dim()}};
}
template <> AdditiveCoupling<double> op_shell<AdditiveCoupling>(const nlohmann::json& c) {
  const Index d = get_dim(c, "half"), k = get_dim(c, "hidden");
  auto net = [&] {
    return CouplingNet<double>(Dense<double>(Mat<double>::Zero(k, d), Vec<double>::Zero(k)),
                               Dense<double>(Mat<double>::Zero(d, k), Vec<double>::Zero(d)));
  };
  return AdditiveCoupling<double>(net(), net());
}

template <> nlohmann::json op_config<GlobalAvgPool>(const GlobalAvgPool<double>& op) {
  return {{"channels", op.channels()}, {"positions", op.positions()}};
}
template <> GlobalAvgPool<double> op_shell<GlobalAvgPool>(const nlohmann::json& c) {
  return GlobalAvgPool<double>(get_dim(c, "channels"), get_dim(c, "positions"));
}

template <> nlohmann::json op_config<Conv1d>(const Conv1d<double>& op) {
  const Conv1dSpec& s = op.spec();
  return {{"in_channels", s.in_channels}, {"out_channels", s.out_channels}, {"width", s.width},
          {"kernel", s.kernel}, {"padding", padding_name(s.padding)}, {"strategy", conv_vijp_name(s.vijp)},
          {"block", s.block}};
}
template <> Conv1d<double> op_shell<Conv1d>(const nlohmann::json& c) {
  Conv1dSpec s;
  s.in_channels = get_dim(c, "in_channels");
  s.out_channels = get_dim(c, "out_channels");
  s.width = get_dim(c, "width");
  s.kernel = get_dim(c, "kernel");
  s.block = c.contains("block") ? get_dim(c, "block") : s.width;
  s.padding = get_padding(c);
  s.vijp = get_strategy(c);
  return Conv1d<double>(s, Vec<double>::Zero(s.out_channels * s.in_channels * s.kernel), Vec<double>::Zero(s.out_channels));
}

template <> nlohmann::json op_config<PatchDownsample1d>(const PatchDownsample1d<double>& op) {
  return {{"in_channels", op.in_channels()}, {"out_channels", op.out_channels()}, {"width", op.width()},
          {"patch", op.patch()}};
}
template <> PatchDownsample1d<double> op_shell<PatchDownsample1d>(const nlohmann::json& c) {
  const Index ci = get_dim(c, "in_channels"), co = get_dim(c, "out_channels"), k = get_dim(c, "patch");
  return PatchDownsample1d<double>(ci, get_dim(c, "width"), k, Mat<double>::Zero(co, ci * k), Vec<double>::Zero(co));
}

template <> nlohmann::json op_config<Conv2d>(const Conv2d<double>& op) {
  const Conv2dSpec& s = op.spec();
  return {{"in_channels", s.in_channels}, {"out_channels", s.out_channels}, {"height", s.height},
          {"width", s.width}, {"kernel", s.kernel}, {"padding", padding_name(s.padding)},
          {"strategy", conv_vijp_name(s.vijp)}, {"block", s.block}};
}
template <> Conv2d<double> op_shell<Conv2d>(const nlohmann::json& c) {
  Conv2dSpec s;
  s.in_channels = get_dim(c, "in_channels");
  s.out_channels = get_dim(c, "out_channels");
  s.height = get_dim(c, "height");
  s.width = get_dim(c, "width");
  s.kernel = get_dim(c, "kernel");
  s.block = c.contains("block") ? get_dim(c, "block") : s.height;
  s.padding = get_padding(c);
  s.vijp = get_strategy(c);
  return Conv2d<double>(s, Vec<double>::Zero(s.out_channels * s.in_channels * s.kernel * s.kernel),
                        Vec<double>::Zero(s.out_channels));
}

template <> nlohmann::json op_config<PatchDownsample2d>(const PatchDownsample2d<double>& op) {
  return {{"in_channels", op.in_channels()}, {"out_channels", op.out_channels()}, {"height", op.height()},
          {"width", op.width()}, {"patch", op.patch()}};
}
template <> PatchDownsample2d<double> op_shell<PatchDownsample2d>(const nlohmann::json& c) {
  const Index ci = get_dim(c, "in_channels"), co = get_dim(c, "out_channels"), p = get_dim(c, "patch");
  return PatchDownsample2d<double>(ci, get_dim(c, "height"), get_dim(c, "width"), p, Mat<double>::Zero(co, ci * p * p),
                                   Vec<double>::Zero(co));
}

}  // namespace moonwalk::verify
