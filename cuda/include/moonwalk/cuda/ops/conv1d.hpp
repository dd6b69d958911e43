// conv1d: stride 1, odd kernel k, "same" width W, C_out ≤ C_in, zero or
// circular padding, θ = (A[o][i][t] at (o·C_in + i)·k + t, then b), as the
// reference (reference/ops/conv1d.hpp). forward, jvp, vjp_input, vjp_params:
// own direct-convolution kernels (kernels/conv1d.hpp). The vijp solves
// Jᵀ δ = g (least squares when C_out < C_in) by the layer's strategy, its
// factor computed once per weight set and shared by the batch:
//   - dense: the materialised J through the right inverse of ops/dense.hpp
//     (cuSOLVER geqrf/ormqr, cuBLAS trsm; the reference's pivoted QR when J
//     is rank deficient). Fragment: as dense's.
//   - banded (zero padding): the reference's Householder QR of Jᵀ in
//     position-major order, band-compressed; factored by one thread block
//     column after column (each step's update parallel over the band), solved
//     by one thread per sample. Backward stable, error ≈ ε·cond(J). Memory per
//     column: (3p + 1)·C_out + (w + p + 1)·(C_in − C_out) rows, so O(W²) when
//     C_out < C_in (fill-in of the slanted band).
//   - fft (circular padding): cuFFT R2C of g, one 2C_in × 2C_out real
//     embedding of the frequency's C_in × C_out system per frequency f ≤ W/2
//     (the others are conjugates), factored by Householder QR one thread per
//     frequency and solved one thread per (frequency, sample), then cuFFT C2R
//     and 1/W. No fragment.
//   - blocked: the pivot-tap recurrence restarted every B positions from the
//     seeds the reverse pass stored, every block of every sample in parallel
//     (one thread each). Fragment: δ at the seeds, ascending, C_out values
//     each, per sample.
// The vijp refuses a non-finite result ("the system is singular"), as the
// reference does; it waits for the stream to know.
#pragma once

#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/ops/conv_layer.hpp"

namespace moonwalk::cuda {

using reference::Conv1dSpec;

namespace detail {
template <class S> struct Conv1dFactor;
}

template <class S> class Conv1d : public detail::ConvLayer<S, Conv1dSpec, detail::Conv1dFactor<S>> {
  using Base = detail::ConvLayer<S, Conv1dSpec, detail::Conv1dFactor<S>>;

public:
  static constexpr const char* name = "conv1d";

  Conv1d(Context& ctx, Conv1dSpec spec, const std::vector<S>& weight, const std::vector<S>& bias);

  Index in_dim() const { return sp_.in_channels * sp_.width; }
  Index out_dim() const { return sp_.out_channels * sp_.width; }
  Index param_count() const { return weights() + sp_.out_channels; }
  void set_params(const std::vector<S>& p);

  // fragment(r, δ): the fragment depends on the weights and δ only: Phase II needs no input.
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>& x) const;
  // Scalars of the fragment beyond the cokernel: the blocked strategy's seeds.
  Index checkpoint_size(const DeviceMatrix<S>& x) const;

private:
  Index weights() const { return sp_.out_channels * sp_.in_channels * sp_.kernel; }
  Index per_sample_fragment() const;
  const detail::Conv1dFactor<S>& factor() const;
  void validate() const;

  using Base::ctx_;
  using Base::factor_;
  using Base::params_;
  using Base::sp_;
  using Base::theta_;
};

}  // namespace moonwalk::cuda
