// Per-element math of additive_coupling (ops/additive_coupling.hpp). The
// halves x₁, x₂ of a 2d × B batch are views with leading dimension 2d; the
// inner nets' products are cuBLAS gemms, what is between them is here.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// a = tanh(u + b₁), u = A₁ z (k × B).
template <class S> MOONWALK_HD void bias_tanh(Index e, Index k, const S* u, const S* b, S* a) {
  a[e] = tanh_of(S(u[e] + b[e % k]));
}

// out = (1 − a²) ⊙ u: the slope of tanh from its value, as the reference's CouplingNet.
template <class S> MOONWALK_HD void slope_times(Index e, const S* a, const S* u, S* out) {
  out[e] = S(1 - a[e] * a[e]) * u[e];
}

// y(i, j) += b(i).
template <class S> MOONWALK_HD void add_bias(Index e, Index rows, const S* b, S* y) { y[e] += b[e % rows]; }

// out(i, j) = a(i, j) + sign · b(i, j) over d × B views with their own leading dimensions.
template <class S>
MOONWALK_HD void combine(Index e, Index d, const S* a, Index lda, S sign, const S* b, Index ldb, S* out, Index ldo) {
  const Index i = e % d, j = e / d;
  out[i + j * ldo] = a[i + j * lda] + sign * b[i + j * ldb];
}

// out(i) = Σ_j v(i, j) over the batch, in order, v with leading dimension ld.
template <class S> MOONWALK_HD void row_sum_strided(Index i, Index ld, Index batch, const S* v, S* out) {
  S s = 0;
  for (Index j = 0; j < batch; ++j) s += v[i + j * ld];
  out[i] = s;
}

}  // namespace moonwalk::cuda::kernels
