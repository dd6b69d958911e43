// Shared checks of the element-wise operators (leaky_relu, relu, tanh):
// in_dim = out_dim = n, no parameters.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference::detail {

template <class S> void check_elementwise_input(const Mat<S>& x, Index n, const char* op) {
  require_rows(x, n, op, "input");
  require_finite(x, op, "input");
}

template <class S> void check_elementwise_cotangent(const Mat<S>& d, Index n, Index batch, const char* op,
                                                    const char* what) {
  require_rows(d, n, op, what);
  require(d.cols() == batch, op, std::string(what) + " and input differ in batch size");
  require_finite(d, op, what);
}

inline void check_no_params(Index p, const char* op) {
  if (p != 0) fail(op, "has no parameters, but a parameter direction was given");
}

}  // namespace moonwalk::reference::detail
