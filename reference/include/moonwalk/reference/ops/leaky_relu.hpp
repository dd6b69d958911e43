// leaky_relu(α): y = x for x > 0, y = α x otherwise; α > 0, no parameters.
//   J = diag(s), s = 1 where x > 0, α elsewhere
//   vjp_input: h_x = s ⊙ δ, from the sign mask (1 bit per unit)
//   vijp: h = g ⊘ s;  fragment: none (bijective, always submersive)
//   inverse: x = y for y > 0, y / α otherwise
//   domain: finite x; α finite and > 0 (α = 0 is relu, α < 0 is not injective).
#pragma once

#include "moonwalk/reference/ops/elementwise.hpp"

#include <sstream>

namespace moonwalk::reference {

template <class S> struct LeakyRelu : detail::Elementwise<LeakyRelu<S>, S> {
  static constexpr const char* name = "leaky_relu";
  static constexpr bool bijective = true;

  LeakyRelu(Index n, S alpha) : detail::Elementwise<LeakyRelu<S>, S>(n), alpha_(alpha) {
    require(is_finite(alpha), name, "slope must be finite");
    if (!(alpha > 0)) {
      std::ostringstream s;
      s << "slope must be > 0, got " << to_double(alpha) << " (0 is relu, which needs fragments)";
      fail(name, s.str());
    }
  }

  S alpha() const { return alpha_; }
  template <class T> LeakyRelu<T> cast() const { return LeakyRelu<T>(n_, T(alpha_)); }

  Mat<S> forward(const Mat<S>& x) const {
    detail::check_elementwise_input(x, n_, name);
    return x.unaryExpr([this](const S& v) { return v > 0 ? v : S(alpha_ * v); });
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    detail::check_elementwise_input(x, n_, name);
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, 0, name);
    return x.binaryExpr(xdot, [this](const S& v, const S& t) { return v > 0 ? t : S(alpha_ * t); });
  }
  Residual<S> input_residual(const Mat<S>& x) const { return this->sign_residual(x); }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    return this->map_inactive(r, delta, [this](const S& d) { return S(d * alpha_); });
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    detail::check_elementwise_input(x, n_, name);
    detail::check_elementwise_cotangent(hx, n_, x.cols(), name, "input cotangent");
    require_fragment(frag, 0, name);
    return x.binaryExpr(hx, [this](const S& v, const S& g) { return v > 0 ? g : S(g / alpha_); });
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    detail::check_elementwise_input(Mat<S>(x), n_, name);
    Vec<S> s = x.unaryExpr([this](const S& v) { return v > 0 ? S(1) : alpha_; });
    return s.asDiagonal();
  }
  Mat<S> inverse(const Mat<S>& y) const {
    detail::check_elementwise_input(y, n_, name);
    return y.unaryExpr([this](const S& v) { return v > 0 ? v : S(v / alpha_); });
  }

private:
  using detail::Elementwise<LeakyRelu<S>, S>::n_;
  S alpha_;
};

}  // namespace moonwalk::reference
