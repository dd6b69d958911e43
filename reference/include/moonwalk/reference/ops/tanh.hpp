// tanh: y = tanh(x), no parameters.
//   J = diag(t), t = 1 − y² = 1 / cosh²(x)
//   vjp_input: h_x = t ⊙ δ, the residual keeps x: t from cosh(x) is accurate
//     to a few ulps, while 1 − y² from a rounded y loses y²/(1 − y²) ulps
//   vijp: h = g ⊘ t;  fragment: none
//   inverse: x = atanh(y), |y| < 1
//   domain: finite x with t > 0 in the working precision (cosh² overflows
//   beyond |x| ≈ 44 in float, 355 in double: the vijp refuses it).
#pragma once

#include "moonwalk/reference/ops/elementwise.hpp"

#include <sstream>

namespace moonwalk::reference {

template <class S> struct Tanh : detail::Elementwise<Tanh<S>, S> {
  static constexpr const char* name = "tanh";
  static constexpr bool bijective = true;

  explicit Tanh(Index n) : detail::Elementwise<Tanh<S>, S>(n) {}

  template <class T> Tanh<T> cast() const { return Tanh<T>(n_); }

  Mat<S> forward(const Mat<S>& x) const {
    detail::check_elementwise_input(x, n_, name);
    return x.unaryExpr([](const S& v) {
      using std::tanh;
      return S(tanh(v));
    });
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, 0, name);
    detail::check_elementwise_input(x, n_, name);
    return derivative(x).cwiseProduct(xdot);
  }
  Residual<S> input_residual(const Mat<S>& x) const {
    detail::check_elementwise_input(x, n_, name);
    Residual<S> r;
    r.values = x;
    r.batch = x.cols();
    return r;
  }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    detail::check_elementwise_cotangent(delta, n_, r.batch, name, "output cotangent");
    return derivative(r.values).cwiseProduct(delta);
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    detail::check_elementwise_cotangent(hx, n_, x.cols(), name, "input cotangent");
    require_fragment(frag, 0, name);
    detail::check_elementwise_input(x, n_, name);
    Mat<S> d = derivative(x);
    for (Index j = 0; j < d.cols(); ++j)
      for (Index i = 0; i < n_; ++i)
        if (!(d(i, j) > 0)) {
          std::ostringstream s;
          s << "derivative 1/cosh(x)^2 underflows to 0 at x = " << to_double(x(i, j)) << " in " << scalar_name<S>()
            << ": the layer is not invertible there";
          fail(name, s.str());
        }
    return hx.cwiseQuotient(d);
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    detail::check_elementwise_input(Mat<S>(x), n_, name);
    Vec<S> d = derivative(Mat<S>(x));
    return d.asDiagonal();
  }
  Mat<S> inverse(const Mat<S>& y) const {
    detail::check_elementwise_input(y, n_, name);
    require((y.array().abs() < S(1)).all(), name, "inverse needs |y| < 1");
    return y.unaryExpr([](const S& v) {
      using std::atanh;
      return S(atanh(v));
    });
  }

private:
  using detail::Elementwise<Tanh<S>, S>::n_;
  static Mat<S> derivative(const Mat<S>& x) {
    return x.unaryExpr([](const S& v) {
      using std::cosh;
      const S c = cosh(v);
      return S(1 / (c * c));
    });
  }
};

}  // namespace moonwalk::reference
