// patch_downsample1d: non-overlapping patches (stride = kernel k) of a
//   channel-major C_in × W column, W = P·k, to C_out × P.
//   With the patch vector v_q[i·k + t] = x[i, q·k + t] and M ∈ R^{C_out × C_in·k}:
//   y[:, q] = M v_q + b. Every patch is a dense layer with the same M, so the
//   operator is a dense layer applied to the P·B patch columns of the batch.
//   θ = θ of that dense layer: vec M (column-major, M(o, i·k + t) at
//   (i·k + t)·C_out + o), then b.
//   vjp_input: v̄_q = Mᵀ δ[:, q], scattered back to the patch positions.
//   vijp: the dense right inverse, one column-pivoted QR of Mᵀ shared by every
//   patch of every sample (fully parallel over patches).
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in order within a sample; none when M has full row rank
//   (C_out ≤ C_in·k, generic weights).
//   domain: finite M, b, x; W divisible by k.
#pragma once

#include "moonwalk/reference/ops/patch_map.hpp"

namespace moonwalk::reference {

// The 1-D case of the shared patch map (patch_map.hpp): H = 1, 1 × k patches.
template <class S> struct PatchDownsample1d : detail::PatchMap<S> {
  static constexpr const char* name = "patch_downsample1d";
  static constexpr bool bijective = false;

  PatchDownsample1d(Index in_channels, Index width, Index patch, const Mat<S>& weight, const Vec<S>& bias)
      : detail::PatchMap<S>({name, "channels, width and patch must be positive",
                             "width must be a multiple of the patch size", "C_in·k"},
                            in_channels, 1, width, 1, patch, weight, bias),
        W_(width), k_(patch) {}

  Index width() const { return W_; }
  Index patch() const { return k_; }
  template <class T> PatchDownsample1d<T> cast() const {
    return PatchDownsample1d<T>(this->in_channels(), W_, k_, this->patch_map().weight().template cast<T>(),
                                this->patch_map().bias().template cast<T>());
  }

private:
  Index W_, k_;
};

}  // namespace moonwalk::reference
