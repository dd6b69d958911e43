// Forward-mode building blocks: a tangent pushed through the whole network,
// and the input gradient assembled from one jvp per input coordinate.
#pragma once

#include "moonwalk/reference/methods/common.hpp"

namespace moonwalk::reference::methods {

// ẋ_L for the tangent ẋ_0 and, at layer `layer`, the parameter tangent pdot;
// `at` names the calling method's phase in its errors.
template <class S>
Mat<S> push_tangent(const Network<S>& net, const Phase<S>& at, Mat<S> x, Mat<S> xdot, std::size_t layer,
                    const Vec<S>& pdot) {
  for (std::size_t i = 0; i < net.depth(); ++i) {
    xdot = at(i, "tangent", [&] { return jvp(net, i, x, xdot, i == layer ? pdot : Vec<S>(0)); });
    x = at(i, "output", [&] { return net.forward(i, x); });
  }
  return xdot;
}

// ∂ℓ/∂x_0, column by column: entry (k, b) = ⟨h_L[:, b], ẋ_L[:, b]⟩ for ẋ_0 = e_k
// in every column (the samples do not interact, so one sweep serves the batch).
template <class S>
Mat<S> input_gradient_by_jvp(const Network<S>& net, const Phase<S>& at, const Mat<S>& x0, const Mat<S>& hL) {
  const Index n = x0.rows(), B = x0.cols();
  Mat<S> h0(n, B);
  for (Index k = 0; k < n; ++k) {
    Mat<S> e = Mat<S>::Zero(n, B);
    e.row(k).setOnes();
    const Mat<S> t = push_tangent(net, at, x0, e, net.depth(), Vec<S>(0));
    h0.row(k) = hL.cwiseProduct(t).colwise().sum();
  }
  return h0;
}

template <class S> Mat<S> output_of(const Network<S>& net, const Phase<S>& at, Mat<S> x) {
  for (std::size_t i = 0; i < net.depth(); ++i) x = at(i, "output", [&] { return net.forward(i, x); });
  return x;
}

}  // namespace moonwalk::reference::methods
