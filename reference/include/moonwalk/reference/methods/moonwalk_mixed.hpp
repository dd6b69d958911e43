// moonwalk_mixed (mixed-mode Moonwalk with fragmental checkpointing):
//   Phase I, forward: x_1..x_L, keeping only each layer's input residual
//     (a sign bit per unit for (leaky) relu, nothing for dense).
//   Phase II, reverse: h_L = ∂ℓ/∂x_L; for i = L..1 keep the fragment of h_i
//     (or, every `anchor_every` layers, h_i itself: a depth anchor), then
//     h_{i-1} = vjp_input(r_i, h_i) and release r_i. No parameter gradients.
//     With `anchor_error` instead, the anchors go where the rebuilt h_i's
//     predicted relative error would pass that target (anchor_plan below).
//   Phase III, inverse-forward (inverse_forward.hpp) from (x_0, h_0).
// Phase II carries the reverse shadow of the error model (error_model.hpp):
// its E_0 starts Phase III's, and at each layer it keeps one number, how far
// the shadow has grown beyond one rounding of h_i, to scale the perturbation
// of what it kept there.
// phase_seconds: forward, reverse, inverse_forward, verification (the error
// model's shadow and the certificates, in Phases II and III), and with
// anchor_error the anchor plan (the vijp gains and the pilot sweep).
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
  Faults faults;            // verification only: a fault for the certificate to catch
  double anchor_error = 0;  // > 0: anchors by error budget (anchor_plan); anchor_every must be 0
};

// Layer i's vijp gain ‖vijp_i(x, z, 0)‖ / ‖z‖ on a ±1 pattern z (the fragment
// is stored, so the error has no part there): how much the inverse-forward
// step amplifies an error in its right-hand side h_i = ∂ℓ/∂x_i, for a
// direction the step does not favour.
template <class S> double vijp_gain(const Network<S>& net, std::size_t i, const Mat<S>& x) {
  Mat<S> z(net.in_dim(i), x.cols());
  for (Index k = 0; k < z.size(); ++k)
    z.data()[k] = S(rounding_sign(noise_stream(NoiseRole::anchor, i), static_cast<std::uint64_t>(k)));
  const Fragment<S> none{Vec<S>::Zero(fragment_size(net, i, x))};
  return norm_of<S>(detail::shadow_vijp(net, i, x, z, none)) / norm_of(z);
}

// Depth anchors by error budget. The predicted error of the rebuilt h_i
// follows the sweep's model (error_model.hpp) in norms only (docs/spec.md's
// numbering: layer i maps x_i to x_{i+1}, h_i = ∂ℓ/∂x_i):
//     e_0 = u‖h_0‖,  e_{i+1} = a_i (e_i + u‖h_i‖) + u‖h_{i+1}‖,
// a_i = vijp_gain of layer i, measured in Phase I where its input is at hand,
// the norms from a pilot reverse sweep that keeps nothing (norms[i] = ‖h_i‖).
// Going up, layer i is anchored where e_{i+1} would pass target·‖h_{i+1}‖,
// and e_{i+1} restarts at one rounding of the anchor.
// A layer whose single step passes the target from one rounding is anchored:
// the budget cannot be met there any other way.
inline std::vector<bool> anchor_plan(const std::vector<double>& gains, const std::vector<double>& norms, double u,
                                     double target) {
  std::vector<bool> anchored(gains.size(), false);
  double e = u * norms[0];
  for (std::size_t i = 0; i < gains.size(); ++i) {
    const double next = gains[i] * (e + u * norms[i]) + u * norms[i + 1];
    anchored[i] = !(next <= target * norms[i + 1]);
    e = anchored[i] ? u * norms[i + 1] : next;
  }
  return anchored;
}

template <class S> Gradients<S> moonwalk_mixed(const Network<S>& net, const Mat<S>& x0, MixedOptions o = {}) {
  check_input(net, x0);
  if (o.anchor_error != 0 && !(o.anchor_error > 0 && o.anchor_error < 1 && o.anchor_every == 0))
    fail("moonwalk_mixed", "anchor_error must lie in (0, 1) and excludes anchor_every");
  const std::size_t L = net.depth();
  const Phase<S> phase1(net, "moonwalk_mixed", "Phase I (forward)"), phase2(net, "moonwalk_mixed", "Phase II (reverse)");
  Gradients<S> out;
  PhaseTimer timer(out.phase_seconds);
  out.ledger.hold(Category::parameters, net.param_bytes());
  std::vector<Residual<S>> residuals(L);
  std::vector<double> gains(o.anchor_error > 0 ? L : 0);
  Mat<S> x = x0;
  for (std::size_t i = 0; i < L; ++i) {
    residuals[i] = residual(net, i, x);
    out.ledger.hold(Category::input_residuals, residuals[i].bytes());
    if (!gains.empty()) {
      timer.mark("forward");
      gains[i] = vijp_gain(net, i, x);
      timer.mark("anchor_plan");
    }
    x = phase1(i, "output", [&] { return net.forward(i, x); });
  }
  out.loss = phase1.loss(x);
  timer.mark("forward");
  Mat<S> h = phase1(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  std::vector<bool> anchored(L, false);
  for (std::size_t i = 0; o.anchor_every && i < L; ++i) anchored[i] = (i + 1) % o.anchor_every == 0;
  if (o.anchor_error > 0) {
    timer.mark("forward");
    std::vector<double> norms(L + 1);
    Mat<S> pilot = h;
    norms[L] = norm_of(pilot);
    for (std::size_t i = L; i-- > 0;) {
      pilot = phase2(i, "input cotangent", [&] { return vjp_input(net, i, residuals[i], pilot); });
      norms[i] = norm_of(pilot);
    }
    anchored = anchor_plan(gains, norms, to_double(S(eps<S>() / 2)), o.anchor_error);
    timer.mark("anchor_plan");
  }
  for (std::size_t i = 0; i < L; ++i)
    if (anchored[i]) out.anchors.push_back(i);
  ReverseShadow<S> shadow(h, L);
  std::vector<double> growth(L, 1.0);
  std::vector<Fragment<S>> fragments(L);
  std::vector<Mat<S>> anchors(L);
  for (std::size_t i = L; i-- > 0;) {
    timer.mark("reverse");
    const double one_rounding = norm_of<S>(rounding_noise(h, noise_stream(NoiseRole::reverse, i + 1)));
    growth[i] = one_rounding > 0 ? std::max(1.0, norm_of(shadow.E) / one_rounding) : 1.0;
    timer.mark("verification");
    if (anchored[i]) {
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
