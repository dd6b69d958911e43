// dense: y = A x + b, A ∈ R^{m×n}, b ∈ R^m, parameters θ = (vec A, b).
//   J = A;  K θ̇ = Ȧ x + ḃ
//   vjp_input: h_x = Aᵀ δ;  vjp_params: (δ xᵀ, Σ_batch δ)
//   vijp: the pivoted right inverse of A (pivoted_right_inverse.hpp), factored
//     once and shared by the batch: with Aᵀ P = Q [R11 R12; 0 0], rank r, and
//     v = Pᵀ h: v₂ = f (the fragment), v₁ = R11⁻¹((Qᵀ g)₁ − R12 f). For r = m
//     this is the least-squares right inverse (Aᵀ)⁺ and there is no fragment.
//   fragment: f = (Pᵀ δ)₂, the m − r entries of δ at the columns of Aᵀ that the
//     pivoting left out; size (m − r) per sample, the cokernel dimension.
//   domain: finite A, b, x.
#pragma once

#include "moonwalk/reference/ops/pivoted_right_inverse.hpp"
#include "moonwalk/reference/tensor.hpp"

#include <memory>

namespace moonwalk::reference {

template <class S> struct Dense {
  static constexpr const char* name = "dense";
  static constexpr bool bijective = false;

  Dense(Mat<S> weight, Vec<S> bias) : W_(std::move(weight)), b_(std::move(bias)) { validate(); }

  Index in_dim() const { return W_.cols(); }
  Index out_dim() const { return W_.rows(); }
  Index param_count() const { return W_.size() + b_.size(); }
  const Mat<S>& weight() const { return W_; }
  const Vec<S>& bias() const { return b_; }

  Vec<S> params() const {
    Vec<S> p(param_count());
    p << Eigen::Map<const Vec<S>>(W_.data(), W_.size()), b_;
    return p;
  }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name, "parameters");
    W_ = Eigen::Map<const Mat<S>>(p.data(), W_.rows(), W_.cols());
    b_ = p.tail(b_.size());
    factor_.reset();
    validate();
  }
  template <class T> Dense<T> cast() const { return Dense<T>(W_.template cast<T>(), b_.template cast<T>()); }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    return (W_ * x).colwise() + b_;
  }

  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, param_count(), name);
    Mat<S> y = W_ * xdot;
    if (pdot.size()) {
      Eigen::Map<const Mat<S>> Wdot(pdot.data(), W_.rows(), W_.cols());
      y += Wdot * x;
      y.colwise() += pdot.tail(b_.size());
    }
    return y;
  }

  Residual<S> input_residual(const Mat<S>& x) const {
    check_input(x);
    Residual<S> r;
    r.batch = x.cols();
    return r;
  }

  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    return W_.transpose() * delta;
  }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    Vec<S> g(param_count());
    Mat<S> gW = delta * x.transpose();
    g << Eigen::Map<const Vec<S>>(gW.data(), gW.size()), delta.rowwise().sum();
    return g;
  }

  Index fragment_size(const Mat<S>& x) const { return factor().cokernel() * x.cols(); }

  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    return fragment(input_residual(x), delta);
  }
  // The fragment depends on A and δ only: Phase II needs no input.
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    return {factor().fragment(delta)};
  }

  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    check_input(x);
    require_same_shape(x, hx, name, "input cotangent and input");
    require_finite(hx, name, "input cotangent");
    require_fragment(frag, factor().cokernel() * x.cols(), name);
    return factor().solve(hx, frag.values);
  }

  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    return W_;
  }

private:
  void validate() const {
    require(W_.rows() > 0 && W_.cols() > 0, name, "weight must be non-empty");
    require_rows(b_, W_.rows(), name, "bias");
    require_finite(W_, name, "weight");
    require_finite(b_, name, "bias");
  }
  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, name); }
  // The factorization is a pure function of A: computed once, shared by every
  // column of the batch and by copies of this layer.
  const PivotedRightInverse<S>& factor() const {
    if (!factor_) factor_ = std::make_shared<const PivotedRightInverse<S>>(W_);
    return *factor_;
  }

  Mat<S> W_;
  Vec<S> b_;
  mutable std::shared_ptr<const PivotedRightInverse<S>> factor_;
};

}  // namespace moonwalk::reference
