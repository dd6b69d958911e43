// checkpointed backprop on the device, as the reference's
// (reference/methods/checkpointed.hpp): segments of s = ⌈√L⌉ layers; the
// forward sweep keeps each segment's input (category anchors); the reverse
// sweep recomputes one segment's layer inputs (layer_inputs, the first a copy
// of its anchor) and backpropagates through it.
#pragma once

#include "moonwalk/cuda/methods/common.hpp"

namespace moonwalk::cuda::methods {

template <class S> Gradients<S> checkpointed(const Network<S>& net, const HostMatrix<S>& x0);

}  // namespace moonwalk::cuda::methods
