// global_avg_pool: a column is C × P channel-major (P spatial positions,
// W in 1-D or H·W in 2-D); y_c = (1/P) Σ_p x[c·P + p]. No parameters.
//   J = (1/P) [I_C ⊗ 1_Pᵀ]
//   vjp_input: h_x[c·P + p] = δ_c / P (broadcast); no residual
//   vijp: h_c = Σ_p g[c·P + p] — the right inverse R = P·Jᵀ, since J Jᵀ = I/P
//   fragment: none (J has full row rank C)
//   domain: finite x.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference {

template <class S> struct GlobalAvgPool {
  static constexpr const char* name = "global_avg_pool";
  static constexpr bool bijective = false;

  GlobalAvgPool(Index channels, Index positions) : C_(channels), P_(positions) {
    require(channels > 0 && positions > 0, name, "channels and positions must be positive");
  }

  Index in_dim() const { return C_ * P_; }
  Index out_dim() const { return C_; }
  Index param_count() const { return 0; }
  Index channels() const { return C_; }
  Index positions() const { return P_; }
  Vec<S> params() const { return Vec<S>(0); }
  void set_params(const Vec<S>& p) { require(p.size() == 0, name, "has no parameters"); }
  template <class T> GlobalAvgPool<T> cast() const { return GlobalAvgPool<T>(C_, P_); }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    return sum_positions(x) / S(P_);
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, 0, name);
    return sum_positions(xdot) / S(P_);
  }
  Residual<S> input_residual(const Mat<S>& x) const {
    check_input(x);
    Residual<S> r;
    r.batch = x.cols();
    return r;
  }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    Mat<S> h(in_dim(), delta.cols());
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index c = 0; c < C_; ++c) h.col(j).segment(c * P_, P_).setConstant(delta(c, j) / S(P_));
    return h;
  }
  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    return Vec<S>(0);
  }
  Index fragment_size(const Mat<S>&) const { return 0; }
  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    return fragment(input_residual(x), delta);
  }
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    return {};
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    check_input(x);
    require_same_shape(x, hx, name, "input cotangent and input");
    require_finite(hx, name, "input cotangent");
    require_fragment(frag, 0, name);
    return sum_positions(hx);
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    Mat<S> J = Mat<S>::Zero(C_, in_dim());
    for (Index c = 0; c < C_; ++c) J.row(c).segment(c * P_, P_).setConstant(S(1) / S(P_));
    return J;
  }

private:
  Mat<S> sum_positions(const Mat<S>& x) const {
    Mat<S> y(C_, x.cols());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index c = 0; c < C_; ++c) y(c, j) = x.col(j).segment(c * P_, P_).sum();
    return y;
  }
  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, C_, batch, name); }
  Index C_, P_;
};

}  // namespace moonwalk::reference
