// What patch_downsample1d and patch_downsample2d share on the device, as in
// the reference (reference/ops/patch_map.hpp): non-overlapping ph × pw patches
// of a C_in × H × W column, each mapped by the same dense layer M. Own kernels
// (kernels/patch_map.hpp) move between the layout and the P·B patch columns;
// on those the operator is the dense layer (ops/dense.hpp) with weight M,
// whose right inverse — one factor shared by every patch of every sample —
// gives the vijp for all patches at once.
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in raster order within a sample; none when M has full row rank.
#pragma once

#include "moonwalk/cuda/kernels/patch_map.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/ops/dense.hpp"

namespace moonwalk::cuda::detail {

// The words an operator's messages use for its own geometry.
struct PatchWords {
  const char* name;      // "patch_downsample2d"
  const char* positive;  // "channels, height, width and patch must be positive"
  const char* multiple;  // "height and width must be multiples of the patch size"
  const char* columns;   // "C_in·k²"
};

template <class S> class PatchMap {
public:
  PatchMap(Context& ctx, PatchWords words, kernels::PatchShape shape, const HostMatrix<S>& weight,
           const std::vector<S>& bias);

  Index in_channels() const { return s_.ci; }
  Index out_channels() const { return dense_.out_dim(); }
  Index patches() const { return s_.patches(); }
  Index in_dim() const { return s_.in_dim(); }
  Index out_dim() const { return out_channels() * patches(); }
  Index param_count() const { return dense_.param_count(); }
  std::vector<S> params() const { return dense_.params(); }
  void set_params(const std::vector<S>& p) { dense_.set_params(p); }
  const Dense<S>& patch_map() const { return dense_; }

  // fragment(r, δ): the fragment depends on M and δ only: Phase II needs no input.
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>& x) const;

  // C_in·H·W × B ↔ C_in·ph·pw × (P·B), and C_out·P × B ↔ C_out × (P·B).
  DeviceMatrix<S> patch_in(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> unpatch_in(const DeviceMatrix<S>& v) const;
  DeviceMatrix<S> patch_out(const DeviceMatrix<S>& y) const;
  DeviceMatrix<S> unpatch_out(const DeviceMatrix<S>& v) const;

private:
  static const HostMatrix<S>& checked(const PatchWords& w, const kernels::PatchShape& s, const HostMatrix<S>& M,
                                      const std::vector<S>& b);
  DeviceResidual<S> patch_residual(Index batch) const;

  Context* ctx_;
  PatchWords w_;
  kernels::PatchShape s_;
  Dense<S> dense_;
};

}  // namespace moonwalk::cuda::detail
