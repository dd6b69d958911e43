// reversible: backprop for networks of bijective layers (RevNet style). The
// forward sweep keeps only x_L; the reverse sweep rebuilds x_{i-1} =
// f_i⁻¹(x_i) layer by layer. Stores: nothing between the sweeps but x_L.
// A non-bijective layer is refused with its name.
#pragma once

#include "moonwalk/reference/methods/common.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> reversible(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  const std::size_t L = net.depth();
  for (std::size_t i = 0; i < L; ++i)
    if (!net.bijective(i)) fail("reversible", net.label(i) + " is not bijective: activations cannot be rebuilt");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) x = net.forward(i, x);
  const std::size_t kept = matrix_bytes(x);
  out.ledger.hold(Category::layer_inputs, kept);
  out.loss = net.loss_value(x);
  Mat<S> h = net.loss_gradient(x);
  out.params.resize(L);
  for (std::size_t i = L; i-- > 0;) {
    const Mat<S> xin = inverse(net, i, x);
    if (net.param_count(i) > 0) out.params[i] = vjp_params(net, i, xin, h);
    h = vjp_input(net, i, residual(net, i, xin), h);
    x = xin;
  }
  out.ledger.release(Category::layer_inputs, kept);
  out.input = h;
  return out;
}

}  // namespace moonwalk::reference::methods
