// patch_downsample2d: non-overlapping p × p patches (stride = kernel p) of a
// column C_in × H × W (channel-major, then row-major; H = P_h·p, W = P_w·p)
// to C_out × P_h × P_w: y[:, q] = M v_q + b, v_q the patch q = R·P_w + Q in
// raster order, as the reference (reference/ops/patch_downsample2d.hpp).
// Own kernels move between the layout and the P_h·P_w·B patch columns; on
// those the operator is the dense layer (ops/dense.hpp) with weight M, whose
// right inverse — one factor shared by every patch of every sample — gives
// the vijp for all patches at once.
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in raster order within a sample; none when M has full row rank.
#pragma once

#include "moonwalk/cuda/kernels/patch_downsample2d.hpp"
#include "moonwalk/cuda/ops/dense.hpp"

namespace moonwalk::cuda {

template <class S> class PatchDownsample2d {
public:
  static constexpr const char* name = "patch_downsample2d";

  PatchDownsample2d(Context& ctx, Index in_channels, Index height, Index width, Index patch, const HostMatrix<S>& weight,
                    const std::vector<S>& bias);

  Index in_channels() const { return ci_; }
  Index out_channels() const { return dense_.out_dim(); }
  Index height() const { return H_; }
  Index width() const { return W_; }
  Index patch() const { return p_; }
  Index patch_rows() const { return H_ / p_; }
  Index patch_cols() const { return W_ / p_; }
  Index patches() const { return patch_rows() * patch_cols(); }
  Index in_dim() const { return ci_ * H_ * W_; }
  Index out_dim() const { return out_channels() * patches(); }
  Index param_count() const { return dense_.param_count(); }
  std::vector<S> params() const { return dense_.params(); }
  void set_params(const std::vector<S>& p) { dense_.set_params(p); }
  const Dense<S>& patch_map() const { return dense_; }

  DeviceMatrix<S> forward(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const;
  DeviceResidual<S> input_residual(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;
  DeviceMatrix<S> vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;
  Index fragment_size(const DeviceMatrix<S>& x) const;
  DeviceFragment<S> fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;
  // The fragment depends on M and δ only: Phase II needs no input.
  DeviceFragment<S> fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;
  DeviceMatrix<S> vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& g, const DeviceFragment<S>& f) const;

  // C_in·H·W × B ↔ C_in·p² × (P·B), and C_out·P × B ↔ C_out × (P·B).
  DeviceMatrix<S> patch_in(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> unpatch_in(const DeviceMatrix<S>& v) const;
  DeviceMatrix<S> patch_out(const DeviceMatrix<S>& y) const;
  DeviceMatrix<S> unpatch_out(const DeviceMatrix<S>& v) const;

private:
  static const HostMatrix<S>& checked(Index ci, Index H, Index W, Index p, const HostMatrix<S>& M,
                                      const std::vector<S>& b);
  DeviceResidual<S> patch_residual(Index batch) const;
  kernels::Patch2dShape shape() const { return kernels::Patch2dShape{ci_, H_, W_, p_}; }

  Context* ctx_;
  Index ci_, H_, W_, p_;
  Dense<S> dense_;
};

}  // namespace moonwalk::cuda
