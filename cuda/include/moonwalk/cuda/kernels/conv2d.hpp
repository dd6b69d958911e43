// Per-element math of conv2d (ops/conv2d.hpp), in the reference's notation
// (reference/ops/conv2d.hpp): stride 1, odd kernel k × k, p = (k − 1)/2, a
// column channel-major C × H × W, raster position w = r·W + q, weight
// A[o][i][a][b] at ((o·C_in + i)·k + a)·k + b, input position
// src(w, a, b) = (r + a − p, q + b − p) read by output w through tap (a, b)
// (wrapped mod H, W for circular padding, none outside for zero padding).
//   forward/jvp: one thread per output (o, w, j), taps in the reference's order.
//   vjp_input: one thread per input (i, s, j): the outputs that read it.
//   vjp_params: one thread per parameter, summing the batch, then positions.
//   banded: kernels/banded.hpp with half-bandwidth h = p·W + p positions;
//     band_fill puts Jᵀ in.
//   fft: per frequency bin (f, g) of the half spectrum the real embedding
//     [Re −Im; Im Re] of M_{f,g} = Σ_{a,b} A_abᵀ ω_H^{f(p−a)} ω_W^{g(p−b)}
//     (2C_in × 2C_out), one thread per bin factoring it, one per (bin,
//     sample) solving; cuFFT around them.
//   blocked: the recurrence
//     δ[:, r, q] = (A_00ᵀ)⁺ (g[:, r − p, q − p] − Σ_{(a,b)≠(0,0)} A_abᵀ δ[:, r − a, q − b])
//     in raster order, restarted every B rows: one thread per (block, sample),
//     every block at once — a block reads only its own earlier positions and
//     the seeds (whole rows before it, and seeded columns).
#pragma once

#include "moonwalk/cuda/kernels/banded.hpp"
#include "moonwalk/cuda/kernels/householder.hpp"
#include "moonwalk/reference/ops/conv_geometry.hpp"

#include <vector>

