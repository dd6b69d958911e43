// backprop on the device, as the reference's autograd store
// (reference/methods/backprop.hpp): the forward sweep keeps every layer input
// x_{i-1} (category layer_inputs); the reverse sweep derives each layer's
// residual from it for one step (working set), then g_i = vjp_params(x_{i-1},
// h_i), h_{i-1} = vjp_input(r_i, h_i), releasing x_{i-1}.
#pragma once

#include "moonwalk/cuda/methods/common.hpp"

namespace moonwalk::cuda::methods {

template <class S> Gradients<S> backprop(const Network<S>& net, const HostMatrix<S>& x0);

}  // namespace moonwalk::cuda::methods
