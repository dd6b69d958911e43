// mse: ℓ(y) = c · (1/B) Σ_b ½ ‖y_b − t_b‖², h_L = c · (y − t) / B, with a loss
// scale c (default 1), as the reference (reference/ops/mse.hpp). Own kernels:
// one thread per column for the loss (then the columns in order), one per
// entry for the gradient.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class Mse {
public:
  static constexpr const char* name = "mse";

  Mse(Context& ctx, const HostMatrix<S>& target, S scale = S(1));
  S scale() const { return scale_; }

  // Waits for the stream.
  S value(const DeviceMatrix<S>& y) const;
  DeviceMatrix<S> gradient(const DeviceMatrix<S>& y) const;

private:
  void check(const DeviceMatrix<S>& y) const;
  Context* ctx_;
  DeviceMatrix<S> target_;
  S scale_;
};

}  // namespace moonwalk::cuda
