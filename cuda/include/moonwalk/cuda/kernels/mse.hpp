// Per-element math of mse (ops/mse.hpp): ℓ = c · (‖y − t‖² / (2B)),
// h = c · ((y − t) / B).
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// Σ_i (y − t)² over column j, in order.
template <class S> MOONWALK_HD void mse_column(Index j, Index rows, const S* y, const S* t, S* partial) {
  S s = 0;
  for (Index i = 0; i < rows; ++i) {
    const S d = y[i + j * rows] - t[i + j * rows];
    s += d * d;
  }
  partial[j] = s;
}

// The n partial sums, in order, divided by divisor.
template <class S> MOONWALK_HD void sum_ordered(Index n, const S* partial, S divisor, S* out) {
  S s = 0;
  for (Index j = 0; j < n; ++j) s += partial[j];
  *out = s / divisor;
}

template <class S> MOONWALK_HD void mse_gradient(Index e, Index batch, S scale, const S* y, const S* t, S* h) {
  h[e] = scale * ((y[e] - t[e]) / S(batch));
}

}  // namespace moonwalk::cuda::kernels
