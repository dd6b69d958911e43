// Householder QR of small dense matrices, one matrix per thread, as Eigen
// computes it (makeHouseholderInPlace, applyHouseholderOnTheLeft): reflector
// H = I − τ v vᵀ with v = (1, essential), R above the diagonal and the
// essential parts below (LAPACK layout). Used for conv1d's and conv2d's
// per-frequency systems (fft) and pivot taps (blocked).
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

// The reflector of the len entries at v (stride 1): on return v[0] = β, the
// essential part in v[1..len), and τ.
template <class S> MOONWALK_HD void make_householder(S* v, Index len, S& tau) {
  S tail = 0;
  for (Index i = 1; i < len; ++i) tail += v[i] * v[i];
  const S c0 = v[0];
  if (tail <= Limits<S>::min()) {
    tau = 0;
    for (Index i = 1; i < len; ++i) v[i] = 0;
    return;
  }
  S beta = sqrt_of(S(c0 * c0 + tail));
  if (c0 >= 0) beta = -beta;
  for (Index i = 1; i < len; ++i) v[i] /= (c0 - beta);
  tau = (beta - c0) / beta;
  v[0] = beta;
}

// u = H u for the len entries at u, H from the essential part ess (len − 1 entries).
template <class S> MOONWALK_HD void apply_householder(const S* ess, S tau, Index len, S* u) {
  if (len == 1) {
    u[0] *= S(1) - tau;
    return;
  }
  if (tau == S(0)) return;
  S dot = 0;
  for (Index i = 1; i < len; ++i) dot += ess[i - 1] * u[i];
  const S tmp = dot + u[0];
  u[0] -= tau * tmp;
  for (Index i = 1; i < len; ++i) u[i] -= (tau * ess[i - 1]) * tmp;
}

// A (m × n, m ≥ n, leading dimension lda) factored in place; tau has n entries.
template <class S> MOONWALK_HD void householder_qr(S* A, Index m, Index n, Index lda, S* tau) {
  for (Index k = 0; k < n; ++k) {
    S* col = A + k + k * lda;
    make_householder(col, m - k, tau[k]);
    for (Index j = k + 1; j < n; ++j) apply_householder(col + 1, tau[k], m - k, A + k + j * lda);
  }
}

// Least-squares solution of A x = b from householder_qr's factor: b (m entries)
// is overwritten, x in its first n entries.
template <class S> MOONWALK_HD void householder_solve(const S* A, Index m, Index n, Index lda, const S* tau, S* b) {
  for (Index k = 0; k < n; ++k) apply_householder(A + k + 1 + k * lda, tau[k], m - k, b + k);
  for (Index i = n - 1; i >= 0; --i) {
    S dot = 0;
    for (Index j = i + 1; j < n; ++j) dot += A[i + j * lda] * b[j];
    b[i] = (b[i] - dot) / A[i + i * lda];
  }
}

// The fft strategies' per-frequency solve, bin e of sample j (of F bins): ĝ
// from the half spectrum G (interleaved complex, signal j·C_in + i), solved
// through the bin's real embedding factor E (2C_in × 2C_out, after
// householder_qr), δ̂ into D (signal j·C_out + o). work: 2C_in scalars.
template <class S>
MOONWALK_HD void spectral_solve(Index e, Index j, Index ci, Index co, Index F, const S* E, const S* tau, const S* G,
                                S* D, S* work) {
  const Index m = 2 * ci, n = 2 * co;
  for (Index i = 0; i < ci; ++i) {
    const Index at = 2 * ((j * ci + i) * F + e);
    work[i] = G[at];
    work[ci + i] = G[at + 1];
  }
  householder_solve(E + e * m * n, m, n, m, tau + e * n, work);
  for (Index o = 0; o < co; ++o) {
    const Index at = 2 * ((j * co + o) * F + e);
    D[at] = work[o];
    D[at + 1] = work[co + o];
  }
}

}  // namespace moonwalk::cuda::kernels
