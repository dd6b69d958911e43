// Phase III of Moonwalk, shared by the pure-forward and mixed methods: from
// (x_0, h_0), for i = 1..L recompute x_i, rebuild h_i = vijp_i(x_{i-1},
// h_{i-1}, fragment_i) (or take the anchor kept for layer i), emit g_i =
// vjp_params(x_{i-1}, h_i), and record the residual certificate
// ‖vjp_input(h_i) − h_{i−1}‖ / ‖h_{i−1}‖.
#pragma once

#include "moonwalk/reference/methods/common.hpp"

#include <functional>

namespace moonwalk::reference::methods {

// fragment_of(i) gives layer i's fragment; anchor_of(i) a pointer to the kept
// h_i or nullptr. The ledger is told when each is released.
template <class S>
void inverse_forward(const Network<S>& net, const Mat<S>& x0, const Mat<S>& h0, Gradients<S>& out,
                     const std::function<Fragment<S>(std::size_t)>& fragment_of,
                     const std::function<const Mat<S>*(std::size_t)>& anchor_of) {
  const std::size_t L = net.depth();
  out.params.resize(L);
  out.certificate.assign(L, 0.0);
  Mat<S> x = x0, h_prev = h0;
  for (std::size_t i = 0; i < L; ++i) {
    const Mat<S>* anchor = anchor_of(i);
    Mat<S> h = anchor ? *anchor : vijp(net, i, x, h_prev, fragment_of(i));
    if (net.param_count(i) > 0) out.params[i] = vjp_params(net, i, x, h);
    out.certificate[i] = relative_gap(vjp_input(net, i, residual(net, i, x), h), h_prev);
    x = net.forward(i, x);
    h_prev = std::move(h);
  }
}

}  // namespace moonwalk::reference::methods
