// conv2d: stride 1, odd kernel k × k, p = (k − 1)/2, "same" output H × W,
//   C_out ≤ C_in. A column is channel-major, then row-major: C × H × W, entry
//   (c, r, q) at index c·H·W + r·W + q; a position (r, q) has raster index
//   r·W + q. y[o, r, q] = b[o] + Σ_i Σ_{a,b} A[o][i][a][b] x[i, r + a − p, q + b − p],
//   out-of-range inputs zero (Padding::zero) or wrapped mod H, W
//   (Padding::circular). θ = (weights, bias): A[o][i][a][b] at
//   θ[((o·C_in + i)·k + a)·k + b], then b. A_ab is the C_out × C_in tap (a, b).
//   jvp: conv(A, ẋ) + conv(Ȧ, x) + ḃ.
//   vjp_input: h[:, s] = Σ_{a,b} A_abᵀ δ[:, s + (p − a, p − b)];
//   vjp_params: (Σ δ[o, r, q] x[i, r + a − p, q + b − p], Σ δ).
//   vijp: solve Jᵀ δ = g (least squares when C_out < C_in), by a strategy:
//   - dense: column-pivoted QR of the materialised Jᵀ (the oracle). Fragment:
//     the entries of δ at the columns pivoting left out; none when J has full
//     row rank. The only strategy that accepts C_out > C_in (the cokernel is
//     its fragment).
//   - banded (zero padding): Householder QR of Jᵀ in raster order (row
//     s·C_in + i, column w·C_out + o for raster positions s, w). Output w
//     reads inputs at raster offsets within ±h, h = p·W + p, so Jᵀ is
//     block-banded with half-bandwidth h positions: reflector c spans rows up
//     to (w + h + 1)·C_in and R's row c columns up to (w + 2h + 1)·C_out.
//     Orthogonal, so no pivoting is needed: error ≈ ε·cond(J). No fragment.
//   - fft (circular padding): Jᵀ is block-circulant with circulant blocks.
//     With ĥ_{f,g} = Σ_{r,q} h[:, r, q] ω_H^{−fr} ω_W^{−gq}:
//     ĥ_{f,g} = M_{f,g} δ̂_{f,g}, M_{f,g} = Σ_{a,b} A_abᵀ ω_H^{f(p−a)} ω_W^{g(p−b)}.
//     Each C_in × C_out complex system is solved (least squares) through its
//     real embedding [Re −Im; Im Re] by Householder QR; the transforms are
//     direct DFTs along rows, then columns. No fragment.
//   - blocked: the pivot-tap recurrence in raster order, position (r, q) from
//     the equation at input position (r − p, q − p):
//     δ[:, r, q] = (A_00ᵀ)⁺ (g[:, r − p, q − p] − Σ_{(a,b)≠(0,0)} A_abᵀ δ[:, r − a, q − b]).
//     Every δ it reads lies up and to the left, hence earlier in raster order.
//     Seeds (positions whose δ the reverse pass stores): the k − 1 rows before
//     every block start B, 2B, ... (and before row 0, wrapped, in circular
//     padding); in zero padding also the first p rows and the first p columns
//     of every row, which no equation determines; in circular padding the last
//     k − 1 columns of every row, which the wrapped left neighbours of
//     columns 0 .. k − 2 read. Fragment: δ at the seeds in raster order,
//     C_out values each, per sample. A chain of recurrence steps stays inside
//     one block of B rows.
//   - auto: as for conv1d (conv1d.hpp), the blocks B = H, ⌈H/2⌉, … down to
//     2(k − 1) rows.
//   domain: finite weights, bias, inputs; the pivot tap A_00 of full row rank
//   for blocked.
// The computation is conv_core.hpp's, over taps (a − p, b − p) at t = a·k + b.
#pragma once

#include "moonwalk/reference/ops/conv_core.hpp"

#include <string>

namespace moonwalk::reference {

template <class S> struct Conv2d : detail::ConvCore<Conv2d<S>, S, Conv2dSpec> {
  static constexpr const char* name = "conv2d";
  static constexpr const char* pivot_tap = "W_00";
  static constexpr bool bijective = false;

  using detail::ConvCore<Conv2d<S>, S, Conv2dSpec>::ConvCore;
  template <class T> Conv2d<T> cast() const {
    return Conv2d<T>(this->sp_, this->w_.template cast<T>(), this->b_.template cast<T>());
  }
  Index positions() const { return this->sp_.height * this->sp_.width; }

  static void check_shape(const Conv2dSpec& s) {
    require(s.in_channels > 0 && s.out_channels > 0 && s.height > 0 && s.width > 0 && s.kernel > 0, name,
            "channels, height, width and kernel must be positive");
    require(s.kernel % 2 == 1, name, "kernel must be odd for same padding (got an even kernel)");
    require(s.out_channels <= s.in_channels || s.strategy == ConvStrategy::dense, name,
            std::string("C_out > C_in: the Jacobian is not surjective and the ") + conv_strategy_name(s.strategy) +
                " strategy keeps no fragment for its cokernel (use dense, or a wider input)");
  }
  // The blocked chain: each step moves up a row or left a column, never down
  // or right, so in a block of R unseeded rows and F unseeded columns it has
  // at most R + F − 1 positions.
  static Index block_extent(const Conv2dSpec& s) { return s.height; }  // blocks split the rows
  static detail::ConvPlane plane_of(const Conv2dSpec& s) {
    const Conv2dShape g = Conv2dShape::of(s);
    const std::vector<char> col = g.seeded_columns();
    const Index free_cols = static_cast<Index>(std::count(col.begin(), col.end(), 0));
    detail::ConvPlane pl{g.ci,  g.co, g.H, g.W, g.circular, {}, g.seed_positions(),
                         std::max<Index>(1, std::min(g.block, g.H) + free_cols - 1), {}};
    for (Index a = 0; a < g.k; ++a)
      for (Index b = 0; b < g.k; ++b) pl.taps.emplace_back(a - g.pad(), b - g.pad());
    return pl;
  }
};

// Strategy auto's trials are compiled once per scalar, in the layers' library
// (reference/src/network_instances.inc); the fuzz build, which links no such
// library, defines MOONWALK_CONV_AUTO_INLINE and compiles them where used.
#ifndef MOONWALK_CONV_AUTO_INLINE
extern template void detail::ConvCore<Conv2d<float>, float, Conv2dSpec>::choose();
extern template void detail::ConvCore<Conv2d<double>, double, Conv2dSpec>::choose();
extern template void detail::ConvCore<Conv2d<mp50>, mp50, Conv2dSpec>::choose();
#endif

}  // namespace moonwalk::reference
