// relu: y = max(x, 0), no parameters, as the reference
// (reference/ops/relu.hpp). Own element-wise kernels.
//   input_residual: the activity mask (x > 0), one bit per unit.
//   fragment: δ at the inactive units, column by column in row order — a
//   stream compaction: clear bits counted per mask word, an exclusive prefix
//   sum over the words, then each inactive entry written at its rank.
//   vijp: h = g at active units, the fragment at inactive ones, by the same
//   ranks; submersive exactly when every unit is active.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class Relu {
public:
  static constexpr const char* name = "relu";

  Relu(Context& ctx, Index n);

  Index in_dim() const { return n_; }
  Index out_dim() const { return n_; }
  Index param_count() const { return 0; }

  // fragment(r, δ): the same fragment from the activity mask alone (Phase II keeps no inputs).
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  // The number of inactive units (waits for the stream).
  Index fragment_size(const DeviceMatrix<S>& x) const;

private:
  Context* ctx_;
  Index n_;
};

}  // namespace moonwalk::cuda
