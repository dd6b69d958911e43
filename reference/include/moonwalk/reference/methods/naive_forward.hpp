// naive_forward: forward-mode differentiation, one jvp sweep per parameter
// direction (and per input coordinate for ∂ℓ/∂x_0): g_i[j] = ⟨∂ℓ/∂x_L, ẋ_L⟩
// for θ̇_i = e_j. Stores nothing between sweeps; costs O(P) forward passes,
// so it is for small networks.
#pragma once

#include "moonwalk/reference/methods/error_model.hpp"
#include "moonwalk/reference/methods/forward_mode.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> naive_forward(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  const Phase<S> fwd(net, "naive_forward", "forward sweep"), tangents(net, "naive_forward", "tangent sweeps");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  const Mat<S> y = output_of(net, fwd, x0);
  out.loss = fwd.loss(y);
  const Mat<S> hL = fwd(net.depth(), "∂ℓ/∂x_L", [&] { return net.loss_gradient(y); });
  out.params.resize(net.depth());
  const Mat<S> zero = Mat<S>::Zero(x0.rows(), x0.cols());
  for (std::size_t i = 0; i < net.depth(); ++i) {
    const Index P = net.param_count(i);
    if (P == 0) continue;
    out.params[i].resize(P);
    for (Index j = 0; j < P; ++j) {
      Vec<S> e = Vec<S>::Zero(P);
      e(j) = 1;
      out.params[i](j) = hL.cwiseProduct(push_tangent(net, tangents, x0, zero, i, e)).sum();
    }
  }
  out.input = input_gradient_by_jvp(net, tangents, x0, hL);
  // The estimate: the reverse shadow (error_model.hpp) beside a reverse sweep
  // of the cotangent, each layer input recomputed from x_0 since nothing is
  // stored (O(L²) layer evaluations, fewer than the gradient's O(P·L)).
  ReverseShadow<S> shadow(hL, net.depth());
  Mat<S> h = hL;
  for (std::size_t i = net.depth(); i-- > 0;) {
    Mat<S> xi = x0;
    for (std::size_t k = 0; k < i; ++k) xi = net.forward(k, xi);
    shadow.params(net, i, xi);
    const Residual<S> r = residual(net, i, xi);
    h = vjp_input(net, i, r, h);
    shadow.input(net, i, r, h);
  }
  out.estimate = shadow.estimate(out);
  return out;
}

}  // namespace moonwalk::reference::methods
