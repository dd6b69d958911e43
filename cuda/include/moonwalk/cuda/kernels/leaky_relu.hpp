// Per-element math of leaky_relu (ops/leaky_relu.hpp): slope s = 1 where
// x > 0, α elsewhere; the mask bit of an entry is x > 0.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

template <class S> MOONWALK_HD S leaky_relu_forward(S v, S alpha) { return v > 0 ? v : S(alpha * v); }
template <class S> MOONWALK_HD S leaky_relu_jvp(S v, S t, S alpha) { return v > 0 ? t : S(alpha * t); }
template <class S> MOONWALK_HD S leaky_relu_vjp(bool active, S d, S alpha) { return active ? d : S(d * alpha); }
template <class S> MOONWALK_HD S leaky_relu_vijp(S v, S g, S alpha) { return v > 0 ? g : S(g / alpha); }

// Word w of the sign mask of the n entries of x.
template <class S> MOONWALK_HD std::uint64_t positive_word(Index w, Index n, const S* x) {
  return pack_word(w, n, [x](Index k) { return x[k] > 0; });
}

}  // namespace moonwalk::cuda::kernels
