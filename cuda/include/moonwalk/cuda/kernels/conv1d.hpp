// Per-element math of conv1d (ops/conv1d.hpp), in the reference's notation
// (reference/ops/conv1d.hpp): stride 1, odd kernel k, p = (k − 1)/2, a column
// channel-major C × W, weight A[o][i][t] at (o·C_in + i)·k + t, input position
// src(w, t) = w + t − p read by output w through tap t (wrapped mod W for
// circular padding, none outside [0, W) for zero padding).
//   forward/jvp: one thread per output (o, w, j), taps in the reference's order.
//   vjp_input: one thread per input (i, s, j): output w = s + p − t for each t.
//   vjp_params: one thread per parameter, summing the batch, then positions.
//   banded: Householder QR of Jᵀ in position-major order, band-compressed
//     with half-bandwidth p positions (kernels/banded.hpp); band_fill puts
//     Jᵀ in.
//   fft: per frequency f ≤ W/2 the real embedding [Re −Im; Im Re] of
//     M_f = Σ_t A_tᵀ ω^{f(p−t)} (2C_in × 2C_out), one thread per frequency
//     factoring it, one per (frequency, sample) solving; cuFFT around them.
//   blocked: the recurrence δ[:, w] = (A_0ᵀ)⁺ (g[:, w − p] − Σ_{t≥1} A_tᵀ δ[:, w − t])
//     restarted every B positions: one thread per (block, sample), every
//     block at once — a block reads only its own earlier positions and the
//     seeds stored before it.
#pragma once

#include "moonwalk/cuda/kernels/banded.hpp"
#include "moonwalk/cuda/kernels/householder.hpp"
#include "moonwalk/reference/ops/conv_geometry.hpp"

#include <vector>

