// moonwalk_mixed (mixed-mode Moonwalk with fragmental checkpointing):
//   Phase I, forward: x_1..x_L, keeping only each layer's input residual
//     (a sign bit per unit for (leaky) relu, nothing for dense).
//   Phase II, reverse: h_L = ∂ℓ/∂x_L; for i = L..1 keep the fragment of h_i
//     (or, every `anchor_every` layers, h_i itself: a depth anchor), then
//     h_{i-1} = vjp_input(r_i, h_i) and release r_i. No parameter gradients.
//   Phase III, inverse-forward (inverse_forward.hpp) from (x_0, h_0).
// Phase II carries the reverse shadow of the error model (error_model.hpp):
// its E_0 starts Phase III's, and at each layer it keeps one number, how far
// the shadow has grown beyond one rounding of h_i, to scale the perturbation
// of what it kept there.
// phase_seconds: forward, reverse, inverse_forward, and verification (the
// error model's shadow and the certificates, in Phases II and III).
// Stores: residuals, then fragments and anchors. With fragments turned off a
// non-submersive layer is refused with its name.
#pragma once

#include "moonwalk/reference/methods/inverse_forward.hpp"
#include "moonwalk/reference/methods/phase_timer.hpp"

#include <algorithm>

namespace moonwalk::reference::methods {

struct MixedOptions {
  std::size_t anchor_every = 0;  // 0: no anchors; k: keep h_i whenever (i + 1) % k == 0
  bool fragments = true;
  Faults faults;  // verification only: a fault for the certificate to catch
};

template <class S> Gradients<S> moonwalk_mixed(const Network<S>& net, const Mat<S>& x0, MixedOptions o = {}) {
  check_input(net, x0);
  const std::size_t L = net.depth();
  const Phase<S> phase1(net, "moonwalk_mixed", "Phase I (forward)"), phase2(net, "moonwalk_mixed", "Phase II (reverse)");
  Gradients<S> out;
  PhaseTimer timer(out.phase_seconds);
  out.ledger.hold(Category::parameters, net.param_bytes());
  std::vector<Residual<S>> residuals(L);
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) {
    residuals[i] = residual(net, i, x);
    out.ledger.hold(Category::input_residuals, residuals[i].bytes());
    x = phase1(i, "output", [&] { return net.forward(i, x); });
  }
  out.loss = phase1.loss(x);
  timer.mark("forward");
  Mat<S> h = phase1(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  ReverseShadow<S> shadow(h, L);
  std::vector<double> growth(L, 1.0);
  std::vector<Fragment<S>> fragments(L);
  std::vector<Mat<S>> anchors(L);
  for (std::size_t i = L; i-- > 0;) {
    timer.mark("reverse");
    const double one_rounding = norm_of<S>(rounding_noise(h, noise_stream(NoiseRole::reverse, i + 1)));
    growth[i] = one_rounding > 0 ? std::max(1.0, norm_of(shadow.E) / one_rounding) : 1.0;
    timer.mark("verification");
    if (o.anchor_every && (i + 1) % o.anchor_every == 0) {
      anchors[i] = h;
      out.ledger.hold(Category::checkpoints, matrix_bytes(h));
    } else {
      fragments[i] = fragment(net, i, residuals[i], h);
      if (fragments[i].size() && !o.fragments)
        fail("moonwalk_mixed", net.label(i) + " is not submersive at this input (" +
                                   std::to_string(fragments[i].size()) + " cokernel dimensions) and fragments are off");
      out.ledger.hold(Category::fragments, fragments[i].bytes());
    }
    h = phase2(i, "input cotangent", [&] { return vjp_input(net, i, residuals[i], h); });
    timer.mark("reverse");
    shadow.input(net, i, residuals[i], h);
    timer.mark("verification");
    out.ledger.release(Category::input_residuals, residuals[i].bytes());
    residuals[i] = Residual<S>();
  }
  out.input = h;
  timer.mark("reverse");
  inverse_forward<S>(
      "moonwalk_mixed", net, x0, out.input, out,
      [&](std::size_t i) {
        Fragment<S> f = std::move(fragments[i]);
        out.ledger.release(Category::fragments, f.bytes());
        return f;
      },
      [&](std::size_t i) -> const Mat<S>* {
        if (!anchors[i].size()) return nullptr;
        out.ledger.release(Category::checkpoints, matrix_bytes(anchors[i]));
        return &anchors[i];
      },
      shadow.E, growth, o.faults, &timer);
  return out;
}

}  // namespace moonwalk::reference::methods
