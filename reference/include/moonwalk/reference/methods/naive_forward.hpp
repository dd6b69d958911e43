// naive_forward: forward-mode differentiation, one jvp sweep per parameter
// direction (and per input coordinate for ∂ℓ/∂x_0): g_i[j] = ⟨∂ℓ/∂x_L, ẋ_L⟩
// for θ̇_i = e_j. Stores nothing between sweeps; costs O(P) forward passes,
// so it is for small networks.
#pragma once

#include "moonwalk/reference/methods/forward_mode.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> naive_forward(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  const Mat<S> y = output_of(net, x0);
  out.loss = net.loss_value(y);
  const Mat<S> hL = net.loss_gradient(y);
  out.params.resize(net.depth());
  const Mat<S> zero = Mat<S>::Zero(x0.rows(), x0.cols());
  for (std::size_t i = 0; i < net.depth(); ++i) {
    const Index P = net.param_count(i);
    if (P == 0) continue;
    out.params[i].resize(P);
    for (Index j = 0; j < P; ++j) {
      Vec<S> e = Vec<S>::Zero(P);
      e(j) = 1;
      out.params[i](j) = hL.cwiseProduct(push_tangent(net, x0, zero, i, e)).sum();
    }
  }
  out.input = input_gradient_by_jvp(net, x0, hL);
  return out;
}

}  // namespace moonwalk::reference::methods
