// A network on the device: the chain x_i = f_i(x_{i-1}; θ_i) of CUDA
// operators and a scalar loss, as the reference's (reference/network.hpp),
// with the same per-layer steps the gradient methods take, through the
// variant. Layers and loss are made on one context; θ lives on the device
// (arena category parameters) for as long as the network does.
#pragma once

#include "moonwalk/cuda/ops.hpp"
#include "moonwalk/reference/ops/operator_list.hpp"

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace moonwalk::cuda {

using Operators = decltype(OpList<>{} MOONWALK_OPERATORS(MOONWALK_OP_TAG));

template <class S, class List> struct LayerVariant;
template <class S, template <class> class... Ops> struct LayerVariant<S, OpList<Ops...>> {
  using type = std::variant<Ops<S>...>;
};
template <class S> using Layer = typename LayerVariant<S, Operators>::type;
template <class S> using Loss = std::variant<Mse<S>, SoftmaxCrossEntropy<S>>;

namespace detail {

template <class T> using Returns = T;

// The device half of the operator contract (the reference's is in
// reference/ops/registry.hpp): what the methods call through the variant.
template <class Op, class S, class = void> struct HasContract : std::false_type {};
template <class Op, class S>
struct HasContract<
    Op, S,
    std::void_t<decltype(Op::name), decltype(Returns<Index>(std::declval<const Op&>().in_dim())),
                decltype(Returns<Index>(std::declval<const Op&>().out_dim())),
                decltype(Returns<Index>(std::declval<const Op&>().param_count())),
                decltype(Returns<DeviceMatrix<S>>(std::declval<const Op&>().forward(std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceResidual<S>>(
                    std::declval<const Op&>().input_residual(std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceMatrix<S>>(std::declval<const Op&>().vjp_input(
                    std::declval<const DeviceResidual<S>&>(), std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceMatrix<S>>(std::declval<const Op&>().vjp_params(
                    std::declval<const DeviceMatrix<S>&>(), std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<Index>(std::declval<const Op&>().fragment_size(std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceFragment<S>>(std::declval<const Op&>().fragment(
                    std::declval<const DeviceMatrix<S>&>(), std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceFragment<S>>(std::declval<const Op&>().fragment(
                    std::declval<const DeviceResidual<S>&>(), std::declval<const DeviceMatrix<S>&>()))),
                decltype(Returns<DeviceMatrix<S>>(std::declval<const Op&>().vijp(
                    std::declval<const DeviceMatrix<S>&>(), std::declval<const DeviceMatrix<S>&>(),
                    std::declval<const DeviceFragment<S>&>())))>> : std::true_type {};

}  // namespace detail

template <template <class> class Op, class S> inline constexpr bool is_operator_v = detail::HasContract<Op<S>, S>::value;

#define MOONWALK_CHECK_CUDA_OP(Type, stem)                                                                     \
  static_assert(is_operator_v<Type, float> && is_operator_v<Type, double>,                                  \
                #Type " does not meet the device operator contract (cuda/network.hpp)");                    \
  MOONWALK_CHECK_OP_NAME(Type, stem)
MOONWALK_OPERATORS(MOONWALK_CHECK_CUDA_OP)
#undef MOONWALK_CHECK_CUDA_OP

template <class S> class Network {
public:
  Network(Context& ctx, std::vector<Layer<S>> layers, Loss<S> loss)
      : ctx_(&ctx), layers_(std::move(layers)), loss_(std::move(loss)) {
    require(!layers_.empty(), "network", "needs at least one layer");
    for (std::size_t i = 1; i < layers_.size(); ++i)
      if (out_dim(i - 1) != in_dim(i))
        fail("network", label(i) + " takes " + std::to_string(in_dim(i)) + " inputs but layer " + std::to_string(i - 1) +
                            " gives " + std::to_string(out_dim(i - 1)));
  }

  Context& context() const { return *ctx_; }
  Arena& arena() const { return ctx_->arena(); }
  std::size_t depth() const { return layers_.size(); }
  const Layer<S>& layer(std::size_t i) const { return layers_[i]; }
  Index in_dim(std::size_t i) const { return visit(i, [](const auto& op) { return op.in_dim(); }); }
  Index out_dim(std::size_t i) const { return visit(i, [](const auto& op) { return op.out_dim(); }); }
  Index param_count(std::size_t i) const { return visit(i, [](const auto& op) { return op.param_count(); }); }
  std::string layer_name(std::size_t i) const { return visit(i, [](const auto& op) { return std::string(op.name); }); }
  // "layer 3 (relu)", for error messages.
  std::string label(std::size_t i) const { return "layer " + std::to_string(i) + " (" + layer_name(i) + ")"; }
  std::size_t param_bytes() const {
    std::size_t b = 0;
    for (std::size_t i = 0; i < depth(); ++i) b += static_cast<std::size_t>(param_count(i)) * sizeof(S);
    return b;
  }

  DeviceMatrix<S> forward(std::size_t i, const DeviceMatrix<S>& x) const {
    return visit(i, [&](const auto& op) { return op.forward(x); });
  }
  DeviceResidual<S> residual(std::size_t i, const DeviceMatrix<S>& x) const {
    return visit(i, [&](const auto& op) { return op.input_residual(x); });
  }
  DeviceMatrix<S> vjp_input(std::size_t i, const DeviceResidual<S>& r, const DeviceMatrix<S>& d) const {
    return visit(i, [&](const auto& op) { return op.vjp_input(r, d); });
  }
  DeviceMatrix<S> vjp_params(std::size_t i, const DeviceMatrix<S>& x, const DeviceMatrix<S>& d) const {
    return visit(i, [&](const auto& op) { return op.vjp_params(x, d); });
  }
  DeviceMatrix<S> vijp(std::size_t i, const DeviceMatrix<S>& x, const DeviceMatrix<S>& g, const DeviceFragment<S>& f) const {
    return visit(i, [&](const auto& op) { return op.vijp(x, g, f); });
  }
  // The fragment of δ from the residual alone (Phase II keeps no inputs).
  DeviceFragment<S> fragment(std::size_t i, const DeviceResidual<S>& r, const DeviceMatrix<S>& d) const {
    return visit(i, [&](const auto& op) { return op.fragment(r, d); });
  }

  // Waits for the stream.
  S loss_value(const DeviceMatrix<S>& y) const {
    return std::visit([&](const auto& l) { return l.value(y); }, loss_);
  }
  DeviceMatrix<S> loss_gradient(const DeviceMatrix<S>& y) const {
    return std::visit([&](const auto& l) { return l.gradient(y); }, loss_);
  }

private:
  template <class F> decltype(auto) visit(std::size_t i, F&& f) const { return std::visit(std::forward<F>(f), layers_[i]); }

  Context* ctx_;
  std::vector<Layer<S>> layers_;
  Loss<S> loss_;
};

}  // namespace moonwalk::cuda
