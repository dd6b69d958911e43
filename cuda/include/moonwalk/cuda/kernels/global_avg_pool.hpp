// Per-element math of global_avg_pool (ops/global_avg_pool.hpp): a column is
// C × P channel-major; one thread per output (c, j) sums its P positions in
// order.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// y(c, j) = Σ_p x[c·P + p, j] · scale, e = c + j·C (scale 1/P forward, 1 for the vijp).
template <class S> MOONWALK_HD void pool_sum(Index e, Index C, Index P, const S* x, bool average, S* y) {
  const Index c = e % C, j = e / C;
  const S* col = x + j * C * P + c * P;
  S s = 0;
  for (Index p = 0; p < P; ++p) s += col[p];
  y[e] = average ? S(s / S(P)) : s;
}

// h[c·P + p, j] = δ(c, j) / P.
template <class S> MOONWALK_HD void pool_broadcast(Index e, Index C, Index P, const S* delta, S* h) {
  const Index i = e % (C * P), j = e / (C * P);
  h[e] = delta[i / P + j * C] / S(P);
}

}  // namespace moonwalk::cuda::kernels
