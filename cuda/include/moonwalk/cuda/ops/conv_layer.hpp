// What the device conv1d and conv2d hold alike: the context, the spec, θ on
// the host and on the device, and the vijp's factor, built on first use (so
// mutable) and dropped whenever θ changes. Each operator keeps its own
// kernels and its own factor type.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/tensor.hpp"
#include "moonwalk/reference/ops/conv_spec.hpp"

#include <memory>
#include <vector>

namespace moonwalk::cuda {

// The configuration types are the reference's (one parser for both backends).
using reference::conv_strategy_name;
using reference::ConvStrategy;
using reference::Padding;
using reference::padding_name;

namespace detail {

template <class S, class Spec, class Factor> class ConvLayer {
public:
  const Spec& spec() const { return sp_; }
  std::vector<S> params() const { return params_; }
  const DeviceMatrix<S>& theta() const { return theta_; }

protected:
  ConvLayer(Context& ctx, Spec spec) : ctx_(&ctx), sp_(spec) {}

  Context* ctx_;
  Spec sp_;
  std::vector<S> params_;
  DeviceMatrix<S> theta_;
  mutable std::shared_ptr<const Factor> factor_;
};

}  // namespace detail
}  // namespace moonwalk::cuda
