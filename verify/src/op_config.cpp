#include "moonwalk/verify/op_config.hpp"

#include "moonwalk/verify/decimal.hpp"

namespace moonwalk::verify {

using namespace moonwalk::reference;

template <> nlohmann::json op_config<Dense>(const Dense<double>& op) {
  return config::write(config::Dense{op.in_dim(), op.out_dim()});
}
template <> Dense<double> op_shell<Dense>(const config::Node& n) {
  const auto c = config::read<config::Dense>(n);
  return Dense<double>(Mat<double>::Zero(c.out, c.in), Vec<double>::Zero(c.out));
}

template <> nlohmann::json op_config<LeakyRelu>(const LeakyRelu<double>& op) {
  return {{"dim", op.in_dim()}, {"alpha", decimal(op.alpha())}};
}
template <> LeakyRelu<double> op_shell<LeakyRelu>(const config::Node& n) {
  const auto c = config::read<config::LeakyRelu>(n);
  return LeakyRelu<double>(c.dim, static_cast<double>(c.alpha));
}

template <> nlohmann::json op_config<Relu>(const Relu<double>& op) { return config::write(config::Relu{op.in_dim()}); }
template <> Relu<double> op_shell<Relu>(const config::Node& n) {
  return Relu<double>(config::read<config::Relu>(n).dim);
}

template <> nlohmann::json op_config<Tanh>(const Tanh<double>& op) { return config::write(config::Tanh{op.in_dim()}); }
template <> Tanh<double> op_shell<Tanh>(const config::Node& n) {
  return Tanh<double>(config::read<config::Tanh>(n).dim);
}

template <> nlohmann::json op_config<AdditiveCoupling>(const AdditiveCoupling<double>& op) {
  return config::write(config::AdditiveCoupling{op.half(), op.F.inner.out_dim()});
}
template <> AdditiveCoupling<double> op_shell<AdditiveCoupling>(const config::Node& n) {
  const auto c = config::read<config::AdditiveCoupling>(n);
  auto net = [&] {
    return CouplingNet<double>(Dense<double>(Mat<double>::Zero(c.hidden, c.half), Vec<double>::Zero(c.hidden)),
                               Dense<double>(Mat<double>::Zero(c.half, c.hidden), Vec<double>::Zero(c.half)));
  };
  return AdditiveCoupling<double>(net(), net());
}

template <> nlohmann::json op_config<GlobalAvgPool>(const GlobalAvgPool<double>& op) {
  return config::write(config::GlobalAvgPool{op.channels(), op.positions()});
}
template <> GlobalAvgPool<double> op_shell<GlobalAvgPool>(const config::Node& n) {
  const auto c = config::read<config::GlobalAvgPool>(n);
  return GlobalAvgPool<double>(c.channels, c.positions);
}

template <> nlohmann::json op_config<Conv1d>(const Conv1d<double>& op) { return config::write(op.spec()); }
template <> Conv1d<double> op_shell<Conv1d>(const config::Node& n) {
  const auto s = config::read<config::Conv1d>(n);
  return Conv1d<double>(s, Vec<double>::Zero(s.out_channels * s.in_channels * s.kernel), Vec<double>::Zero(s.out_channels));
}

template <> nlohmann::json op_config<PatchDownsample1d>(const PatchDownsample1d<double>& op) {
  return config::write(config::PatchDownsample1d{op.in_channels(), op.out_channels(), op.width(), op.patch()});
}
template <> PatchDownsample1d<double> op_shell<PatchDownsample1d>(const config::Node& n) {
  const auto c = config::read<config::PatchDownsample1d>(n);
  return PatchDownsample1d<double>(c.in_channels, c.width, c.patch, Mat<double>::Zero(c.out_channels, c.in_channels * c.patch),
                                   Vec<double>::Zero(c.out_channels));
}

template <> nlohmann::json op_config<Conv2d>(const Conv2d<double>& op) { return config::write(op.spec()); }
template <> Conv2d<double> op_shell<Conv2d>(const config::Node& n) {
  const auto s = config::read<config::Conv2d>(n);
  return Conv2d<double>(s, Vec<double>::Zero(s.out_channels * s.in_channels * s.kernel * s.kernel),
                        Vec<double>::Zero(s.out_channels));
}

template <> nlohmann::json op_config<PatchDownsample2d>(const PatchDownsample2d<double>& op) {
  return config::write(
      config::PatchDownsample2d{op.in_channels(), op.out_channels(), op.height(), op.width(), op.patch()});
}
template <> PatchDownsample2d<double> op_shell<PatchDownsample2d>(const config::Node& n) {
  const auto c = config::read<config::PatchDownsample2d>(n);
  return PatchDownsample2d<double>(c.in_channels, c.height, c.width, c.patch,
                                   Mat<double>::Zero(c.out_channels, c.in_channels * c.patch * c.patch),
                                   Vec<double>::Zero(c.out_channels));
}

template <> nlohmann::json op_config<SpaceToDepth>(const SpaceToDepth<double>& op) {
  return config::write(config::SpaceToDepth{op.channels(), op.height(), op.width(), op.block()});
}
template <> SpaceToDepth<double> op_shell<SpaceToDepth>(const config::Node& n) {
  const auto c = config::read<config::SpaceToDepth>(n);
  return SpaceToDepth<double>(c.channels, c.height, c.width, c.block);
}

}  // namespace moonwalk::verify
