// additive_coupling (RevNet block): x = (x₁, x₂), each of dimension d;
//   y₁ = x₁ + F(x₂),  y₂ = x₂ + G(y₁),
// with F, G one-hidden-layer nets z ↦ A₂ tanh(A₁ z + b₁) + b₂ (CouplingNet).
// Parameters θ = (θ_F, θ_G).
//   J = [[I, J_F], [J_G, I + J_G J_F]]   (J_F at x₂, J_G at y₁)
//   vjp_input: a = δ₁ + J_Gᵀ δ₂;  h_x = (a, δ₂ + J_Fᵀ a); the residual keeps x
//   vjp_params: (vjp of F at x₂ with a, vjp of G at y₁ with δ₂)
//   vijp: δ₂ = g₂ − J_Fᵀ g₁, δ₁ = g₁ − J_Gᵀ δ₂ — two local vjps, no solve
//   inverse: x₂ = y₂ − G(y₁), x₁ = y₁ − F(x₂);  fragment: none (bijective)
//   domain: finite weights and inputs.
#pragma once

#include "moonwalk/reference/ops/dense.hpp"

namespace moonwalk::reference {

template <class S> struct CouplingNet {
  Dense<S> inner, outer;

  CouplingNet(Dense<S> in, Dense<S> out) : inner(std::move(in)), outer(std::move(out)) {
    require(outer.in_dim() == inner.out_dim() && outer.out_dim() == inner.in_dim(), "additive_coupling",
            "inner net must map d -> k -> d");
  }
  Index dim() const { return inner.in_dim(); }
  Index param_count() const { return inner.param_count() + outer.param_count(); }
  Vec<S> params() const {
    Vec<S> p(param_count());
    p << inner.params(), outer.params();
    return p;
  }
  void set_params(const Vec<S>& p) {
    inner.set_params(p.head(inner.param_count()));
    outer.set_params(p.tail(outer.param_count()));
  }
  template <class T> CouplingNet<T> cast() const { return CouplingNet<T>(inner.template cast<T>(), outer.template cast<T>()); }

  Mat<S> hidden(const Mat<S>& z) const {
    return inner.forward(z).unaryExpr([](const S& v) {
      using std::tanh;
      return S(tanh(v));
    });
  }
  Mat<S> forward(const Mat<S>& z) const { return outer.forward(hidden(z)); }
  Mat<S> jvp(const Mat<S>& z, const Mat<S>& zdot, const Vec<S>& pdot) const {
    const Mat<S> a = hidden(z);
    const Vec<S> pi = pdot.size() ? Vec<S>(pdot.head(inner.param_count())) : Vec<S>(0);
    const Vec<S> po = pdot.size() ? Vec<S>(pdot.tail(outer.param_count())) : Vec<S>(0);
    Mat<S> adot = slope(a).cwiseProduct(inner.jvp(z, zdot, pi));
    return outer.jvp(a, adot, po);
  }
  // Cotangent of z, and of the parameters, for output cotangent d.
  Mat<S> vjp_input(const Mat<S>& z, const Mat<S>& d) const {
    const Mat<S> a = hidden(z);
    return inner.weight().transpose() * slope(a).cwiseProduct(outer.weight().transpose() * d);
  }
  Vec<S> vjp_params(const Mat<S>& z, const Mat<S>& d) const {
    const Mat<S> a = hidden(z);
    Vec<S> g(param_count());
    g << inner.vjp_params(z, slope(a).cwiseProduct(outer.weight().transpose() * d)), outer.vjp_params(a, d);
    return g;
  }
  Mat<S> jacobian(const Vec<S>& z) const {
    const Mat<S> a = hidden(Mat<S>(z));
    return outer.weight() * Vec<S>(slope(a)).asDiagonal() * inner.weight();
  }

private:
  static Mat<S> slope(const Mat<S>& a) {
    return a.unaryExpr([](const S& v) { return S(1 - v * v); });
  }
};

template <class S> struct AdditiveCoupling {
  static constexpr const char* name = "additive_coupling";
  static constexpr bool bijective = true;

  AdditiveCoupling(CouplingNet<S> f, CouplingNet<S> g) : F(std::move(f)), G(std::move(g)) {
    require(F.dim() == G.dim(), name, "F and G must act on halves of equal size");
  }
  CouplingNet<S> F, G;

  Index half() const { return F.dim(); }
  Index in_dim() const { return 2 * half(); }
  Index out_dim() const { return 2 * half(); }
  Index param_count() const { return F.param_count() + G.param_count(); }
  Vec<S> params() const {
    Vec<S> p(param_count());
    p << F.params(), G.params();
    return p;
  }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name, "parameters");
    F.set_params(p.head(F.param_count()));
    G.set_params(p.tail(G.param_count()));
  }
  template <class T> AdditiveCoupling<T> cast() const {
    return AdditiveCoupling<T>(F.template cast<T>(), G.template cast<T>());
  }

  Mat<S> forward(const Mat<S>& x) const {
    check(x, "input");
    Mat<S> y(x.rows(), x.cols());
    y.topRows(half()) = x.topRows(half()) + F.forward(x.bottomRows(half()));
    y.bottomRows(half()) = x.bottomRows(half()) + G.forward(y.topRows(half()));
    return y;
  }
  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check(x, "input");
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, param_count(), name);
    const Index d = half();
    const Vec<S> pf = pdot.size() ? Vec<S>(pdot.head(F.param_count())) : Vec<S>(0);
    const Vec<S> pg = pdot.size() ? Vec<S>(pdot.tail(G.param_count())) : Vec<S>(0);
    const Mat<S> y1 = x.topRows(d) + F.forward(x.bottomRows(d));
    Mat<S> ydot(x.rows(), x.cols());
    ydot.topRows(d) = xdot.topRows(d) + F.jvp(x.bottomRows(d), xdot.bottomRows(d), pf);
    ydot.bottomRows(d) = xdot.bottomRows(d) + G.jvp(y1, ydot.topRows(d), pg);
    return ydot;
  }
  Residual<S> input_residual(const Mat<S>& x) const {
    check(x, "input");
    Residual<S> r;
    r.values = x;
    r.batch = x.cols();
    return r;
  }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check(delta, "output cotangent");
    require(delta.cols() == r.batch, name, "output cotangent and input differ in batch size");
    const Mat<S>& x = r.values;
    const Index d = half();
    const Mat<S> y1 = x.topRows(d) + F.forward(x.bottomRows(d));
    Mat<S> h(x.rows(), x.cols());
    h.topRows(d) = delta.topRows(d) + G.vjp_input(y1, delta.bottomRows(d));
    h.bottomRows(d) = delta.bottomRows(d) + F.vjp_input(x.bottomRows(d), h.topRows(d));
    return h;
  }
  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check(x, "input");
    check(delta, "output cotangent");
    require(delta.cols() == x.cols(), name, "output cotangent and input differ in batch size");
    const Index d = half();
    const Mat<S> y1 = x.topRows(d) + F.forward(x.bottomRows(d));
    const Mat<S> a = delta.topRows(d) + G.vjp_input(y1, delta.bottomRows(d));
    Vec<S> g(param_count());
    g << F.vjp_params(x.bottomRows(d), a), G.vjp_params(y1, delta.bottomRows(d));
    return g;
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
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& frag) const {
    check(x, "input");
    check(hx, "input cotangent");
    require(hx.cols() == x.cols(), name, "input cotangent and input differ in batch size");
    require_fragment(frag, 0, name);
    const Index d = half();
    const Mat<S> y1 = x.topRows(d) + F.forward(x.bottomRows(d));
    Mat<S> delta(x.rows(), x.cols());
    delta.bottomRows(d) = hx.bottomRows(d) - F.vjp_input(x.bottomRows(d), hx.topRows(d));
    delta.topRows(d) = hx.topRows(d) - G.vjp_input(y1, delta.bottomRows(d));
    return delta;
  }
  Mat<S> jacobian(const Vec<S>& x) const {
    check(Mat<S>(x), "input");
    const Index d = half();
    const Vec<S> y1 = x.head(d) + Vec<S>(F.forward(Mat<S>(x.tail(d))));
    const Mat<S> JF = F.jacobian(x.tail(d)), JG = G.jacobian(y1);
    Mat<S> J(2 * d, 2 * d);
    J << Mat<S>::Identity(d, d), JF, JG, Mat<S>::Identity(d, d) + JG * JF;
    return J;
  }
  Mat<S> inverse(const Mat<S>& y) const {
    check(y, "output");
    const Index d = half();
    Mat<S> x(y.rows(), y.cols());
    x.bottomRows(d) = y.bottomRows(d) - G.forward(y.topRows(d));
    x.topRows(d) = y.topRows(d) - F.forward(x.bottomRows(d));
    return x;
  }

private:
  void check(const Mat<S>& m, const char* what) const {
    require_rows(m, in_dim(), name, what);
    require_finite(m, name, what);
  }
};

}  // namespace moonwalk::reference
