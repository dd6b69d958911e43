// Shared steps of the gradient methods: one layer's forward, residual, vjps,
// fragment and vijp through the variant, with the ledger told what is kept.
// The per-layer calls below are only declared here: network_impl.hpp defines
// them, compiled once per scalar (reference/src/network_instances.inc).
#pragma once

#include "moonwalk/reference/network.hpp"

#include <cmath>
#include <type_traits>

namespace moonwalk::reference::methods {

// Layer i's operator, through the variant.
template <class S> Residual<S> residual(const Network<S>& net, std::size_t i, const Mat<S>& x);
template <class S> Mat<S> vjp_input(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& d);
template <class S> Vec<S> vjp_params(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& d);
template <class S> Mat<S> jvp(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& xd, const Vec<S>& pd);
template <class S> Mat<S> vijp(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& g,
                               const Fragment<S>& f);
template <class S> Index fragment_size(const Network<S>& net, std::size_t i, const Mat<S>& x);
template <class S> Mat<S> inverse(const Network<S>& net, std::size_t i, const Mat<S>& y);
// The fragment of δ from what Phase I kept (no layer input); every operator
// provides it (registry.hpp's contract).
template <class S> Fragment<S> fragment(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& d);

template <class S> void check_input(const Network<S>& net, const Mat<S>& x) {
  require_rows(x, net.in_dim(0), "network", "input");
  require_finite(x, "network", "input");
}

// A phase of a method. A NaN or Inf that a step of it produces (an overflowing
// recurrence, a singular solve), or that an operator throws from inside the
// step, becomes a NonFiniteError naming the method, the phase and the layer
// ("backprop, reverse sweep, layer 0 (dense): input cotangent holds a
// non-finite value ..."), so that no such value reaches a returned gradient.
// Layer index depth() stands for the loss. The error model's shadow is not
// checked: where it overflows, the estimate says so instead.
template <class S> class Phase {
public:
  Phase(const Network<S>& net, const char* method, const char* phase) : net_(net), method_(method), phase_(phase) {}
  std::string where(std::size_t i) const {
    return std::string(method_) + ", " + phase_ + ", " + (i < net_.depth() ? net_.label(i) : std::string("the loss"));
  }
  // f() computes `what` of layer i.
  template <class F> auto operator()(std::size_t i, const char* what, F&& f) const -> std::decay_t<decltype(f())> {
    std::decay_t<decltype(f())> m;
    try {
      m = f();
    } catch (const NonFiniteError& e) {
      throw NonFiniteError(where(i), e.what());
    }
    require_finite(m, where(i), what);
    return m;
  }
  S loss(const Mat<S>& y) const {
    return (*this)(net_.depth(), "loss value", [&] { return Mat<S>(Mat<S>::Constant(1, 1, net_.loss_value(y))); })(0, 0);
  }

private:
  const Network<S>& net_;
  const char* method_;
  const char* phase_;
};

}  // namespace moonwalk::reference::methods
