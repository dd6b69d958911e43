// space_to_depth: the i-RevNet downsampling permutation. A column is
//   channel-major C × H × W (index (c·H + r)·W + q); with block b (H and W
//   divisible by b) the output is C·b² × (H/b) × (W/b):
//     y[(c·b + a)·b + d, r, q] = x[c, r·b + a, q·b + d],  a, d ∈ [0, b).
//   No parameters. J = Π, a permutation matrix: Π Πᵀ = Πᵀ Π = I.
//   jvp: Π ẋ;  vjp_input: h = Πᵀ δ (the inverse gather); no residual
//   vijp: h = Π g, the exact inverse of the vjp (R = Πᵀ⁻¹ = Π).
//   fragment: none (J is invertible).  inverse: x = Πᵀ y (bijective).
//   domain: finite x; H, W divisible by b.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference {

template <class S> struct SpaceToDepth {
  static constexpr const char* name = "space_to_depth";
  static constexpr bool bijective = true;

  SpaceToDepth(Index channels, Index height, Index width, Index block) : C_(channels), H_(height), W_(width), b_(block) {
    require(channels > 0 && height > 0 && width > 0 && block > 0, name,
            "channels, height, width and block must be positive");
    require(height % block == 0 && width % block == 0, name, "height and width must be multiples of the block");
  }

  Index channels() const { return C_; }
  Index height() const { return H_; }
  Index width() const { return W_; }
  Index block() const { return b_; }
  Index in_dim() const { return C_ * H_ * W_; }
  Index out_dim() const { return in_dim(); }
  Index param_count() const { return 0; }
  Vec<S> params() const { return Vec<S>(0); }
  void set_params(const Vec<S>& p) { require(p.size() == 0, name, "has no parameters"); }
  template <class T> SpaceToDepth<T> cast() const { return SpaceToDepth<T>(C_, H_, W_, b_); }

  // The input index that output index e reads (Π's column in row e).
  Index source(Index e) const {
    const Index h = H_ / b_, w = W_ / b_;
    const Index q = e % w, r = (e / w) % h, oc = e / (w * h);
    const Index d = oc % b_, a = (oc / b_) % b_, c = oc / (b_ * b_);
    return (c * H_ + r * b_ + a) * W_ + q * b_ + d;
  }

  Mat<S> forward(const Mat<S>& x) const {
    check(x, "input");
    return gather(x);
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check(x, "input");
    check(xdot, "tangent");
    require(xdot.cols() == x.cols(), name, "tangent and input differ in batch size");
    require_param_dir(pdot, 0, name);
    return gather(xdot);
  }
  Residual<S> input_residual(const Mat<S>& x) const {
    check(x, "input");
    Residual<S> r;
    r.batch = x.cols();
    return r;
  }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check(delta, "output cotangent");
    require(delta.cols() == r.batch, name, "output cotangent and input differ in batch size");
    return scatter(delta);
  }
  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check(x, "input");
    check(delta, "output cotangent");
    return Vec<S>(0);
  }
  Index fragment_size(const Mat<S>&) const { return 0; }
  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check(x, "input");
    return fragment(input_residual(x), delta);
  }
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check(delta, "output cotangent");
    require(delta.cols() == r.batch, name, "output cotangent and input differ in batch size");
    return {};
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& g, const Fragment<S>& frag) const {
    check(x, "input");
    check(g, "input cotangent");
    require(g.cols() == x.cols(), name, "input cotangent and input differ in batch size");
    require_fragment(frag, 0, name);
    return gather(g);
  }
  Mat<S> inverse(const Mat<S>& y) const {
    check(y, "output");
    return scatter(y);
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    check(x, "input");
    Mat<S> J = Mat<S>::Zero(out_dim(), in_dim());
    for (Index e = 0; e < out_dim(); ++e) J(e, source(e)) = 1;
    return J;
  }

private:
  Mat<S> gather(const Mat<S>& x) const {  // Π x
    Mat<S> y(out_dim(), x.cols());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index e = 0; e < out_dim(); ++e) y(e, j) = x(source(e), j);
    return y;
  }
  Mat<S> scatter(const Mat<S>& y) const {  // Πᵀ y
    Mat<S> x(in_dim(), y.cols());
    for (Index j = 0; j < y.cols(); ++j)
      for (Index e = 0; e < out_dim(); ++e) x(source(e), j) = y(e, j);
    return x;
  }
  void check(const Mat<S>& m, const char* what) const {
    require_rows(m, in_dim(), name, what);
    require_finite(m, name, what);
  }

  Index C_, H_, W_, b_;
};

}  // namespace moonwalk::reference
