// Phase III of Moonwalk, shared by the pure-forward and mixed methods: from
// (x_0, h_0), for i = 1..L recompute x_i, rebuild h_i = vijp_i(x_{i-1},
// h_{i-1}, fragment_i) (or take the anchor kept for layer i), emit g_i =
// vjp_params(x_{i-1}, h_i), and record the residual certificate
// ‖vjp_input(h_i) − h_{i−1}‖ / ‖h_{i−1}‖ with its bound. At the end the
// rebuilt h_L is compared with ∂ℓ/∂x_L recomputed from x_L (the terminal
// certificate): every error the sweep accumulated reaches it, a wrong
// fragment included, which J_iᵀ annihilates and layer i's residual cannot see.
//
// The shadow E_i (error_model.hpp) rides along: with res_i = J_iᵀh_i − h_{i−1}
// the residual this step measured, E_i = vijp_i(E_{i−1} + u·|h_{i−1}|⊙z,
// u·|fragment_i|⊙z) + vijp_i(res_i, 0), or a fresh perturbation of a kept
// anchor. A certificate exceeds its bound when the residual is more than
// kEstimateFactor times what the model predicts for it. Cost: two extra
// vijps, one vjp and one vjp_params per layer.
#pragma once

#include "moonwalk/reference/methods/error_model.hpp"
#include "moonwalk/reference/methods/phase_timer.hpp"

#include <cstdio>
#include <functional>
#include <limits>

namespace moonwalk::reference::methods {

namespace detail {

// Numerators compared so that a zero denominator (a zero cotangent) still
// decides; a prediction that is not finite bounds nothing and never passes.
inline bool exceeds(double residual, double predicted) {
  return !(std::isfinite(residual) && std::isfinite(predicted) && residual <= kEstimateFactor * predicted);
}
inline std::string exceed_message(double c, double b) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "certificate %.3e > bound %.3e", c, b);
  return buf;
}

// The shadow's vijp, where the shadow outgrew the working range: a result
// the model cannot vouch for, which the estimate then reports as infinite.
template <class S>
Mat<S> shadow_vijp(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& g, const Fragment<S>& f) {
  try {
    return vijp(net, i, x, g, f);
  } catch (const NonFiniteError&) {
    return Mat<S>::Constant(net.out_dim(i), g.cols(), std::numeric_limits<S>::infinity());
  }
}

template <class S> Mat<S> anchor_fault(const Mat<S>& h, double size) {
  Mat<S> d(h.rows(), h.cols());
  for (Index j = 0; j < h.cols(); ++j)
    for (Index i = 0; i < h.rows(); ++i)
      d(i, j) = S(rounding_sign(noise_stream(NoiseRole::anchor, 0), static_cast<std::uint64_t>(j * h.rows() + i)));
  return h + d * S(size * norm_of(h) / norm_of(d));
}

}  // namespace detail