namespace moonwalk::cuda::kernels {

// The geometry (src, dst, wrap, widx, seeds) is the reference's.
using reference::Conv1dShape;

// The banded strategy's profile: outputs read inputs within ±p positions.
MOONWALK_HD inline BandProfile band_of(const Conv1dShape& c) { return BandProfile{c.ci, c.co, c.W, c.pad()}; }

// Σ_i Σ_t A[o][i][t] x[i, src(w, t)] for sample column x.
template <class S> MOONWALK_HD S conv1d_at(const Conv1dShape& c, const S* wt, const S* x, Index o, Index w) {
  S acc = 0;
  for (Index i = 0; i < c.ci; ++i)
    for (Index t = 0; t < c.k; ++t) {
      const Index s = c.src(w, t);
      if (s >= 0) acc += wt[c.widx(o, i, t)] * x[i * c.W + s];
    }
  return acc;
}

// y(o·W + w, j) = conv(A, x) + b, e = (o·W + w) + j·out_dim.
template <class S> MOONWALK_HD void conv1d_forward(Index e, const Conv1dShape& c, const S* wt, const S* b, const S* x, S* y) {
  const Index row = e % c.out_dim(), j = e / c.out_dim();
  y[e] = conv1d_at(c, wt, x + j * c.in_dim(), row / c.W, row % c.W) + b[row / c.W];
}

// conv(A, ẋ) + conv(Ȧ, x) + ḃ; Ȧ, ḃ null for no parameter direction.
template <class S>
MOONWALK_HD void conv1d_jvp(Index e, const Conv1dShape& c, const S* wt, const S* xdot, const S* wdot, const S* bdot,
                          const S* x, S* y) {
  const Index row = e % c.out_dim(), j = e / c.out_dim(), o = row / c.W, w = row % c.W;
  S v = conv1d_at(c, wt, xdot + j * c.in_dim(), o, w);
  if (wdot) v = (v + conv1d_at(c, wdot, x + j * c.in_dim(), o, w)) + bdot[o];
  y[e] = v;
}

// h(i·W + s, j) = Σ_o Σ_t A[o][i][t] δ(o·W + dst(s, t), j).
template <class S> MOONWALK_HD void conv1d_vjp_input(Index e, const Conv1dShape& c, const S* wt, const S* delta, S* h) {
  const Index row = e % c.in_dim(), j = e / c.in_dim(), i = row / c.W, s = row % c.W;
  const S* d = delta + j * c.out_dim();
  S acc = 0;
  for (Index o = 0; o < c.co; ++o)
    for (Index t = 0; t < c.k; ++t) {
      const Index w = c.dst(s, t);
      if (w >= 0) acc += wt[c.widx(o, i, t)] * d[o * c.W + w];
    }
  h[e] = acc;
}

// g(e) for parameter e: weights Σ_j Σ_w δ(o·W + w, j) x(i·W + src(w, t), j),
// biases Σ_j Σ_w δ(o·W + w, j).
template <class S>
MOONWALK_HD void conv1d_vjp_params(Index e, const Conv1dShape& c, const S* delta, const S* x, Index batch, S* g) {
  S acc = 0;
  if (e < c.weights()) {
    const Index t = e % c.k, i = (e / c.k) % c.ci, o = e / (c.k * c.ci);
    for (Index j = 0; j < batch; ++j)
      for (Index w = 0; w < c.W; ++w) {
        const Index s = c.src(w, t);
        if (s >= 0) acc += delta[o * c.W + w + j * c.out_dim()] * x[i * c.W + s + j * c.in_dim()];
      }
  } else {
    const Index o = e - c.weights();
    for (Index j = 0; j < batch; ++j) {
      S seg = 0;
      for (Index w = 0; w < c.W; ++w) seg += delta[o * c.W + w + j * c.out_dim()];
      acc += seg;
    }
  }
  g[e] = acc;
}

// Row o·W + w of the dense Jacobian J (out_dim × in_dim, zeroed before).
template <class S> MOONWALK_HD void conv1d_jacobian_row(Index row, const Conv1dShape& c, const S* wt, S* J) {
  const Index o = row / c.W, w = row % c.W;
  for (Index i = 0; i < c.ci; ++i)
    for (Index t = 0; t < c.k; ++t) {
      const Index s = c.src(w, t);
      if (s >= 0) J[row + (i * c.W + s) * c.out_dim()] += wt[c.widx(o, i, t)];
    }
}

// ---- blocked ------------------------------------------------------------------

// Fragment entry e = (q·C_out + o) + j·per: δ(o·W + seeds[q], j).
template <class S>
MOONWALK_HD void blocked_gather(Index e, const Conv1dShape& c, const Index* seeds, Index nseeds, const S* delta, S* f) {
  const Index per = nseeds * c.co, j = e / per, r = e % per, q = r / c.co, o = r % c.co;
  f[e] = delta[o * c.W + seeds[q] + j * c.out_dim()];
}

template <class S>
MOONWALK_HD void blocked_scatter(Index e, const Conv1dShape& c, const Index* seeds, Index nseeds, const S* f, S* d) {
  const Index per = nseeds * c.co, j = e / per, r = e % per, q = r / c.co, o = r % c.co;
  d[o * c.W + seeds[q] + j * c.out_dim()] = f[e];
}

// Block b of sample j: positions [b·B, min((b + 1)·B, W)) that are not seeds,
// in order. qr0, tau0: householder_qr of A_0ᵀ (C_in × C_out); work: C_in scalars.
template <class S>
MOONWALK_HD void blocked_chain(Index b, Index j, const Conv1dShape& c, const S* wt, const S* qr0, const S* tau0,
                               const char* seeded, const S* g, S* d, S* work) {
  const S* gj = g + j * c.in_dim();
  S* D = d + j * c.out_dim();
  const Index end = (b + 1) * c.block < c.W ? (b + 1) * c.block : c.W;
  for (Index w = b * c.block; w < end; ++w) {
    if (seeded[w]) continue;
    const Index s = c.circular ? c.wrap(w - c.pad()) : w - c.pad();
    for (Index i = 0; i < c.ci; ++i) work[i] = gj[i * c.W + s];
    for (Index t = 1; t < c.k; ++t) {
      const Index u = c.circular ? c.wrap(w - t) : w - t;
      if (u < 0) continue;
      for (Index i = 0; i < c.ci; ++i) {
        S tap = 0;
        for (Index o = 0; o < c.co; ++o) tap += wt[c.widx(o, i, t)] * D[o * c.W + u];
        work[i] -= tap;
      }
    }
    householder_solve(qr0, c.ci, c.co, c.ci, tau0, work);
    for (Index o = 0; o < c.co; ++o) D[o * c.W + w] = work[o];
  }
}

// A_0ᵀ (C_in × C_out): m(i, o) = A[o][i][0].
template <class S> MOONWALK_HD void pivot_tap_transpose(Index e, const Conv1dShape& c, const S* wt, S* m) {
  const Index i = e % c.ci, o = e / c.ci;
  m[e] = wt[c.widx(o, i, 0)];
}

// ---- banded ---------------------------------------------------------------------

// Column c = w·C_out + o of Jᵀ into its stored rows (kernels/banded.hpp):
// Jᵀ(s·C_in + i, w·C_out + o) = Σ_t [src(w, t) = s] A[o][i][t].
template <class S> MOONWALK_HD void band_fill(Index c, const Conv1dShape& s, const S* wt, const Index* off, S* A) {
  const BandProfile b = band_of(s);
  S* col = A + off[c];
  const Index r0 = band_row_start(b, c), w = c / s.co, o = c % s.co;
  for (Index r = r0; r < band_row_end(b, c); ++r) col[r - r0] = 0;
  for (Index i = 0; i < s.ci; ++i)
    for (Index t = 0; t < s.k; ++t) {
      const Index p = s.src(w, t);
      if (p >= 0) col[p * s.ci + i - r0] += wt[s.widx(o, i, t)];
    }
}

// ---- fft ------------------------------------------------------------------------

// Frequency f: E_f = [Re −Im; Im Re] of M_f = Σ_t A_tᵀ ω^{f(p−t)}, factored.
// E: 2C_in × 2C_out per frequency, consecutive; tau: 2C_out per frequency.
template <class S> MOONWALK_HD void fft_factor(Index f, const Conv1dShape& c, const S* wt, S* E, S* tau) {
  const Index m = 2 * c.ci, n = 2 * c.co;
  S* Ef = E + f * m * n;
  for (Index e = 0; e < m * n; ++e) Ef[e] = 0;
  const S two_pi = S(6.283185307179586476925286766559005768);
  for (Index t = 0; t < c.k; ++t) {
    const Index r = c.wrap(f * (c.pad() - t));
    const S cs = cos_of(S(two_pi * S(r) / S(c.W))), sn = sin_of(S(two_pi * S(r) / S(c.W)));
    for (Index o = 0; o < c.co; ++o)
      for (Index i = 0; i < c.ci; ++i) {
        const S w = wt[c.widx(o, i, t)];
        Ef[i + o * m] += w * cs;
        Ef[i + (c.co + o) * m] -= w * sn;
        Ef[c.ci + i + o * m] += w * sn;
        Ef[c.ci + i + (c.co + o) * m] += w * cs;
      }
  }
  householder_qr(Ef, m, n, m, tau + f * n);
}

// Frequency f of sample j (spectral_solve over the W/2 + 1 bins).
template <class S>
MOONWALK_HD void fft_solve(Index f, Index j, const Conv1dShape& c, const S* E, const S* tau, const S* G, S* D, S* work) {
  spectral_solve(f, j, c.ci, c.co, c.W / 2 + 1, E, tau, G, D, work);
}

}  // namespace moonwalk::cuda::kernels
