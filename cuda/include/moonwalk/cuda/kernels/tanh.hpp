// Per-element math of tanh (ops/tanh.hpp): the derivative is 1/cosh²(x),
// from x (the residual keeps x), as the reference computes it.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

template <class S> MOONWALK_HD S tanh_forward(S v) { return tanh_of(v); }
template <class S> MOONWALK_HD S tanh_derivative(S v) {
  const S c = cosh_of(v);
  return S(1) / (c * c);
}

}  // namespace moonwalk::cuda::kernels
