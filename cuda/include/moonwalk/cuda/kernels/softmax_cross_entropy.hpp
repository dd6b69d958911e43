// Per-element math of softmax_cross_entropy (ops/softmax_cross_entropy.hpp),
// one thread per column j with label c_j, the column maximum m subtracted:
//   ℓ_j = m + log Σ_i exp(y_i − m) − y_{c_j}
//   h_j = s · ((softmax(y_j) − onehot(c_j)) / B).
#pragma once

#include "moonwalk/cuda/kernels/mse.hpp"

namespace moonwalk::cuda::kernels {

template <class S> MOONWALK_HD S column_max(const S* y, Index rows) {
  S m = y[0];
  for (Index i = 1; i < rows; ++i) m = y[i] > m ? y[i] : m;
  return m;
}

template <class S>
MOONWALK_HD void softmax_ce_column(Index j, Index rows, const S* y, const Index* labels, S* partial) {
  const S* col = y + j * rows;
  const S m = column_max(col, rows);
  S z = 0;
  for (Index i = 0; i < rows; ++i) z += exp_of(S(col[i] - m));
  partial[j] = S(m + log_of(z)) - col[labels[j]];
}

template <class S>
MOONWALK_HD void softmax_ce_gradient(Index j, Index rows, Index batch, S scale, const S* y, const Index* labels, S* h) {
  const S* col = y + j * rows;
  S* out = h + j * rows;
  const S m = column_max(col, rows);
  S z = 0;
  for (Index i = 0; i < rows; ++i) {
    out[i] = exp_of(S(col[i] - m));
    z += out[i];
  }
  for (Index i = 0; i < rows; ++i) out[i] /= z;
  out[labels[j]] -= 1;
  for (Index i = 0; i < rows; ++i) out[i] = scale * (out[i] / S(batch));
}

}  // namespace moonwalk::cuda::kernels
