// The banded strategy of the convolutions (conv1d, conv2d): Householder QR of
// Jᵀ in position-major order — row s·C_in + i, column w·C_out + o for input
// position s and output position w (raster order in 2-D) — as the reference
// computes it. Every output reads inputs within ±h positions (h = p in 1-D,
// p·W + p in 2-D), so the band profile depends on h alone: column c (position
// w = c / C_out) has its reflector on rows [c, row_end(c)), R's row c spans
// columns [c, col_end(c)), and the column is stored compressed from
// row_start(c), the first row any reflector c' ≥ (w − 2h)·C_out that reaches
// it can fill. One thread block factors column after column (each step's
// update parallel over the band); one thread per sample applies Qᵀ and
// back-substitutes. The operator fills the band with its own Jᵀ.
#pragma once

#include "moonwalk/cuda/kernels/householder.hpp"

namespace moonwalk::cuda::kernels {

struct BandProfile {
  Index ci = 1, co = 1, positions = 1, half = 0;

  MOONWALK_HD Index in_dim() const { return ci * positions; }
  MOONWALK_HD Index out_dim() const { return co * positions; }
};

MOONWALK_HD inline Index band_row_end(const BandProfile& b, Index c) {
  const Index e = (c / b.co + b.half + 1) * b.ci;
  return e < b.in_dim() ? e : b.in_dim();
}
MOONWALK_HD inline Index band_col_end(const BandProfile& b, Index c) {
  const Index e = (c / b.co + 2 * b.half + 1) * b.co;
  return e < b.out_dim() ? e : b.out_dim();
}
MOONWALK_HD inline Index band_row_start(const BandProfile& b, Index c) {
  const Index r = (c / b.co - 2 * b.half) * b.co;
  return r > 0 ? r : 0;
}

// Entry (r, c) of the stored matrix; off[c] is where column c starts.
template <class S> MOONWALK_HD S* band_at(const BandProfile& b, const Index* off, S* A, Index r, Index c) {
  return A + off[c] + (r - band_row_start(b, c));
}

// Step c of the factorization: the reflector of column c (β on the diagonal).
template <class S> MOONWALK_HD void band_reflector(Index c, const BandProfile& b, const Index* off, S* A, S* tau) {
  make_householder(band_at(b, off, A, c, c), band_row_end(b, c) - c, tau[c]);
}

// Step c applied to column j ∈ (c, col_end(c)).
template <class S>
MOONWALK_HD void band_update(Index c, Index j, const BandProfile& b, const Index* off, S* A, const S* tau) {
  apply_householder(band_at(b, off, A, c + 1, c), tau[c], band_row_end(b, c) - c, band_at(b, off, A, c, j));
}

// Sample j: g (channel-major) into position-major work (in_dim scalars), Qᵀ,
// back substitution, δ (channel-major) out.
template <class S>
MOONWALK_HD void band_solve(Index j, const BandProfile& b, const Index* off, const S* A, const S* tau, const S* g,
                            S* work, S* d) {
  const Index P = b.positions;
  const S* gj = g + j * b.in_dim();
  S* z = work + j * b.in_dim();
  for (Index i = 0; i < b.ci; ++i)
    for (Index p = 0; p < P; ++p) z[p * b.ci + i] = gj[i * P + p];
  S* Am = const_cast<S*>(A);
  for (Index c = 0; c < b.out_dim(); ++c)
    apply_householder(band_at(b, off, Am, c + 1, c), tau[c], band_row_end(b, c) - c, z + c);
  for (Index c = b.out_dim() - 1; c >= 0; --c) {
    S dot = 0;
    for (Index jj = c + 1; jj < band_col_end(b, c); ++jj) dot += *band_at(b, off, Am, c, jj) * z[jj];
    z[c] = (z[c] - dot) / *band_at(b, off, Am, c, c);
  }
  S* dj = d + j * b.out_dim();
  for (Index o = 0; o < b.co; ++o)
    for (Index w = 0; w < P; ++w) dj[o * P + w] = z[w * b.co + o];
}

}  // namespace moonwalk::cuda::kernels
