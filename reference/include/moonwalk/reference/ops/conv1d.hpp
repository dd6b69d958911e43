// conv1d: stride 1, odd kernel k, p = (k − 1)/2, "same" output width W,
//   C_out ≤ C_in. A column is channel-major C × W (index c·W + w).
//   y[o, w] = b[o] + Σ_i Σ_t A[o][i][t] x[i, w + t − p], out-of-range inputs
//   zero (Padding::zero) or wrapped mod W (Padding::circular).
//   θ = (weights, bias): weight A[o][i][t] at θ[(o·C_in + i)·k + t], then b.
//   A_t denotes the C_out × C_in matrix of tap t.
//   jvp: conv(A, ẋ) + conv(Ȧ, x) + ḃ.
//   vjp_input: h[:, s] = Σ_t A_tᵀ δ[:, s + p − t];  vjp_params: (Σ δ[o,w] x[i, w+t−p], Σ δ).
//   vijp: solve Jᵀ δ = g (least squares when C_out < C_in), by a strategy:
//   - dense: column-pivoted QR of the materialised Jᵀ (the oracle). Fragment:
//     as for dense, the entries of δ at the columns pivoting left out; none
//     when J has full row rank (generic weights, C_out ≤ C_in).
//   - banded (zero padding): Householder QR of Jᵀ in position-major order
//     (row s·C_in + i, column w·C_out + o), where Jᵀ is block-banded: column
//     block w meets row blocks w − p .. w + p, so reflector c spans rows up to
//     (w + p + 1)·C_in and R's row c columns up to (w + 2p + 1)·C_out. One QR
//     serves the square and the least-squares (C_out < C_in) case; Householder
//     QR is backward stable, error ≈ ε·cond(J). No fragment.
//   - fft (circular padding): Jᵀ is block-circulant. With ĥ_f = Σ_s h[:, s]
//     ω^{−fs}, ω = e^{2πi/W}: ĥ_f = M_f δ̂_f, M_f = Σ_t A_tᵀ ω^{f(p−t)}. Each
//     C_in × C_out complex system is solved (least squares) through its real
//     embedding [Re −Im; Im Re] by Householder QR, then a direct inverse DFT.
//     O(W²) per channel pair, exact in every scalar type. No fragment.
//   - blocked: the pivot-tap recurrence, position w from equation s = w − p:
//     δ[:, w] = (A_0ᵀ)⁺ (g[:, s] − Σ_{t≥1} A_tᵀ δ[:, w − t]). Seeds (the
//     positions whose δ is stored in the reverse pass): the k − 1 positions
//     before every block start B, 2B, ... (and before 0, wrapped, in circular
//     padding), plus positions 0 .. p − 1 in zero padding, which no equation
//     determines. Fragment: δ at the seeds, ascending, C_out values each, per
//     sample. A chain of recurrence steps is at most B long.
//   - auto: chosen from the weights when they are set (once per step), in the
//     operator's own precision, by trial solves: for four ±1 cotangents δ, the
//     largest relative error of vijp(Jᵀδ, fragment(δ)). Circular padding:
//     fft. Zero padding: banded, then blocked with B = W, ⌈W/2⌉, … down to
//     2(k − 1) (seeds at most half of δ), and dense (at most 1024 rows) when
//     none of those comes within 16 ε; the first in that order within
//     max(2·best, ε), so the least stored among the most accurate.
//     trial_error() reports the chosen one's error.
//   domain: finite weights, bias, inputs; the pivot tap A_0 of full row rank
//   for blocked.
// The computation is conv_core.hpp's, over H = 1 and taps (0, t − p).
#pragma once

#include "moonwalk/reference/ops/conv_core.hpp"

namespace moonwalk::reference {

template <class S> struct Conv1d : detail::ConvCore<Conv1d<S>, S, Conv1dSpec> {
  static constexpr const char* name = "conv1d";
  static constexpr const char* pivot_tap = "W_0";
  static constexpr bool bijective = false;

  using detail::ConvCore<Conv1d<S>, S, Conv1dSpec>::ConvCore;
  template <class T> Conv1d<T> cast() const {
    return Conv1d<T>(this->sp_, this->w_.template cast<T>(), this->b_.template cast<T>());
  }

  static void check_shape(const Conv1dSpec& s) {
    require(s.in_channels > 0 && s.out_channels > 0 && s.width > 0 && s.kernel > 0, name,
            "channels, width and kernel must be positive");
    require(s.kernel % 2 == 1, name, "kernel must be odd for same padding (got an even kernel)");
    require(s.out_channels <= s.in_channels, name, "C_out > C_in: the Jacobian is not surjective (use a wider input)");
  }
  static Index block_extent(const Conv1dSpec& s) { return s.width; }  // blocks split the positions
  static detail::ConvPlane plane_of(const Conv1dSpec& s) {
    const Conv1dShape g = Conv1dShape::of(s);
    detail::ConvPlane pl{g.ci, g.co, 1, g.W, g.circular, {}, g.seed_positions(), std::min(g.block, g.W), {}};
    for (Index t = 0; t < g.k; ++t) pl.taps.emplace_back(0, t - g.pad());
    return pl;
  }
};

// Strategy auto's trials are compiled once per scalar, in the layers' library
// (reference/src/network_instances.inc); the fuzz build, which links no such
// library, defines MOONWALK_CONV_AUTO_INLINE and compiles them where used.
#ifndef MOONWALK_CONV_AUTO_INLINE
extern template void detail::ConvCore<Conv1d<float>, float, Conv1dSpec>::choose();
extern template void detail::ConvCore<Conv1d<double>, double, Conv1dSpec>::choose();
extern template void detail::ConvCore<Conv1d<mp50>, mp50, Conv1dSpec>::choose();
#endif

}  // namespace moonwalk::reference
