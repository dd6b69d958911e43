// backprop: reverse-mode differentiation.
//   forward: x_i = f_i(x_{i-1}), keeping what each reverse step reads;
//   reverse: h_L = ∂ℓ/∂x_L; g_i = vjp_params(x_{i-1}, h_i), h_{i-1} = vjp_input(r_i, h_i).
// Stores (Store::autograd, the default): every layer input x_{i-1}, as
// autograd frameworks save each layer's input tensor; the input residual is
// derived from it when needed. Store::minimal keeps x_{i-1} only for layers
// with parameters plus each layer's packed input residual. The reverse shadow
// of the error model (error_model.hpp) gives the estimate.
#pragma once

#include "moonwalk/reference/methods/error_model.hpp"

namespace moonwalk::reference::methods {

enum class BackpropStore { autograd, minimal };

template <class S> Gradients<S> backprop(const Network<S>& net, const Mat<S>& x0, BackpropStore store = BackpropStore::autograd) {
  check_input(net, x0);
  const std::size_t L = net.depth();
  const char* name = store == BackpropStore::minimal ? "backprop_minimal" : "backprop";
  const Phase<S> fwd(net, name, "forward sweep"), rev(net, name, "reverse sweep");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  std::vector<Mat<S>> inputs(L);
  std::vector<Residual<S>> residuals(L);
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) {
    const bool keep_input = store == BackpropStore::autograd || net.param_count(i) > 0;
    if (keep_input) {
      inputs[i] = x;
      out.ledger.hold(Category::layer_inputs, matrix_bytes(x));
    }
    if (store == BackpropStore::minimal) {
      residuals[i] = residual(net, i, x);
      out.ledger.hold(Category::input_residuals, residuals[i].bytes());
    }
    x = fwd(i, "output", [&] { return net.forward(i, x); });
  }
  out.loss = fwd.loss(x);
  Mat<S> h = fwd(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  ReverseShadow<S> shadow(h, L);
  out.params.resize(L);
  for (std::size_t i = L; i-- > 0;) {
    if (store == BackpropStore::autograd) residuals[i] = residual(net, i, inputs[i]);
    if (net.param_count(i) > 0)
      out.params[i] = rev(i, "parameter gradient", [&] { return vjp_params(net, i, inputs[i], h); });
    shadow.params(net, i, inputs[i]);
    h = rev(i, "input cotangent", [&] { return vjp_input(net, i, residuals[i], h); });
    shadow.input(net, i, residuals[i], h);
    if (inputs[i].size()) out.ledger.release(Category::layer_inputs, matrix_bytes(inputs[i]));
    if (store == BackpropStore::minimal) out.ledger.release(Category::input_residuals, residuals[i].bytes());
    inputs[i] = Mat<S>();
    residuals[i] = Residual<S>();
  }
  out.input = h;
  out.estimate = shadow.estimate(out);
  return out;
}

}  // namespace moonwalk::reference::methods
