// Per-element math of relu (ops/relu.hpp). A unit is active where x > 0 (its
// mask bit is set). The fragment lists δ at the inactive units in
// column-major order: inactive entry k goes to the rank of k among the clear
// bits, found from per-word counts of clear bits and their exclusive prefix
// sum (kernels/common.hpp).
#pragma once

#include "moonwalk/cuda/kernels/leaky_relu.hpp"

namespace moonwalk::cuda::kernels {

template <class S> MOONWALK_HD S relu_forward(S v) { return v > 0 ? v : S(0); }
template <class S> MOONWALK_HD S relu_jvp(S v, S t) { return v > 0 ? t : S(0); }
template <class S> MOONWALK_HD S relu_vjp(bool active, S d) { return active ? d : S(0); }

template <class S>
MOONWALK_HD void relu_gather_fragment(Index k, const std::uint64_t* mask, const Index* before, const S* delta, S* f) {
  if (!mask_bit(mask, k)) f[clear_rank(mask, before, k)] = delta[k];
}

template <class S>
MOONWALK_HD void relu_vijp(Index k, const std::uint64_t* mask, const Index* before, const S* g, const S* f, S* h) {
  h[k] = mask_bit(mask, k) ? g[k] : f[clear_rank(mask, before, k)];
}

}  // namespace moonwalk::cuda::kernels
