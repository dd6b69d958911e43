// patch_downsample1d: non-overlapping patches (stride = kernel k) of a
// channel-major C_in × W column, W = P·k, to C_out × P: y[:, q] = M v_q + b,
// v_q the q-th patch, as the reference (reference/ops/patch_downsample1d.hpp).
// Own kernels move between the layout and the P·B patch columns; on those the
// operator is the dense layer (ops/dense.hpp) with weight M, whose right
// inverse — one factor shared by every patch of every sample — gives the vijp
// for all patches at once.
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in order within a sample; none when M has full row rank.
#pragma once

#include "moonwalk/cuda/ops/patch_map.hpp"

namespace moonwalk::cuda {

// The 1-D case of the shared patch map (ops/patch_map.hpp): H = 1, 1 × k patches.
template <class S> class PatchDownsample1d : public detail::PatchMap<S> {
public:
  static constexpr const char* name = "patch_downsample1d";

  PatchDownsample1d(Context& ctx, Index in_channels, Index width, Index patch, const HostMatrix<S>& weight,
                    const std::vector<S>& bias);

  Index width() const { return W_; }
  Index patch() const { return k_; }

private:
  Index W_, k_;
};

}  // namespace moonwalk::cuda
