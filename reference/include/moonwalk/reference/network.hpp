// A network: a chain x_i = f_i(x_{i-1}; θ_i) of registered operators and a
// scalar loss ℓ(x_L). The layer type is a std::variant built from the
// operator registry, so a newly registered operator can be a layer at once.
#pragma once

#include "moonwalk/reference/ledger.hpp"
#include "moonwalk/reference/ops.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace moonwalk::reference {

template <class S, class List> struct LayerVariant;
template <class S, template <class> class... Ops> struct LayerVariant<S, OpList<Ops...>> {
  using type = std::variant<Ops<S>...>;
};
template <class S> using Layer = typename LayerVariant<S, Operators>::type;
template <class S> using Loss = std::variant<Mse<S>, SoftmaxCrossEntropy<S>>;

template <class S> struct Network {
  std::vector<Layer<S>> layers;
  Loss<S> loss;

  Network(std::vector<Layer<S>> l, Loss<S> lo) : layers(std::move(l)), loss(std::move(lo)) {
    require(!layers.empty(), "network", "needs at least one layer");
    for (std::size_t i = 1; i < layers.size(); ++i)
      if (out_dim(i - 1) != in_dim(i))
        fail("network", "layer " + std::to_string(i) + " (" + layer_name(i) + ") takes " + std::to_string(in_dim(i)) +
                            " inputs but layer " + std::to_string(i - 1) + " gives " + std::to_string(out_dim(i - 1)));
  }

  std::size_t depth() const { return layers.size(); }
  Index in_dim(std::size_t i) const { return std::visit([](const auto& op) { return op.in_dim(); }, layers[i]); }
  Index out_dim(std::size_t i) const { return std::visit([](const auto& op) { return op.out_dim(); }, layers[i]); }
  Index param_count(std::size_t i) const {
    return std::visit([](const auto& op) { return op.param_count(); }, layers[i]);
  }
  std::string layer_name(std::size_t i) const {
    return std::visit([](const auto& op) { return std::string(op.name); }, layers[i]);
  }
  bool bijective(std::size_t i) const {
    return std::visit([](const auto& op) { return std::decay_t<decltype(op)>::bijective; }, layers[i]);
  }
  // "layer 3 (relu)", for error messages.
  std::string label(std::size_t i) const { return "layer " + std::to_string(i) + " (" + layer_name(i) + ")"; }

  S loss_value(const Mat<S>& y) const {
    return std::visit([&](const auto& l) { return l.value(y); }, loss);
  }
  Mat<S> loss_gradient(const Mat<S>& y) const {
    return std::visit([&](const auto& l) { return l.gradient(y); }, loss);
  }
  // Declared only: network_impl.hpp defines it, compiled once per scalar.
  Mat<S> forward(std::size_t i, const Mat<S>& x) const;
  std::size_t param_bytes() const {
    std::size_t b = 0;
    for (std::size_t i = 0; i < depth(); ++i) b += static_cast<std::size_t>(param_count(i)) * sizeof(S);
    return b;
  }

  template <class T> Network<T> cast() const {
    std::vector<Layer<T>> l;
    for (const auto& layer : layers) l.push_back(std::visit([](const auto& op) { return Layer<T>(op.template cast<T>()); }, layer));
    return Network<T>(std::move(l), std::visit([](const auto& lo) { return Loss<T>(lo.template cast<T>()); }, loss));
  }
};

template <class S> std::size_t matrix_bytes(const Mat<S>& m) { return static_cast<std::size_t>(m.size()) * sizeof(S); }

// What every gradient method returns.
template <class S> struct Gradients {
  S loss = 0;
  std::vector<Vec<S>> params;  // one per layer (empty for parameter-free layers)
  Mat<S> input;                // ∂ℓ/∂x_0
  Ledger ledger;
  // Moonwalk methods: per layer ‖vjp_input(h_i) − h_{i−1}‖ / ‖h_{i−1}‖ and
  // the bound the error model gives it (methods/error_model.hpp); then the
  // same for the reconstructed h_L against ∂ℓ/∂x_L recomputed at the end.
  std::vector<double> certificate, certificate_bound;
  double terminal = 0, terminal_bound = 0;
  // Where the first certificate exceeded its bound ("layer 3 (relu): ..."),
  // empty when none did: a result with a message here is not to be used.
  std::string exceeded;
  // The a-posteriori estimate of the relative error of (θ_1..θ_L, ∂ℓ/∂x_0).
  double estimate = 0;
  // moonwalk_mixed: the layers whose output cotangent was kept whole (depth
  // anchors), ascending.
  std::vector<std::size_t> anchors;
  // Seconds by phase, in the order first reached (moonwalk_mixed: forward,
  // reverse, inverse_forward, verification and, with anchors by error budget,
  // anchor_plan), for the bench.
  std::vector<std::pair<std::string, double>> phase_seconds;
  // Trusted: no certificate exceeded, and the estimate leaves a correct digit.
  bool trusted() const { return exceeded.empty() && std::isfinite(estimate) && estimate < 1; }
};

}  // namespace moonwalk::reference
