// moonwalk_mixed on the device, as the reference's
// (reference/methods/moonwalk_mixed.hpp and inverse_forward.hpp):
//   Phase I, forward: keep each layer's input residual (input_residuals).
//   Phase II, reverse: h_L = ∂ℓ/∂x_L; for i = L..1 keep the fragment of h_i
//     from the residual (fragments), or every `anchor_every` layers h_i itself
//     (anchors); h_{i-1} = vjp_input(r_i, h_i); release r_i.
//   Phase III, inverse-forward from (x_0, h_0): h_i = vijp(x_{i-1}, h_{i-1},
//     fragment_i) or the anchor, g_i = vjp_params(x_{i-1}, h_i), the residual
//     certificate ‖vjp_input(h_i) − h_{i−1}‖ / ‖h_{i−1}‖ (its residual working
//     set), x_i = f_i(x_{i-1}); each fragment and anchor released once used.
// With fragments off a non-submersive layer is refused with its name.
#pragma once

#include "moonwalk/cuda/methods/common.hpp"

namespace moonwalk::cuda::methods {

struct MixedOptions {
  std::size_t anchor_every = 0;  // 0: no anchors; k: keep h_i whenever (i + 1) % k == 0
  bool fragments = true;
};

template <class S> Gradients<S> moonwalk_mixed(const Network<S>& net, const HostMatrix<S>& x0, MixedOptions o = {});

}  // namespace moonwalk::cuda::methods
