// patch_downsample2d: non-overlapping k × k patches (stride = kernel k) of a
//   column read channel-major, then row-major: C_in × H × W, entry (i, r, c) at
//   i·H·W + r·W + c, with H = P_h·k, W = P_w·k. The output is C_out × P_h × P_w,
//   patch (R, Q) at raster index q = R·P_w + Q. With the patch vector
//   v_q[(i·k + a)·k + b] = x[i, R·k + a, Q·k + b] and M ∈ R^{C_out × C_in·k²}:
//   y[:, q] = M v_q + b. Every patch is a dense layer with the same M, so the
//   operator is a dense layer applied to the P_h·P_w·B patch columns of the
//   batch.
//   θ = θ of that dense layer: vec M (column-major, M(o, (i·k + a)·k + b) at
//   ((i·k + a)·k + b)·C_out + o), then b.
//   vjp_input: v̄_q = Mᵀ δ[:, q], scattered back to the patch positions.
//   vijp: the dense right inverse, one column-pivoted QR of Mᵀ shared by every
//   patch of every sample (fully parallel over patches).
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in raster order within a sample; none when M has full row rank
//   (C_out ≤ C_in·k², generic weights).
//   domain: finite M, b, x; H and W divisible by k.
#pragma once

#include "moonwalk/reference/ops/patch_map.hpp"

namespace moonwalk::reference {

// The 2-D case of the shared patch map (patch_map.hpp): k × k patches.
template <class S> struct PatchDownsample2d : detail::PatchMap<S> {
  static constexpr const char* name = "patch_downsample2d";
  static constexpr bool bijective = false;

  PatchDownsample2d(Index in_channels, Index height, Index width, Index patch, const Mat<S>& weight, const Vec<S>& bias)
      : detail::PatchMap<S>({name, "channels, height, width and patch must be positive",
                             "height and width must be multiples of the patch size", "C_in·k²"},
                            in_channels, height, width, patch, patch, weight, bias),
        H_(height), W_(width), p_(patch) {}

  Index height() const { return H_; }
  Index width() const { return W_; }
  Index patch() const { return p_; }
  template <class T> PatchDownsample2d<T> cast() const {
    return PatchDownsample2d<T>(this->in_channels(), H_, W_, p_, this->patch_map().weight().template cast<T>(),
                                this->patch_map().bias().template cast<T>());
  }

private:
  Index H_, W_, p_;
};

}  // namespace moonwalk::reference