namespace moonwalk::cuda::kernels {

// The geometry (shift, src, dst, wrap, widx, seeds) is the reference's.
using reference::Conv2dShape;

// The banded strategy's profile: outputs read inputs within ±(p·W + p) raster positions.
MOONWALK_HD inline BandProfile band_of(const Conv2dShape& c) { return BandProfile{c.ci, c.co, c.H * c.W, c.pad() * c.W + c.pad()}; }

// Σ_i Σ_{a,b} A[o][i][a][b] x[i, src(w, a, b)] for sample column x.
template <class S> MOONWALK_HD S conv2d_at(const Conv2dShape& c, const S* wt, const S* x, Index o, Index w) {
  const Index P = c.positions();
  S acc = 0;
  for (Index i = 0; i < c.ci; ++i)
    for (Index a = 0; a < c.k; ++a)
      for (Index b = 0; b < c.k; ++b) {
        const Index s = c.src(w, a, b);
        if (s >= 0) acc += wt[c.widx(o, i, a, b)] * x[i * P + s];
      }
  return acc;
}

// y(o·P + w, j) = conv(A, x) + b, e = (o·P + w) + j·out_dim.
template <class S>
MOONWALK_HD void conv2d_forward(Index e, const Conv2dShape& c, const S* wt, const S* b, const S* x, S* y) {
  const Index P = c.positions(), row = e % c.out_dim(), j = e / c.out_dim();
  y[e] = conv2d_at(c, wt, x + j * c.in_dim(), row / P, row % P) + b[row / P];
}

// conv(A, ẋ) + conv(Ȧ, x) + ḃ; Ȧ, ḃ null for no parameter direction.
template <class S>
MOONWALK_HD void conv2d_jvp(Index e, const Conv2dShape& c, const S* wt, const S* xdot, const S* wdot, const S* bdot,
                            const S* x, S* y) {
  const Index P = c.positions(), row = e % c.out_dim(), j = e / c.out_dim(), o = row / P, w = row % P;
  S v = conv2d_at(c, wt, xdot + j * c.in_dim(), o, w);
  if (wdot) v = (v + conv2d_at(c, wdot, x + j * c.in_dim(), o, w)) + bdot[o];
  y[e] = v;
}

// h(i·P + s, j) = Σ_o Σ_{a,b} A[o][i][a][b] δ(o·P + dst(s, a, b), j).
template <class S> MOONWALK_HD void conv2d_vjp_input(Index e, const Conv2dShape& c, const S* wt, const S* delta, S* h) {
  const Index P = c.positions(), row = e % c.in_dim(), j = e / c.in_dim(), i = row / P, s = row % P;
  const S* d = delta + j * c.out_dim();
  S acc = 0;
  for (Index o = 0; o < c.co; ++o)
    for (Index a = 0; a < c.k; ++a)
      for (Index b = 0; b < c.k; ++b) {
        const Index w = c.dst(s, a, b);
        if (w >= 0) acc += wt[c.widx(o, i, a, b)] * d[o * P + w];
      }
  h[e] = acc;
}

// g(e) for parameter e: weights Σ_j Σ_w δ(o·P + w, j) x(i·P + src(w, a, b), j),
// biases Σ_j Σ_w δ(o·P + w, j).
template <class S>
MOONWALK_HD void conv2d_vjp_params(Index e, const Conv2dShape& c, const S* delta, const S* x, Index batch, S* g) {
  const Index P = c.positions();
  S acc = 0;
  if (e < c.weights()) {
    const Index b = e % c.k, a = (e / c.k) % c.k, i = (e / (c.k * c.k)) % c.ci, o = e / (c.k * c.k * c.ci);
    for (Index j = 0; j < batch; ++j)
      for (Index w = 0; w < P; ++w) {
        const Index s = c.src(w, a, b);
        if (s >= 0) acc += delta[o * P + w + j * c.out_dim()] * x[i * P + s + j * c.in_dim()];
      }
  } else {
    const Index o = e - c.weights();
    for (Index j = 0; j < batch; ++j) {
      S seg = 0;
      for (Index w = 0; w < P; ++w) seg += delta[o * P + w + j * c.out_dim()];
      acc += seg;
    }
  }
  g[e] = acc;
}

// Row o·P + w of the dense Jacobian J (out_dim × in_dim, zeroed before).
template <class S> MOONWALK_HD void conv2d_jacobian_row(Index row, const Conv2dShape& c, const S* wt, S* J) {
  const Index P = c.positions(), o = row / P, w = row % P;
  for (Index i = 0; i < c.ci; ++i)
    for (Index a = 0; a < c.k; ++a)
      for (Index b = 0; b < c.k; ++b) {
        const Index s = c.src(w, a, b);
        if (s >= 0) J[row + (i * P + s) * c.out_dim()] += wt[c.widx(o, i, a, b)];
      }
}

// ---- blocked ------------------------------------------------------------------

// Fragment entry e = (q·C_out + o) + j·per: δ(o·P + seeds[q], j).
template <class S>
MOONWALK_HD void conv2d_blocked_gather(Index e, const Conv2dShape& c, const Index* seeds, Index nseeds, const S* delta,
                                       S* f) {
  const Index per = nseeds * c.co, j = e / per, r = e % per, q = r / c.co, o = r % c.co;
  f[e] = delta[o * c.positions() + seeds[q] + j * c.out_dim()];
}

template <class S>
MOONWALK_HD void conv2d_blocked_scatter(Index e, const Conv2dShape& c, const Index* seeds, Index nseeds, const S* f,
                                        S* d) {
  const Index per = nseeds * c.co, j = e / per, r = e % per, q = r / c.co, o = r % c.co;
  d[o * c.positions() + seeds[q] + j * c.out_dim()] = f[e];
}

// Block n of sample j: the positions of rows [n·B, min((n + 1)·B, H)) that
// are not seeds, in raster order. qr0, tau0: householder_qr of A_00ᵀ
// (C_in × C_out); work: C_in scalars.
template <class S>
MOONWALK_HD void conv2d_blocked_chain(Index n, Index j, const Conv2dShape& c, const S* wt, const S* qr0, const S* tau0,
                                      const char* seeded, const S* g, S* d, S* work) {
  const Index P = c.positions();
  const S* gj = g + j * c.in_dim();
  S* D = d + j * c.out_dim();
  const Index end = ((n + 1) * c.block < c.H ? (n + 1) * c.block : c.H) * c.W;
  for (Index w = n * c.block * c.W; w < end; ++w) {
    if (seeded[w]) continue;
    // The equation at input position (r − p, q − p): inside the image, as the
    // first p rows and columns are seeds in zero padding.
    const Index s = c.shift(w, -c.pad(), -c.pad());
    for (Index i = 0; i < c.ci; ++i) work[i] = gj[i * P + s];
    for (Index a = 0; a < c.k; ++a)
      for (Index b = 0; b < c.k; ++b) {
        if (a == 0 && b == 0) continue;
        const Index u = c.shift(w, -a, -b);
        if (u < 0) continue;
        for (Index i = 0; i < c.ci; ++i) {
          S tap = 0;
          for (Index o = 0; o < c.co; ++o) tap += wt[c.widx(o, i, a, b)] * D[o * P + u];
          work[i] -= tap;
        }
      }
    householder_solve(qr0, c.ci, c.co, c.ci, tau0, work);
    for (Index o = 0; o < c.co; ++o) D[o * P + w] = work[o];
  }
}

// A_00ᵀ (C_in × C_out): m(i, o) = A[o][i][0][0].
template <class S> MOONWALK_HD void conv2d_pivot_tap_transpose(Index e, const Conv2dShape& c, const S* wt, S* m) {
  const Index i = e % c.ci, o = e / c.ci;
  m[e] = wt[c.widx(o, i, 0, 0)];
}

// ---- banded ---------------------------------------------------------------------

// Column c = w·C_out + o of Jᵀ into its stored rows (kernels/banded.hpp):
// Jᵀ(s·C_in + i, w·C_out + o) = Σ_{a,b} [src(w, a, b) = s] A[o][i][a][b].
template <class S> MOONWALK_HD void conv2d_band_fill(Index c, const Conv2dShape& s, const S* wt, const Index* off, S* A) {
  const BandProfile bp = band_of(s);
  S* col = A + off[c];
  const Index r0 = band_row_start(bp, c), w = c / s.co, o = c % s.co;
  for (Index r = r0; r < band_row_end(bp, c); ++r) col[r - r0] = 0;
  for (Index i = 0; i < s.ci; ++i)
    for (Index a = 0; a < s.k; ++a)
      for (Index b = 0; b < s.k; ++b) {
        const Index p = s.src(w, a, b);
        if (p >= 0) col[p * s.ci + i - r0] += wt[s.widx(o, i, a, b)];
      }
}

// ---- fft ------------------------------------------------------------------------

// The half spectrum cuFFT's R2C leaves: FH × FW bins, bin (f, g) at f·FW + g.
// A 2-D transform halves the width (FH = H, FW = W/2 + 1); with one side of
// length 1 the transform is 1-D along the other, halved (H = 1: FW = W/2 + 1;
// W = 1: FH = H/2 + 1); 1 × 1 needs none.
struct Spectrum {
  Index FH = 1, FW = 1;
  MOONWALK_HD Index bins() const { return FH * FW; }
};
MOONWALK_HD inline Spectrum spectrum_of(const Conv2dShape& c) {
  if (c.W == 1) return Spectrum{c.H / 2 + 1, 1};
  return Spectrum{c.H, c.W / 2 + 1};
}

// Bin e = (f, g): E_e = [Re −Im; Im Re] of M_{f,g}, factored. The phase
// ω_H^{f(p−a)} ω_W^{g(p−b)} = e^{2πi·m/(H·W)} with the integer
// m = (f(p − a) mod H)·W + (g(p − b) mod W)·H reduced mod H·W, so each tap costs
// one cos and one sin. E: 2C_in × 2C_out per bin, consecutive; tau: 2C_out per bin.
template <class S> MOONWALK_HD void fft2_factor(Index e, const Conv2dShape& c, const S* wt, S* E, S* tau) {
  const Spectrum sp = spectrum_of(c);
  const Index f = e / sp.FW, g = e % sp.FW, P = c.positions();
  const Index m = 2 * c.ci, n = 2 * c.co;
  S* Ef = E + e * m * n;
  for (Index t = 0; t < m * n; ++t) Ef[t] = 0;
  const S two_pi = S(6.283185307179586476925286766559005768);
  for (Index a = 0; a < c.k; ++a)
    for (Index b = 0; b < c.k; ++b) {
      const Index mh = Conv2dShape::wrap(f * (c.pad() - a), c.H), mw = Conv2dShape::wrap(g * (c.pad() - b), c.W);
      const Index r = (mh * c.W + mw * c.H) % P;
      const S cs = cos_of(S(two_pi * S(r) / S(P))), sn = sin_of(S(two_pi * S(r) / S(P)));
      for (Index o = 0; o < c.co; ++o)
        for (Index i = 0; i < c.ci; ++i) {
          const S w = wt[c.widx(o, i, a, b)];
          Ef[i + o * m] += w * cs;
          Ef[i + (c.co + o) * m] -= w * sn;
          Ef[c.ci + i + o * m] += w * sn;
          Ef[c.ci + i + (c.co + o) * m] += w * cs;
        }
    }
  householder_qr(Ef, m, n, m, tau + e * n);
}

// Bin e of sample j (spectral_solve over the spectrum's bins()).
template <class S>
MOONWALK_HD void fft2_solve(Index e, Index j, const Conv2dShape& c, const S* E, const S* tau, const S* G, S* D,
                            S* work) {
  spectral_solve(e, j, c.ci, c.co, spectrum_of(c).bins(), E, tau, G, D, work);
}

}  // namespace moonwalk::cuda::kernels
