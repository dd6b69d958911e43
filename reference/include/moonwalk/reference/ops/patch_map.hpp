// What patch_downsample1d and patch_downsample2d share: non-overlapping
// ph × pw patches (stride = patch) of a column read channel-major, then
// row-major, C_in × H × W (entry (i, r, c) at (i·H + r)·W + c), H = P_h·ph,
// W = P_w·pw, each mapped by the same dense layer M ∈ R^{C_out × C_in·ph·pw}
// to C_out × P_h × P_w (patch (R, Q) at raster index q = R·P_w + Q, output
// entry (o, q) at o·P_h·P_w + q). The patch vector is
// v_q[(i·ph + a)·pw + b] = x[i, R·ph + a, Q·pw + b]; y[:, q] = M v_q + b.
// patch_downsample1d is H = 1, ph = 1, pw = k; patch_downsample2d ph = pw = k.
// Everything is dense's on the P_h·P_w·B patch columns: jvp, vjp, vjp_params;
// the vijp is dense's pivoted right inverse (one QR of Mᵀ for every patch of
// every sample); the fragment is, per patch, dense's (C_out − rank M entries),
// patches in raster order within a sample.
#pragma once

#include "moonwalk/reference/ops/dense.hpp"

namespace moonwalk::reference::detail {

// The words an operator's messages use for its own geometry.
struct PatchWords {
  const char* name;      // "patch_downsample2d"
  const char* positive;  // "channels, height, width and patch must be positive"
  const char* multiple;  // "height and width must be multiples of the patch size"
  const char* columns;   // "C_in·k²"
};

template <class S> class PatchMap {
public:
  PatchMap(PatchWords words, Index in_channels, Index height, Index width, Index ph, Index pw, const Mat<S>& weight,
           const Vec<S>& bias)
      : w_(words), ci_(in_channels), H_(height), W_(width), ph_(ph), pw_(pw),
        dense_(checked(words, in_channels, height, width, ph, pw, weight, bias), bias) {}

  Index in_channels() const { return ci_; }
  Index out_channels() const { return dense_.out_dim(); }
  Index patch_rows() const { return H_ / ph_; }
  Index patch_cols() const { return W_ / pw_; }
  Index patches() const { return patch_rows() * patch_cols(); }
  Index in_dim() const { return ci_ * H_ * W_; }
  Index out_dim() const { return out_channels() * patches(); }
  Index param_count() const { return dense_.param_count(); }
  const Dense<S>& patch_map() const { return dense_; }

  Vec<S> params() const { return dense_.params(); }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), w_.name, "parameters");
    require_finite(p, w_.name, "parameters");
    dense_.set_params(p);
  }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    return unpatch_out(dense_.forward(patch_in(x)), x.cols());
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, w_.name, "tangent and input");
    require_finite(xdot, w_.name, "tangent");
    require_param_dir(pdot, param_count(), w_.name);
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
    require_same_shape(x, g, w_.name, "input cotangent and input");
    require_finite(g, w_.name, "input cotangent");
    require_fragment(frag, fragment_size(x), w_.name);
    return unpatch_out(dense_.vijp(patch_in(x), patch_in(g), frag), x.cols());
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    const Mat<S>& M = dense_.weight();
    Mat<S> J = Mat<S>::Zero(out_dim(), in_dim());
    for (Index q = 0; q < patches(); ++q)
      for (Index o = 0; o < out_channels(); ++o)
        for (Index i = 0; i < ci_; ++i)
          for (Index a = 0; a < ph_; ++a)
            for (Index b = 0; b < pw_; ++b) J(o * patches() + q, input_index(i, q, a, b)) = M(o, patch_index(i, a, b));
    return J;
  }

private:
  static Mat<S> checked(const PatchWords& w, Index ci, Index H, Index W, Index ph, Index pw, const Mat<S>& M,
                        const Vec<S>& b) {
    require(ci > 0 && H > 0 && W > 0 && ph > 0 && pw > 0, w.name, w.positive);
    require(H % ph == 0 && W % pw == 0, w.name, w.multiple);
    require(M.cols() == ci * ph * pw, w.name, std::string("weight must have ") + w.columns + " columns");
    require(M.rows() > 0, w.name, "weight must be non-empty");
    require(M.rows() <= ci * ph * pw, w.name, std::string("C_out > ") + w.columns + ": the Jacobian is not surjective");
    require_rows(b, M.rows(), w.name, "bias");
    require_finite(M, w.name, "weight");
    require_finite(b, w.name, "bias");
    return M;
  }

  Index patch_index(Index i, Index a, Index b) const { return (i * ph_ + a) * pw_ + b; }
  // Index in a column of input channel i, offset (a, b) inside patch q.
  Index input_index(Index i, Index q, Index a, Index b) const {
    const Index R = q / patch_cols(), Q = q % patch_cols();
    return (i * H_ + R * ph_ + a) * W_ + Q * pw_ + b;
  }
  // C_in·H·W × B input (or input cotangent) ↔ C_in·ph·pw × (patches·B) patch columns.
  Mat<S> patch_in(const Mat<S>& x) const {
    Mat<S> v(ci_ * ph_ * pw_, patches() * x.cols());
    for (Index n = 0; n < x.cols(); ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index a = 0; a < ph_; ++a)
            for (Index b = 0; b < pw_; ++b) v(patch_index(i, a, b), n * patches() + q) = x(input_index(i, q, a, b), n);
    return v;
  }
  Mat<S> unpatch_in(const Mat<S>& v, Index batch) const {
    Mat<S> x(in_dim(), batch);
    for (Index n = 0; n < batch; ++n)
      for (Index q = 0; q < patches(); ++q)
        for (Index i = 0; i < ci_; ++i)
          for (Index a = 0; a < ph_; ++a)
            for (Index b = 0; b < pw_; ++b) x(input_index(i, q, a, b), n) = v(patch_index(i, a, b), n * patches() + q);
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
  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), w_.name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, w_.name); }

  PatchWords w_;
  Index ci_, H_, W_, ph_, pw_;
  Dense<S> dense_;
};

}  // namespace moonwalk::reference::detail