// `method` names the caller in errors (common.hpp, Phase). fragment_of(i)
// gives layer i's fragment; anchor_of(i) a pointer to the kept
// h_i or nullptr. The ledger is told when each is released. E0 is the shadow
// of h_0 (from Phase II, or a rounding of h_0); kept_growth[i] (empty: 1)
// scales the perturbation of what Phase II kept at layer i by how much its
// shadow had grown there.
template <class S>
void inverse_forward(const char* method, const Network<S>& net, const Mat<S>& x0, const Mat<S>& h0, Gradients<S>& out,
                     const std::function<Fragment<S>(std::size_t)>& fragment_of,
                     const std::function<const Mat<S>*(std::size_t)>& anchor_of, const Mat<S>& E0,
                     const std::vector<double>& kept_growth = {}, const Faults& faults = {},
                     PhaseTimer* timer = nullptr) {
  // The sweep's own work is charged to "inverse_forward", the shadow's and
  // the certificates' to "verification".
  auto mark = [&](const char* phase) {
    if (timer) timer->mark(phase);
  };
  const Phase<S> sweep(net, method, "Phase III (inverse-forward)");
  const std::size_t L = net.depth();
  out.params.resize(L);
  out.certificate.assign(L, 0.0);
  out.certificate_bound.assign(L, 0.0);
  auto growth = [&](std::size_t i) { return S(kept_growth.empty() ? 1.0 : kept_growth[i]); };
  auto note = [&](const std::string& where, const std::string& what) {
    if (out.exceeded.empty()) out.exceeded = where + ": " + what;
  };
  double params_sq = 0;
  Mat<S> x = x0, h_prev = h0, E = E0;
  for (std::size_t i = 0; i < L; ++i) {
    mark("inverse_forward");
    const bool faulty = faults.at(i, net.layer_name(i));
    const Residual<S> r = residual(net, i, x);
    const Mat<S> E_in = E + rounding_noise(h_prev, noise_stream(NoiseRole::inverse_forward, i));
    mark("verification");
    const Mat<S>* anchor = anchor_of(i);
    Fragment<S> f_noise;
    Mat<S> h;
    if (anchor) {
      h = faulty && faults.kind == Faults::Kind::anchor ? detail::anchor_fault(*anchor, faults.size) : *anchor;
    } else {
      Fragment<S> f = fragment_of(i);
      f_noise.values = rounding_noise(f, noise_stream(NoiseRole::fragment, i)).values * growth(i);
      if (faulty && faults.kind == Faults::Kind::fragment) f.values *= S(1 + faults.size);
      h = sweep(i, "output cotangent", [&] { return vijp(net, i, x, h_prev, f); });
      if (faulty && faults.kind == Faults::Kind::vijp_bias) h *= S(1 + faults.size);
    }
    mark("inverse_forward");
    // The measured residual: h_i solves J_iᵀ h = h_{i−1} + res exactly (to the
    // rounding of this product), so res is the error this step added to the
    // right-hand side; the shadow carries it on, amplified as the method will.
    const Mat<S> back = vjp_input(net, i, r, h);
    const Mat<S> res = back - h_prev;
    // The shadow of what came in and of the residual are kept apart for the
    // bound: the residual's own part outside J_iᵀ's range is exactly what
    // the certificate measures (the incoming error there), so the prediction
    // takes the model's instead.
    const Mat<S> E_model = anchor ? rounding_noise(*anchor, noise_stream(NoiseRole::anchor, i)) * growth(i)
                                  : detail::shadow_vijp(net, i, x, E_in, f_noise);
    E = anchor ? E_model
               : Mat<S>(E_model + detail::shadow_vijp(net, i, x, res, Fragment<S>{Vec<S>::Zero(f_noise.size())}));
    if (net.param_count(i) > 0) {
      mark("verification");
      out.params[i] = sweep(i, "parameter gradient", [&] { return vjp_params(net, i, x, h); });
      mark("inverse_forward");
      // The shadow matches the error's size within the model's factor, not
      // its direction, which decides how much of it vjp_params keeps: where
      // the error the shadow allows, kEstimateFactor·‖E‖, reaches what h_i is
      // at least, ‖ĥ_i‖ − kEstimateFactor·‖E‖, these parameter gradients are
      // taken to be as wrong as h_i is, relatively, ‖E‖ / (‖ĥ_i‖ − ‖E‖)
      // (all wrong from ‖E‖ ≥ ‖ĥ_i‖/2 on), whatever vjp_params of the shadow
      // says.
      const double shadow_sq = squared_norm_of<S>(vjp_params(net, i, x, E));
      const double shadow_norm = norm_of(E), h_norm = norm_of(h);
      if (shadow_norm > 0 && 2 * kEstimateFactor * shadow_norm >= h_norm) {
        const double lost = 2 * shadow_norm >= h_norm ? 1 : shadow_norm / (h_norm - shadow_norm);
        params_sq += std::max(shadow_sq, lost * lost * squared_norm_of<S>(out.params[i]));
      } else {
        params_sq += shadow_sq;
      }
    }
    // What the model predicts for the residual: the part of the shadowed
    // right-hand side no h_i can explain (the incoming error outside J_iᵀ's
    // range), with one rounding of h_i pushed through vjp_input (independent
    // patterns: their norms add in quadrature), plus one rounding of Jᵀh_i.
    const Mat<S> pushed =
        vjp_input(net, i, r, Mat<S>(E_model + rounding_noise(h, noise_stream(NoiseRole::certificate, i))));
    const double predicted =
        norm_of<S>(pushed - E_in) + norm_of<S>(rounding_noise(back, noise_stream(NoiseRole::certificate, L + i)));
    const double residual_norm = norm_of(res), scale = norm_of(h_prev);
    out.certificate[i] = ReverseShadow<S>::relative_to(residual_norm, scale);
    out.certificate_bound[i] = ReverseShadow<S>::relative_to(kEstimateFactor * predicted, scale);
    if (detail::exceeds(residual_norm, predicted))
      note(net.label(i), detail::exceed_message(out.certificate[i], out.certificate_bound[i]));
    // Where the model itself overflowed, the error it stands for did too.
    if (!std::isfinite(norm_of(E))) note(net.label(i), "the error model's shadow overflowed: no estimate from here on");
    mark("verification");
    x = sweep(i, "output", [&] { return net.forward(i, x); });
    h_prev = std::move(h);
  }
  mark("inverse_forward");
  const Mat<S> hL = sweep(L, "∂ℓ/∂x_L", [&] { return net.loss_gradient(x); });
  const double gap = norm_of<S>(h_prev - hL), scale = norm_of(hL);
  const double predicted = norm_of(E) + norm_of<S>(rounding_noise(hL, noise_stream(NoiseRole::loss, L)));
  out.terminal = ReverseShadow<S>::relative_to(gap, scale);
  out.terminal_bound = ReverseShadow<S>::relative_to(kEstimateFactor * predicted, scale);
  if (detail::exceeds(gap, predicted))
    note("loss", "the rebuilt ∂ℓ/∂x_L " + detail::exceed_message(out.terminal, out.terminal_bound));
  else if (!(out.terminal < 1)) {
    char buf[112];
    std::snprintf(buf, sizeof buf, "the rebuilt ∂ℓ/∂x_L is off by %.3e relative: not one correct digit", out.terminal);
    note("loss", buf);
  }
  out.estimate = ReverseShadow<S>::estimate_of(std::sqrt(params_sq + norm_of(E0) * norm_of(E0)), out);
  mark("verification");
}

}  // namespace moonwalk::reference::methods
