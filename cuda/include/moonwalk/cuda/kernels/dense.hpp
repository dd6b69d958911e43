// Per-element math of dense (ops/dense.hpp) and of the right inverse it
// shares with conv1d's dense strategy and patch_downsample1d: with Aᵀ P = Q R
// (P the identity when the factor is unpivoted, perm[i] the index that Pᵀ
// moves to i), r the rank and k = m − r:
//   fragment: f[q + j·k] = δ(perm[r + q], j)
//   vijp: v = (R11⁻¹((Qᵀ g)₁ − R12 f), f), δ(perm[i], j) = v(i, j).
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// y(i, j) = b(i): the bias, to which a gemm then adds A x.
template <class S> MOONWALK_HD void broadcast_bias(Index e, Index m, const S* b, S* y) { y[e] = b[e % m]; }

// out(i) = Σ_j d(i, j) over the batch, in order.
template <class S> MOONWALK_HD void row_sum(Index i, Index m, Index batch, const S* d, S* out) {
  S s = 0;
  for (Index j = 0; j < batch; ++j) s += d[i + j * m];
  out[i] = s;
}

// t(i, j) = a(j, i) for the rows × cols matrix a.
template <class S> MOONWALK_HD void transpose(Index e, Index rows, Index cols, const S* a, S* t) {
  const Index j = e % cols, i = e / cols;
  t[j + i * cols] = a[i + j * rows];
}

template <class S> MOONWALK_HD void diagonal(Index i, Index ld, const S* a, S* d) { d[i] = a[i + i * ld]; }

template <class S> MOONWALK_HD void gather_fragment(Index e, Index m, Index r, const Index* perm, const S* delta, S* f) {
  const Index k = m - r, q = e % k, j = e / k, i = r + q;
  f[q + j * k] = delta[(perm ? perm[i] : i) + j * m];
}

// c: Qᵀ g with its first r rows solved (ld n); out: m × B.
template <class S>
MOONWALK_HD void scatter_solution(Index e, Index m, Index n, Index r, const Index* perm, const S* c, const S* f, S* out) {
  const Index i = e % m, j = e / m;
  const S v = i < r ? c[i + j * n] : f[(i - r) + j * (m - r)];
  out[(perm ? perm[i] : i) + j * m] = v;
}

}  // namespace moonwalk::cuda::kernels
