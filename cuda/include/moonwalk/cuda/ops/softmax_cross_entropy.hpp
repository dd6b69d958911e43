// softmax_cross_entropy: logits y (K × B), labels c_b ∈ [0, K), loss scale s
// (default 1);
//   ℓ(y) = s · (1/B) Σ_b [logsumexp(y_b) − y_b[c_b]],  h_L = s · (softmax(y) − onehot(c)) / B,
// with the column maximum subtracted, as the reference
// (reference/ops/softmax_cross_entropy.hpp). Own kernels, one thread per column.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class SoftmaxCrossEntropy {
public:
  static constexpr const char* name = "softmax_cross_entropy";

  SoftmaxCrossEntropy(Context& ctx, Index classes, const std::vector<Index>& labels, S scale = S(1));

  Index classes() const { return K_; }
  S scale() const { return scale_; }
  // Waits for the stream.
  S value(const DeviceMatrix<S>& y) const;
  DeviceMatrix<S> gradient(const DeviceMatrix<S>& y) const;

private:
  void check(const DeviceMatrix<S>& y) const;
  Context* ctx_;
  Index K_, batch_;
  DeviceMatrix<Index> labels_;
  S scale_;
};

}  // namespace moonwalk::cuda
