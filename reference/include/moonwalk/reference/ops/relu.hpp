// relu: y = max(x, 0), no parameters. A unit is active where x > 0.
//   J = diag(a), a = 1 at active units, 0 elsewhere
//   vjp_input: h_x = a ⊙ δ, from the activity mask (1 bit per unit)
//   fragment: δ at the inactive units, column by column in row order; its size
//     is the number of inactive units, the dimension of coker J
//   vijp: h = g at active units, the fragment at inactive ones
//   domain: finite x; submersive exactly when every unit is active.
#pragma once

#include "moonwalk/reference/ops/elementwise.hpp"

namespace moonwalk::reference {

template <class S> struct Relu : detail::Elementwise<Relu<S>, S> {
  static constexpr const char* name = "relu";
  static constexpr bool bijective = false;

  explicit Relu(Index n) : detail::Elementwise<Relu<S>, S>(n) {}

  template <class T> Relu<T> cast() const { return Relu<T>(n_); }

  Mat<S> forward(const Mat<S>& x) const {
    detail::check_elementwise_input(x, n_, name);
    return x.unaryExpr([](const S& v) { return v > 0 ? v : S(0); });
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    detail::check_elementwise_input(x, n_, name);
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, 0, name);
    return x.binaryExpr(xdot, [](const S& v, const S& t) { return v > 0 ? t : S(0); });
  }
  Residual<S> input_residual(const Mat<S>& x) const { return this->sign_residual(x); }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    return this->map_inactive(r, delta, [](const S&) { return S(0); });
  }
  Index fragment_size(const Mat<S>& x) const { return (x.array() <= 0).count(); }
  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    detail::check_elementwise_input(x, n_, name);
    detail::check_elementwise_cotangent(delta, n_, x.cols(), name, "output cotangent");
    Fragment<S> f;
    f.values.resize(fragment_size(x));
    Index k = 0;
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < n_; ++i)
        if (!(x(i, j) > 0)) f.values(k++) = delta(i, j);
    return f;
  }
  // The same fragment from the activity mask alone (Phase II keeps no inputs).
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    detail::check_elementwise_cotangent(delta, n_, r.batch, name, "output cotangent");
    Fragment<S> f;
    f.values.resize(r.mask.rows() * r.mask.cols() - r.mask.count());
    Index k = 0;
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index i = 0; i < n_; ++i)
        if (!r.mask(i, j)) f.values(k++) = delta(i, j);
    return f;
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    detail::check_elementwise_input(x, n_, name);
    detail::check_elementwise_cotangent(hx, n_, x.cols(), name, "input cotangent");
    require_fragment(frag, fragment_size(x), name);
    Mat<S> h = hx;
    Index k = 0;
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < n_; ++i)
        if (!(x(i, j) > 0)) h(i, j) = frag.values(k++);
    return h;
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    detail::check_elementwise_input(Mat<S>(x), n_, name);
    Vec<S> a = x.unaryExpr([](const S& v) { return v > 0 ? S(1) : S(0); });
    return a.asDiagonal();
  }

private:
  using detail::Elementwise<Relu<S>, S>::n_;
};

}  // namespace moonwalk::reference
