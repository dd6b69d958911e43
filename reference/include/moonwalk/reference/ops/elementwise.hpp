// What the element-wise operators (leaky_relu, relu, tanh) share: in_dim =
// out_dim = n, no parameters, and (unless the operator says otherwise, as
// relu does) no fragment.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference::detail {

template <class S> void check_elementwise_input(const Mat<S>& x, Index n, const char* op) {
  require_rows(x, n, op, "input");
  require_finite(x, op, "input");
}

template <class S> void check_elementwise_cotangent(const Mat<S>& d, Index n, Index batch, const char* op,
                                                    const char* what) {
  require_rows(d, n, op, what);
  require(d.cols() == batch, op, std::string(what) + " and input differ in batch size");
  require_finite(d, op, what);
}

inline void check_no_params(Index p, const char* op) {
  if (p != 0) fail(op, "has no parameters, but a parameter direction was given");
}

// The parameter-free, fragment-free members; Derived has `name`.
template <class Derived, class S> class Elementwise {
public:
  explicit Elementwise(Index n) : n_(n) { require(n > 0, Derived::name, "dimension must be positive"); }

  Index in_dim() const { return n_; }
  Index out_dim() const { return n_; }
  Index param_count() const { return 0; }
  Vec<S> params() const { return Vec<S>(0); }
  void set_params(const Vec<S>& p) { check_no_params(p.size(), Derived::name); }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_elementwise_input(x, n_, Derived::name);
    check_elementwise_cotangent(delta, n_, x.cols(), Derived::name, "output cotangent");
    return Vec<S>(0);
  }
  Index fragment_size(const Mat<S>&) const { return 0; }
  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_elementwise_input(x, n_, Derived::name);
    return fragment(Residual<S>{{}, {}, x.cols()}, delta);
  }
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_elementwise_cotangent(delta, n_, r.batch, Derived::name, "output cotangent");
    return {};
  }

protected:
  // relu's and leaky_relu's residual: the sign mask, 1 bit per unit (x > 0).
  Residual<S> sign_residual(const Mat<S>& x) const {
    check_elementwise_input(x, n_, Derived::name);
    Residual<S> r;
    r.mask = BitMask::from(x, [](const S& v) { return v > 0; });
    r.batch = x.cols();
    return r;
  }
  // δ with each entry at a unit that was not positive replaced by
  // inactive(δ_ij): their vjp_input, J = diag(1 or the slope).
  template <class F> Mat<S> map_inactive(const Residual<S>& r, const Mat<S>& delta, F inactive) const {
    check_elementwise_cotangent(delta, n_, r.batch, Derived::name, "output cotangent");
    Mat<S> h = delta;
    for (Index j = 0; j < h.cols(); ++j)
      for (Index i = 0; i < n_; ++i)
        if (!r.mask(i, j)) h(i, j) = inactive(h(i, j));
    return h;
  }

  Index n_;
};

}  // namespace moonwalk::reference::detail
