// global_avg_pool: a column is C × P channel-major; y_c = (1/P) Σ_p x[c·P + p],
// no parameters, as the reference (reference/ops/global_avg_pool.hpp).
// Own kernels, one thread per output summing its P positions in order.
//   vjp_input: h[c·P + p] = δ_c / P (broadcast); no residual
//   vijp: h_c = Σ_p g[c·P + p] (the right inverse P·Jᵀ); no fragment.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class GlobalAvgPool {
public:
  static constexpr const char* name = "global_avg_pool";

  GlobalAvgPool(Context& ctx, Index channels, Index positions);

  Index in_dim() const { return C_ * P_; }
  Index out_dim() const { return C_; }
  Index param_count() const { return 0; }
  Index channels() const { return C_; }
  Index positions() const { return P_; }

  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }

private:
  DeviceMatrix<S> sum_positions(const DeviceMatrix<S>& x, bool average) const;
  Context* ctx_;
  Index C_, P_;
};

}  // namespace moonwalk::cuda
