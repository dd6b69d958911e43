// patch_downsample2d: non-overlapping p × p patches (stride = kernel p) of a
//   column read channel-major, then row-major: C_in × H × W, entry (i, r, c) at
//   i·H·W + r·W + c, with H = P_h·p, W = P_w·p. The output is C_out × P_h × P_w,
//   patch (R, Q) at raster index q = R·P_w + Q. With the patch vector
//   v_q[(i·p + a)·p + b] = x[i, R·p + a, Q·p + b] and M ∈ R^{C_out × C_in·p²}:
//   y[:, q] = M v_q + b. Every patch is a dense layer with the same M, so the
//   operator is a dense layer applied to the P_h·P_w·B patch columns of the
//   batch.
//   θ = θ of that dense layer: vec M (column-major, M(o, (i·p + a)·p + b) at
//   ((i·p + a)·p + b)·C_out + o), then b.
//   vjp_input: v̄_q = Mᵀ δ[:, q], scattered back to the patch positions.
//   vijp: the dense right inverse, one column-pivoted QR of Mᵀ shared by every
//   patch of every sample (fully parallel over patches).
//   fragment: per patch, the C_out − rank(M) pivot-excluded entries of δ,
//   patches in raster order within a sample; none when M has full row rank
//   (C_out ≤ C_in·p², generic weights).
//   domain: finite M, b, x; H and W divisible by p.
#pragma once

#include "moonwalk/reference/ops/dense.hpp"

namespace moonwalk::reference {

template <class S> struct PatchDownsample2d {
  static constexpr const char* name = "patch_downsample2d";
  static constexpr bool bijective = false;

  PatchDownsample2d(Index in_channels, Index height, Index width, Index patch, Mat<S> weight, Vec<S> bias)
      : ci_(in_channels), H_(height), W_(width), p_(patch),
        dense_(checked(in_channels, height, width, patch, weight, bias), bias) {}

  Index in_channels() const { return ci_; }
  Index out_channels() const { return dense_.out_dim(); }
  Index height() const { return H_; }
  Index width() const { return W_; }
  Index patch() const { return p_; }
  Index patch_rows() const { return H_ / p_; }
  Index patch_cols() const { return W_ / p_; }
  Index patches() const { return patch_rows() * patch_cols(); }
  Index in_dim() const { return ci_ * H_ * W_; }
  Index out_dim() const { return out_channels() * patches(); }
  Index param_count() const { return dense_.param_count(); }
  const Dense<S>& patch_map() const { return dense_; }

  Vec<S> params() const { return dense_.params(); }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name, "parameters");
    require_finite(p, name, "parameters");
    dense_.set_params(p);
  }
  template <class T> PatchDownsample2d<T> cast() const {
    return PatchDownsample2d<T>(ci_, H_, W_, p_, dense_.weight().template cast<T>(), dense_.bias().template cast<T>());
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
    return fragment(input_residual(x), delta);
  }
  // The fragment depends on M and δ only: Phase II needs no input.
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    Residual<S> per_patch;
    per_patch.batch = patches() * r.batch;
    return dense_.fragment(per_patch, patch_out(delta));
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
          for (Index a = 0; a < p_; ++a)
            for (Index b = 0; b < p_; ++b) J(o * patches() + q, input_index(i, q, a, b)) = M(o, (i * p_ + a) * p_ + b);
    return J;
  }

private:
  static Mat<S> checked(Index ci, Index H, Index W, Index p, const Mat<S>& M, const Vec<S>& b) {
    require(ci > 0 && H > 0 && W > 0 && p > 0, name, "channels, height, width and patch must be positive");
    require(H % p == 0 && W % p == 0, name, "height and width must be multiples of the patch size");
    require(M.cols() == ci * p * p, name, "weight must have C_in·p² columns");
    require(M.rows() > 0, name, "weight must be non-empty");
    require(M.rows() <= ci * p * p, name, "C_out > C_in·p²: the Jacobian is not surjective");
    require_rows(b, M.rows(), name, "bias");
    require_finite(M, name, "weight");
    require_finite(b, name, "bias");
    return M;
  }

  // Index in a column of input channel i, offset (a, b) inside patch q.
  Index input_index(Index i, Index q, Index a, Index b) const {
    const Index R = q / patch_cols(), Q = q % patch_cols();
    return (i * H_ + R * p_ + a) * W_ + Q * p_ + b;
  }

  // C_in·H·W × B input (or input cotangent) ↔ C_in·p² × (patches·B) patch columns.
  Mat<S> patch_in(const Mat<S>& x) const {
    Mat<S> v(ci_ * p_ * p_, patches() * x.cols());
    for (Index n = 0; n < x.cols(); ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index a = 0; a < p_; ++a)
            for (Index b = 0; b < p_; ++b) v((i * p_ + a) * p_ + b, n * patches() + q) = x(input_index(i, q, a, b), n);
    return v;
  }
  Mat<S> unpatch_in(const Mat<S>& v, Index batch) const {
    Mat<S> x(in_dim(), batch);
    for (Index n = 0; n < batch; ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index a = 0; a < p_; ++a)
            for (Index b = 0; b < p_; ++b) x(input_index(i, q, a, b), n) = v((i * p_ + a) * p_ + b, n * patches() + q);
    return x;
  }
  // C_out·patches × B output (or cotangent) ↔ C_out × (patches·B).
  Mat<S> patch_out(const Mat<S>& y) const {
    Mat<S> v(out_channels(), patches() * y.cols());
    for (Index n = 0; n < y.cols(); ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index o = 0; o < out_channels(); ++o) v(o, n * patches() + q) = y(o * patches() + q, n);
    return v;
  }
  Mat<S> unpatch_out(const Mat<S>& v, Index batch) const {
    Mat<S> y(out_dim(), batch);
    for (Index n = 0; n < batch; ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index o = 0; o < out_channels(); ++o) y(o * patches() + q, n) = v(o, n * patches() + q);
    return y;
  }

  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, name); }

  Index ci_, H_, W_, p_;
  Dense<S> dense_;
};

}  // namespace moonwalk::reference
