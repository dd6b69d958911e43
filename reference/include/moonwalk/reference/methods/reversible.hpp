// reversible: backprop for networks of bijective layers (RevNet style). The
// forward sweep keeps only x_L; the reverse sweep rebuilds x_{i-1} =
// f_i⁻¹(x_i) layer by layer. Stores: nothing between the sweeps but x_L.
// A non-bijective layer is refused with its name. Estimate: the reverse
// shadow (error_model.hpp) for the cotangent's rounding, and the measured
// drift of the rebuilt x_0 from the true one for the activations'.
#pragma once

#include "moonwalk/reference/methods/error_model.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> reversible(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  const std::size_t L = net.depth();
  for (std::size_t i = 0; i < L; ++i)
    if (!net.bijective(i)) fail("reversible", net.label(i) + " is not bijective: activations cannot be rebuilt");
  const Phase<S> fwd(net, "reversible", "forward sweep"), rev(net, "reversible", "reverse sweep");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) x = fwd(i, "output", [&] { return net.forward(i, x); });
  const std::size_t kept = matrix_bytes(x);
  out.ledger.hold(Category::layer_inputs, kept);
  out.loss = fwd.loss(x);
  Mat<S> h = fwd(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  ReverseShadow<S> shadow(h, L);
  out.params.resize(L);
  for (std::size_t i = L; i-- > 0;) {
    const Mat<S> xin = rev(i, "rebuilt input", [&] { return inverse(net, i, x); });
    if (net.param_count(i) > 0) out.params[i] = rev(i, "parameter gradient", [&] { return vjp_params(net, i, xin, h); });
    shadow.params(net, i, xin);
    const Residual<S> r = residual(net, i, xin);
    h = rev(i, "input cotangent", [&] { return vjp_input(net, i, r, h); });
    shadow.input(net, i, r, h);
    x = xin;
  }
  out.ledger.release(Category::layer_inputs, kept);
  out.input = h;
  // The rebuilt activations drift from the true ones, which the shadow does
  // not model; the drift is measured where it has accumulated most, at x_0,
  // and enters the gradients (bilinear in x and h) at about its relative size.
  const double drift = ReverseShadow<S>::relative_to(norm_of<S>(x - x0), norm_of(x0));
  out.estimate = std::hypot(shadow.estimate(out), drift);
  return out;
}

}  // namespace moonwalk::reference::methods
