// leaky_relu(α): y = x for x > 0, α x otherwise; α > 0, no parameters, as the
// reference (reference/ops/leaky_relu.hpp). Own element-wise kernels.
//   input_residual: the sign mask, one bit per unit, packed one 64-bit word
//   per thread in the reference BitMask's layout.
//   vjp_input: h = δ where the bit is set, α δ elsewhere.
//   vijp: h = g where x > 0, g / α elsewhere; no fragment.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class LeakyRelu {
public:
  static constexpr const char* name = "leaky_relu";

  LeakyRelu(Context& ctx, Index n, S alpha);

  Index in_dim() const { return n_; }
  Index out_dim() const { return n_; }
  Index param_count() const { return 0; }
  S alpha() const { return alpha_; }

  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }

private:
  Context* ctx_;
  Index n_;
  S alpha_;
};

}  // namespace moonwalk::cuda
