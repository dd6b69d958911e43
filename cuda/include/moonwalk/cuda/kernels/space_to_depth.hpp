// Per-element math of space_to_depth (ops/space_to_depth.hpp): the index map
// of the permutation Π, one thread per output entry.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// The input index (within one column, C × H × W channel-major) that output
// index e reads: y[(c·b + a)·b + d, r, q] = x[c, r·b + a, q·b + d].
MOONWALK_HD inline Index space_to_depth_source(Index e, Index H, Index W, Index b) {
  const Index h = H / b, w = W / b;
  const Index q = e % w, r = (e / w) % h, oc = e / (w * h);
  const Index d = oc % b, a = (oc / b) % b, c = oc / (b * b);
  return (c * H + r * b + a) * W + q * b + d;
}

// y = Π x (gather) for entry e of a batch of n-entry columns, or x = Πᵀ y (scatter).
template <class S> MOONWALK_HD void space_to_depth_gather(Index e, Index n, Index H, Index W, Index b, const S* x, S* y) {
  const Index i = e % n, j = e / n;
  y[e] = x[j * n + space_to_depth_source(i, H, W, b)];
}
template <class S> MOONWALK_HD void space_to_depth_scatter(Index e, Index n, Index H, Index W, Index b, const S* y, S* x) {
  const Index i = e % n, j = e / n;
  x[j * n + space_to_depth_source(i, H, W, b)] = y[e];
}

}  // namespace moonwalk::cuda::kernels
