// The a-posteriori error model of the gradient methods (docs/numerics.md,
// "Error estimate and certificate"). Rounding is modelled as a perturbation
// u·|v|⊙z of every cotangent a step produces (u = ε/2 the unit roundoff, z a
// fixed pseudo-random ±1 pattern). A *shadow* E, the first-order effect of
// those perturbations, is carried beside the cotangent through the same
// linear maps the method applies (vjp_input in a reverse sweep, vijp in the
// inverse-forward sweep), so it is amplified exactly as the method amplifies
// its own rounding. Where a step solves a system (a vijp), the error it adds
// is not modelled but measured: the residual of its result, which the shadow
// takes on (inverse_forward.hpp). The estimate of the relative error of all
// gradients is
//     ‖(vjp_params(x_{i−1}, E_i))_i , E_0‖ / ‖(g_i)_i , h_0‖,
// computed in the working precision, without the exact answer, for the price
// of one extra linear sweep. Also here: the faults that the certificate
// tests inject, so that a certificate is shown to catch what it claims to.
#pragma once

#include "moonwalk/reference/methods/common.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace moonwalk::reference::methods {

// The factor between the model's prediction and what a run may show before it
// is judged wrong: an estimate is trusted within a factor of 10 either way.
inline constexpr double kEstimateFactor = 10.0;

// ±1 for (stream, k): splitmix64, so every precision sees the same pattern.
inline int rounding_sign(std::uint64_t stream, std::uint64_t k) {
  std::uint64_t z = stream * 0x9E3779B97F4A7C15ull + k + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return ((z ^ (z >> 31)) & 1) ? 1 : -1;
}

// Streams: one per (role, layer), so that no two perturbations correlate.
enum class NoiseRole : std::uint64_t { reverse = 1, inverse_forward = 2, fragment = 3, anchor = 4, certificate = 5, loss = 6 };
inline std::uint64_t noise_stream(NoiseRole role, std::size_t layer) {
  return static_cast<std::uint64_t>(role) << 32 | static_cast<std::uint64_t>(layer);
}

// u·|v|⊙z: one rounding of every entry of v.
template <class S> Mat<S> rounding_noise(const Mat<S>& v, std::uint64_t stream) {
  const S u = eps<S>() / 2;
  Mat<S> n(v.rows(), v.cols());
  for (Index j = 0; j < v.cols(); ++j)
    for (Index i = 0; i < v.rows(); ++i) {
      const S a = v(i, j) < 0 ? S(-v(i, j)) : v(i, j);
      n(i, j) = u * a * S(rounding_sign(stream, static_cast<std::uint64_t>(j * v.rows() + i)));
    }
  return n;
}
template <class S> Fragment<S> rounding_noise(const Fragment<S>& f, std::uint64_t stream) {
  return Fragment<S>{rounding_noise<S>(Mat<S>(f.values), stream)};
}

template <class S> double norm_of(const Mat<S>& m) { return m.size() ? to_double(S(m.norm())) : 0.0; }
template <class S> double squared_norm_of(const Vec<S>& v) { return v.size() ? to_double(S(v.squaredNorm())) : 0.0; }

// ‖(θ_1..θ_L, ∂ℓ/∂x_0)‖ of a method's result.
template <class S> double gradient_norm(const Gradients<S>& g) {
  double sq = squared_norm_of<S>(Vec<S>(Eigen::Map<const Vec<S>>(g.input.data(), g.input.size())));
  for (const auto& p : g.params) sq += squared_norm_of<S>(p);
  return std::sqrt(sq);
}

// The shadow of a reverse sweep (backprop, checkpointed, reversible, and
// Phase II of moonwalk_mixed): E_L = u·|h_L|⊙z, then per layer, before h is
// replaced, the parameter gradient's error vjp_params(x_{i−1}, E_i), and after
// it E_{i−1} = vjp_input(E_i) + u·|h_{i−1}|⊙z.
template <class S> struct ReverseShadow {
  Mat<S> E;
  double params_sq = 0;

  explicit ReverseShadow(const Mat<S>& hL, std::size_t L) : E(rounding_noise(hL, noise_stream(NoiseRole::reverse, L))) {}
  void params(const Network<S>& net, std::size_t i, const Mat<S>& x) {
    if (net.param_count(i) > 0) params_sq += squared_norm_of<S>(vjp_params(net, i, x, E));
  }
  void input(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& h_new) {
    E = vjp_input(net, i, r, E) + rounding_noise(h_new, noise_stream(NoiseRole::reverse, i));
  }
  // The estimate of a result whose input gradient came out of this sweep.
  double estimate(const Gradients<S>& g) const {
    return estimate_of(std::sqrt(params_sq + norm_of(E) * norm_of(E)), g);
  }
  // Relative to what the gradients are at least, ‖ĝ‖ − error: an error the
  // size of the computed gradients says nothing of the true ones' size.
  static double estimate_of(double error, const Gradients<S>& g) {
    return relative_to(error, std::max(0.0, gradient_norm(g) - error));
  }
  static double relative_to(double error, double scale) {
    if (scale > 0) return error / scale;
    return error == 0 ? 0.0 : INFINITY;
  }
};

// Faults the certificate must catch, injected at one layer of the inverse-
// forward sweep: h_i from the vijp scaled by (1 + size); every fragment entry
// scaled by (1 + size); a kept anchor h_i shifted by size·‖h_i‖ along a fixed
// direction. `op` instead of `layer` applies a vijp bias at every layer of
// that operator. For verification only; a default Faults injects nothing.
struct Faults {
  enum class Kind { none, vijp_bias, fragment, anchor } kind = Kind::none;
  std::size_t layer = 0;
  std::string op;
  double size = 0;
  bool at(std::size_t i, const std::string& name) const {
    return kind != Kind::none && (op.empty() ? i == layer : name == op);
  }
};

}  // namespace moonwalk::reference::methods
