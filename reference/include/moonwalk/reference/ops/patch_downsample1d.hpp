// patch_downsample1d: non-overlapping patches (stride = kernel k) of a
//   channel-major C_in × W column, W = P·k, to C_out × P.
//   With the patch vector v_q[i·k + t] = x[i, q·k + t] and M ∈ R^{C_out × C_in·k}:
//   y[:, q] = M v_q + b. Every patch is a dense layer with the same M, so the
//   operator is a dense layer applied to the P·B patch columns of the batch.
//   θ = θ of that dense layer: vec M (column-major, M(o, i·k + t) at
//   (i·k + t)·C_out + o), then b.
//   vjp_input: v̄_q = Mᵀ δ[:, q], scattered back to the patch positions.
//   vijp: the dense right inverse, one column-pivoted QR of Mᵀ shared by every
//   patch of every sample (fully parallel over patches).
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in order within a sample; none when M has full row rank
//   (C_out ≤ C_in·k, generic weights).
//   domain: finite M, b, x; W divisible by k.
#pragma once

#include "moonwalk/reference/ops/dense.hpp"

namespace moonwalk::reference {

template <class S> struct PatchDownsample1d {
  static constexpr const char* name = "patch_downsample1d";
  static constexpr bool bijective = false;

  PatchDownsample1d(Index in_channels, Index width, Index patch, Mat<S> weight, Vec<S> bias)
      : ci_(in_channels), W_(width), k_(patch), dense_(checked(in_channels, width, patch, weight, bias), bias) {}

  Index in_channels() const { return ci_; }
  Index out_channels() const { return dense_.out_dim(); }
  Index width() const { return W_; }
  Index patch() const { return k_; }
  Index patches() const { return W_ / k_; }
  Index in_dim() const { return ci_ * W_; }
  Index out_dim() const { return out_channels() * patches(); }
  Index param_count() const { return dense_.param_count(); }
  const Dense<S>& patch_map() const { return dense_; }

  Vec<S> params() const { return dense_.params(); }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name, "parameters");
    require_finite(p, name, "parameters");
    dense_.set_params(p);
  }
  template <class T> PatchDownsample1d<T> cast() const {
    return PatchDownsample1d<T>(ci_, W_, k_, dense_.weight().template cast<T>(), dense_.bias().template cast<T>());
  }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    return unpatch_out(dense_.forward(patch_in(x)), x.cols());
  }

  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, name, "tangent and input");
    require_finite(xdot, name, "tangent");
    require_param_dir(pdot, param_count(), name);
    return unpatch_out(dense_.jvp(patch_in(x), patch_in(xdot), pdot), x.cols());
  }

  Residual<S> input_residual(const Mat<S>& x) const {
    check_input(x);
    Residual<S> r;
    r.batch = x.cols();
    return r;
  }

  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    return unpatch_in(dense_.weight().transpose() * patch_out(delta), delta.cols());
  }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    return dense_.vjp_params(patch_in(x), patch_out(delta));
  }

  Index fragment_size(const Mat<S>& x) const { return dense_.fragment_size(Mat<S>(patch_in(x))); }

  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    return dense_.fragment(patch_in(x), patch_out(delta));
  }

  Mat<S> vijp(const Mat<S>& x, const Mat<S>& g, const Fragment<S>& frag) const {
    check_input(x);
    require_same_shape(x, g, name, "input cotangent and input");
    require_finite(g, name, "input cotangent");
    require_fragment(frag, fragment_size(x), name);
    return unpatch_out(dense_.vijp(patch_in(x), patch_in(g), frag), x.cols());
  }

  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    const Mat<S>& M = dense_.weight();
    Mat<S> J = Mat<S>::Zero(out_dim(), in_dim());
    for (Index q = 0; q < patches(); ++q)
      for (Index o = 0; o < out_channels(); ++o)
        for (Index i = 0; i < ci_; ++i)
          for (Index t = 0; t < k_; ++t) J(o * patches() + q, i * W_ + q * k_ + t) = M(o, i * k_ + t);
    return J;
  }

private:
  static Mat<S> checked(Index ci, Index W, Index k, const Mat<S>& M, const Vec<S>& b) {
    require(ci > 0 && W > 0 && k > 0, name, "channels, width and patch must be positive");
    require(W % k == 0, name, "width must be a multiple of the patch size");
    require(M.cols() == ci * k, name, "weight must have C_in·k columns");
    require(M.rows() > 0, name, "weight must be non-empty");
    require(M.rows() <= ci * k, name, "C_out > C_in·k: the Jacobian is not surjective");
    require_rows(b, M.rows(), name, "bias");
    require_finite(M, name, "weight");
    require_finite(b, name, "bias");
    return M;
  }

  // C_in·W × B input (or input cotangent) ↔ C_in·k × (P·B) patch columns.
  Mat<S> patch_in(const Mat<S>& x) const {
    Mat<S> v(ci_ * k_, patches() * x.cols());
    for (Index b = 0; b < x.cols(); ++b)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index t = 0; t < k_; ++t) v(i * k_ + t, b * patches() + q) = x(i * W_ + q * k_ + t, b);
    return v;
  }
  Mat<S> unpatch_in(const Mat<S>& v, Index batch) const {
    Mat<S> x(in_dim(), batch);
    for (Index b = 0; b < batch; ++b)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index t = 0; t < k_; ++t) x(i * W_ + q * k_ + t, b) = v(i * k_ + t, b * patches() + q);
    return x;
  }
  // C_out·P × B output (or cotangent) ↔ C_out × (P·B).
  Mat<S> patch_out(const Mat<S>& y) const {
    Mat<S> v(out_channels(), patches() * y.cols());
    for (Index b = 0; b < y.cols(); ++b)
      for (Index q = 0; q < patches(); ++q)
        for (Index o = 0; o < out_channels(); ++o) v(o, b * patches() + q) = y(o * patches() + q, b);
    return v;
  }
  Mat<S> unpatch_out(const Mat<S>& v, Index batch) const {
    Mat<S> y(out_dim(), batch);
    for (Index b = 0; b < batch; ++b)
      for (Index q = 0; q < patches(); ++q)
        for (Index o = 0; o < out_channels(); ++o) y(o * patches() + q, b) = v(o, b * patches() + q);
    return y;
  }

  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, name); }

  Index ci_, W_, k_;
  Dense<S> dense_;
};

}  // namespace moonwalk::reference
