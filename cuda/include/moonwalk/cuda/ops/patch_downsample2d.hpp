// patch_downsample2d: non-overlapping k × k patches (stride = kernel k) of a
// column C_in × H × W (channel-major, then row-major; H = P_h·k, W = P_w·k)
// to C_out × P_h × P_w: y[:, q] = M v_q + b, v_q the patch q = R·P_w + Q in
// raster order, as the reference (reference/ops/patch_downsample2d.hpp).
// Own kernels move between the layout and the P_h·P_w·B patch columns; on
// those the operator is the dense layer (ops/dense.hpp) with weight M, whose
// right inverse — one factor shared by every patch of every sample — gives
// the vijp for all patches at once.
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in raster order within a sample; none when M has full row rank.
#pragma once

#include "moonwalk/cuda/ops/patch_map.hpp"

namespace moonwalk::cuda {

// The 2-D case of the shared patch map (ops/patch_map.hpp): k × k patches.
template <class S> class PatchDownsample2d : public detail::PatchMap<S> {
public:
  static constexpr const char* name = "patch_downsample2d";

  PatchDownsample2d(Context& ctx, Index in_channels, Index height, Index width, Index patch, const HostMatrix<S>& weight,
                    const std::vector<S>& bias);

  Index height() const { return H_; }
  Index width() const { return W_; }
  Index patch() const { return p_; }
  Index patch_rows() const { return H_ / p_; }
  Index patch_cols() const { return W_ / p_; }

private:
  Index H_, W_, p_;
};

}  // namespace moonwalk::cuda
