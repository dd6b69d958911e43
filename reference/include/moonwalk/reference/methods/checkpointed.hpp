// checkpointed: backprop over segments of s = ⌈√L⌉ layers. The forward sweep
// keeps only each segment's input; the reverse sweep recomputes one segment
// at a time, keeping its layer inputs (as backprop does), then backpropagates
// through it. Stores: ⌈L/s⌉ segment inputs + one segment's layer inputs.
// Estimate: the reverse shadow (error_model.hpp).
#pragma once

#include "moonwalk/reference/methods/error_model.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> checkpointed(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  const std::size_t L = net.depth();
  const std::size_t s = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(L))));
  const Phase<S> fwd(net, "checkpointed", "forward sweep"), rev(net, "checkpointed", "reverse sweep");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  std::vector<Mat<S>> checkpoints;  // input of segment k = layers [k·s, min(L, (k+1)·s))
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) {
    if (i % s == 0) {
      checkpoints.push_back(x);
      out.ledger.hold(Category::checkpoints, matrix_bytes(x));
    }
    x = fwd(i, "output", [&] { return net.forward(i, x); });
  }
  out.loss = fwd.loss(x);
  Mat<S> h = fwd(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  ReverseShadow<S> shadow(h, L);
  out.params.resize(L);
  for (std::size_t k = checkpoints.size(); k-- > 0;) {
    const std::size_t first = k * s, last = std::min(L, first + s);
    std::vector<Mat<S>> inputs;
    Mat<S> xi = checkpoints[k];
    for (std::size_t i = first; i < last; ++i) {
      inputs.push_back(xi);
      out.ledger.hold(Category::layer_inputs, matrix_bytes(xi));
      if (i + 1 < last) xi = rev(i, "recomputed output", [&] { return net.forward(i, xi); });
    }
    for (std::size_t i = last; i-- > first;) {
      const Mat<S>& in = inputs[i - first];
      if (net.param_count(i) > 0) out.params[i] = rev(i, "parameter gradient", [&] { return vjp_params(net, i, in, h); });
      shadow.params(net, i, in);
      const Residual<S> r = residual(net, i, in);
      h = rev(i, "input cotangent", [&] { return vjp_input(net, i, r, h); });
      shadow.input(net, i, r, h);
      out.ledger.release(Category::layer_inputs, matrix_bytes(in));
    }
    out.ledger.release(Category::checkpoints, matrix_bytes(checkpoints[k]));
  }
  out.input = h;
  out.estimate = shadow.estimate(out);
  return out;
}

}  // namespace moonwalk::reference::methods
