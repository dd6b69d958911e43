// moonwalk_forward (pure-forward Moonwalk): h_0 = ∂ℓ/∂x_0 from one jvp sweep
// per input coordinate, then the inverse-forward sweep (Phase III). Stores
// nothing between sweeps, so every layer must be submersive at its input: a
// layer with a non-empty cokernel (relu with inactive units, a tall dense) is
// refused with its name. The jvp sweeps give h_0 to about one rounding, the
// error model's start for Phase III.
#pragma once

#include "moonwalk/reference/methods/forward_mode.hpp"
#include "moonwalk/reference/methods/inverse_forward.hpp"

namespace moonwalk::reference::methods {

template <class S> Gradients<S> moonwalk_forward(const Network<S>& net, const Mat<S>& x0) {
  check_input(net, x0);
  const Phase<S> fwd(net, "moonwalk_forward", "forward sweep"), tangents(net, "moonwalk_forward", "tangent sweeps");
  Gradients<S> out;
  out.ledger.hold(Category::parameters, net.param_bytes());
  Mat<S> x = x0;
  for (std::size_t i = 0; i < net.depth(); ++i) {
    if (const Index k = fragment_size(net, i, x); k > 0)
      fail("moonwalk_forward", net.label(i) + " is not submersive at this input (" + std::to_string(k) +
                                   " cokernel dimensions) and pure-forward Moonwalk keeps no fragments");
    x = fwd(i, "output", [&] { return net.forward(i, x); });
  }
  out.loss = fwd.loss(x);
  const Mat<S> hL = fwd(net.depth(), "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  out.input = input_gradient_by_jvp(net, tangents, x0, hL);
  inverse_forward<S>(
      "moonwalk_forward", net, x0, out.input, out, [](std::size_t) { return Fragment<S>{}; },
      [](std::size_t) -> const Mat<S>* { return nullptr; },
      rounding_noise(out.input, noise_stream(NoiseRole::reverse, 0)));
  return out;
}

}  // namespace moonwalk::reference::methods
