// A network on the device: the chain x_i = f_i(x_{i-1}; θ_i) of CUDA
// operators and a scalar loss, as the reference's (reference/network.hpp),
// with the same per-layer steps the gradient methods take, through the
// variant. Layers and loss are made on one context; θ lives on the device
// (arena category parameters) for as long as the network does.
#pragma once

#include "moonwalk/cuda/ops.hpp"

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace moonwalk::cuda {

template <class S>
using Layer = std::variant<Dense<S>, LeakyRelu<S>, Relu<S>, Tanh<S>, AdditiveCoupling<S>, GlobalAvgPool<S>, Conv1d<S>,
                           PatchDownsample1d<S>, Conv2d<S>, PatchDownsample2d<S>>;
template <class S> using Loss = std::variant<Mse<S>, SoftmaxCrossEntropy<S>>;

namespace detail {

// Operators whose fragment can be non-empty compute it from what Phase I kept.
template <class Op, class S, class = void> struct HasResidualFragment : std::false_type {};
template <class Op, class S>
struct HasResidualFragment<Op, S, std::void_t<decltype(std::declval<const Op&>().fragment(
                                      std::declval<const DeviceResidual<S>&>(), std::declval<const DeviceMatrix<S>&>()))>>
    : std::true_type {};

}  // namespace detail

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
  // The fragment of δ from the residual alone; empty (zero scalars, category
  // fragments) for operators whose fragment always is, whose vijp refuses to
  // run if that was wrong.
  DeviceFragment<S> fragment(std::size_t i, const DeviceResidual<S>& r, const DeviceMatrix<S>& d) const {
    return visit(i, [&](const auto& op) -> DeviceFragment<S> {
      if constexpr (detail::HasResidualFragment<std::decay_t<decltype(op)>, S>::value) return op.fragment(r, d);
      else return {DeviceMatrix<S>(arena(), 0, 1, Category::fragments)};
    });
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
