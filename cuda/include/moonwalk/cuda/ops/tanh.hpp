// tanh: y = tanh(x), no parameters, as the reference (reference/ops/tanh.hpp).
// Own element-wise kernels.
//   input_residual: x itself (the derivative 1/cosh²(x) from x is accurate to
//   a few ulps; from a rounded y it would not be).
//   vjp_input: h = t ⊙ δ, t = 1/cosh²(x);  vijp: h = g ⊘ t, refused where t
//   underflows to 0; no fragment.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class Tanh {
public:
  static constexpr const char* name = "tanh";

  Tanh(Context& ctx, Index n);

  Index in_dim() const { return n_; }
  Index out_dim() const { return n_; }
  Index param_count() const { return 0; }

  // vijp: waits for the stream (to refuse an underflowed derivative).
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }

private:
  Context* ctx_;
  Index n_;
};

}  // namespace moonwalk::cuda
