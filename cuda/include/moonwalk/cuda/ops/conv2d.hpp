// conv2d: stride 1, odd kernel k × k, "same" output H × W, C_out ≤ C_in
// (except for dense), zero or circular padding, a column channel-major then
// row-major (C × H × W), θ = (A[o][i][a][b] at ((o·C_in + i)·k + a)·k + b,
// then b), as the reference (reference/ops/conv2d.hpp). forward, jvp,
// vjp_input, vjp_params: own direct-convolution kernels (kernels/conv2d.hpp).
// The vijp solves Jᵀ δ = g (least squares when C_out < C_in) by the layer's
// strategy, its factor computed once per weight set and shared by the batch:
//   - dense: the materialised J through the right inverse of ops/dense.hpp
//     (cuSOLVER geqrf/ormqr, cuBLAS trsm; the reference's pivoted QR when J
//     is rank deficient or C_out > C_in). Fragment: as dense's.
//   - banded (zero padding): the reference's Householder QR of Jᵀ in raster
//     order, band-compressed with half-bandwidth h = p·W + p positions — the
//     factor and solve conv1d's banded uses (kernels/banded.hpp), one thread
//     block factoring, one thread per sample solving. Backward stable. A
//     column holds about (3h + 1)·C_out + (w + h + 1)·(C_in − C_out) rows, so
//     memory grows as H·W² per column: for small images, or use fft or dense.
//   - fft (circular padding): cuFFT R2C of g (2-D over H × W, or 1-D when a
//     side is 1), one 2C_in × 2C_out real embedding of the bin's
//     C_in × C_out system per bin of the half spectrum, factored by
//     Householder QR one thread per bin and solved one thread per (bin,
//     sample), then cuFFT C2R and 1/(H·W). No fragment.
//   - blocked: the pivot-tap recurrence in raster order restarted every B
//     rows from the seeds the reverse pass stored, every block of every
//     sample in parallel (one thread each). Fragment: δ at the seeds, in
//     raster order, C_out values each, per sample.
// The vijp refuses a non-finite result ("the system is singular"), as the
// reference does; it waits for the stream to know.
#pragma once

#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/ops/conv_layer.hpp"

namespace moonwalk::cuda {

using reference::Conv2dSpec;

namespace detail {
template <class S> struct Conv2dFactor;
}

template <class S> class Conv2d : public detail::ConvLayer<S, Conv2dSpec, detail::Conv2dFactor<S>> {
  using Base = detail::ConvLayer<S, Conv2dSpec, detail::Conv2dFactor<S>>;

public:
  static constexpr const char* name = "conv2d";

  Conv2d(Context& ctx, Conv2dSpec spec, const std::vector<S>& weight, const std::vector<S>& bias);

  Index positions() const { return sp_.height * sp_.width; }
  Index in_dim() const { return sp_.in_channels * positions(); }
  Index out_dim() const { return sp_.out_channels * positions(); }
  Index param_count() const { return weights() + sp_.out_channels; }
  void set_params(const std::vector<S>& p);

  // fragment(r, δ): the fragment depends on the weights and δ only: Phase II needs no input.
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>& x) const;
  // Scalars of the fragment beyond the cokernel: the blocked strategy's seeds.
  Index checkpoint_size(const DeviceMatrix<S>& x) const;

private:
  Index weights() const { return sp_.out_channels * sp_.in_channels * sp_.kernel * sp_.kernel; }
  Index per_sample_fragment() const;
  const detail::Conv2dFactor<S>& factor() const;
  void validate() const;

  using Base::ctx_;
  using Base::factor_;
  using Base::params_;
  using Base::sp_;
  using Base::theta_;
};

}  // namespace moonwalk::cuda
