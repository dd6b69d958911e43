#include "moonwalk/cuda/ops/additive_coupling.hpp"

#include "../blas.cuh"
#include "moonwalk/cuda/kernels/additive_coupling.hpp"

namespace moonwalk::cuda {

using namespace detail;

namespace detail {

constexpr const char* kCoupling = "additive_coupling";

// One inner net z ↦ A₂ tanh(A₁ z + b₁) + b₂ inside θ.
template <class S> struct Net {
  const S *W1, *b1, *W2, *b2;
  Index d, k;
};
template <class S> Net<S> net_at(const S* theta, Index d, Index k) {
  return {theta, theta + k * d, theta + k * d + k, theta + 2 * k * d + k, d, k};
}

template <class S> void add_bias_to(const Context& ctx, Index rows, Index B, const S* b, S* y) {
  each(ctx, rows * B, kCoupling, [=] __device__(Index e) { kernels::add_bias(e, rows, b, y); });
}

// out = a + sign·b over d × B views.
template <class S>
void combine_into(const Context& ctx, Index d, Index B, const S* a, Index lda, S sign, const S* b, Index ldb, S* out, Index ldo) {
  each(ctx, d * B, kCoupling, [=] __device__(Index e) { kernels::combine(e, d, a, lda, sign, b, ldb, out, ldo); });
}

template <class S> void slope_times_into(const Context& ctx, Index n, const S* a, S* u) {
  each(ctx, n, kCoupling, [=] __device__(Index e) { kernels::slope_times(e, a, u, u); });
}

template <class S> void row_sums_into(const Context& ctx, Index rows, Index ld, Index B, const S* v, S* out) {
  each(ctx, rows, kCoupling, [=] __device__(Index i) { kernels::row_sum_strided(i, ld, B, v, out); });
}

// a = tanh(A₁ z + b₁), k × B.
template <class S> DeviceMatrix<S> hidden(const Context& ctx, const Net<S>& n, const S* z, Index ldz, Index B) {
  DeviceMatrix<S> a(ctx.arena(), n.k, B);
  gemm(ctx, false, false, n.k, B, n.d, S(1), n.W1, n.k, z, ldz, S(0), a.data(), n.k, kCoupling);
  S* ad = a.data();
  const S* b1 = n.b1;
  const Index k = n.k;
  each(ctx, k * B, kCoupling, [=] __device__(Index e) { kernels::bias_tanh(e, k, ad, b1, ad); });
  return a;
}

template <class S> DeviceMatrix<S> net_forward(const Context& ctx, const Net<S>& n, const S* z, Index ldz, Index B) {
  const DeviceMatrix<S> a = hidden(ctx, n, z, ldz, B);
  DeviceMatrix<S> out(ctx.arena(), n.d, B);
  gemm(ctx, false, false, n.d, B, n.k, S(1), n.W2, n.d, a.data(), n.k, S(0), out.data(), n.d, kCoupling);
  add_bias_to(ctx, n.d, B, n.b2, out.data());
  return out;
}

// J_netᵀ δ at z: A₁ᵀ ((1 − a²) ⊙ A₂ᵀ δ).
template <class S>
DeviceMatrix<S> net_vjp_input(const Context& ctx, const Net<S>& n, const S* z, Index ldz, const S* delta, Index ldd, Index B) {
  const DeviceMatrix<S> a = hidden(ctx, n, z, ldz, B);
  DeviceMatrix<S> u(ctx.arena(), n.k, B), out(ctx.arena(), n.d, B);
  gemm(ctx, true, false, n.k, B, n.d, S(1), n.W2, n.d, delta, ldd, S(0), u.data(), n.k, kCoupling);
  slope_times_into(ctx, u.size(), a.data(), u.data());
  gemm(ctx, true, false, n.d, B, n.k, S(1), n.W1, n.k, u.data(), n.k, S(0), out.data(), n.d, kCoupling);
  return out;
}

// (vec(e zᵀ), Σ e, vec(δ aᵀ), Σ δ) with e = (1 − a²) ⊙ A₂ᵀ δ, written at g.
template <class S>
void net_vjp_params(const Context& ctx, const Net<S>& n, const S* z, Index ldz, const S* delta, Index ldd, Index B, S* g) {
  const Index d = n.d, k = n.k;
  const DeviceMatrix<S> a = hidden(ctx, n, z, ldz, B);
  DeviceMatrix<S> e(ctx.arena(), k, B);
  gemm(ctx, true, false, k, B, d, S(1), n.W2, d, delta, ldd, S(0), e.data(), k, kCoupling);
  slope_times_into(ctx, e.size(), a.data(), e.data());
  gemm(ctx, false, true, k, d, B, S(1), e.data(), k, z, ldz, S(0), g, k, kCoupling);
  row_sums_into(ctx, k, k, B, e.data(), g + k * d);
  gemm(ctx, false, true, d, k, B, S(1), delta, ldd, a.data(), k, S(0), g + k * d + k, d, kCoupling);
  row_sums_into(ctx, d, ldd, B, delta, g + 2 * k * d + k);
}

// J_net ż + K_net ṗ at z; p null for no parameter direction.
template <class S>
DeviceMatrix<S> net_jvp(const Context& ctx, const Net<S>& n, const S* z, Index ldz, const S* zdot, Index ldzd, const S* p,
                        Index B) {
  const Index d = n.d, k = n.k;
  const DeviceMatrix<S> a = hidden(ctx, n, z, ldz, B);
  DeviceMatrix<S> v(ctx.arena(), k, B), out(ctx.arena(), d, B);
  gemm(ctx, false, false, k, B, d, S(1), n.W1, k, zdot, ldzd, S(0), v.data(), k, kCoupling);
  if (p) {
    const Net<S> dn = net_at(p, d, k);
    gemm(ctx, false, false, k, B, d, S(1), dn.W1, k, z, ldz, S(1), v.data(), k, kCoupling);
    add_bias_to(ctx, k, B, dn.b1, v.data());
  }
  slope_times_into(ctx, v.size(), a.data(), v.data());
  gemm(ctx, false, false, d, B, k, S(1), n.W2, d, v.data(), k, S(0), out.data(), d, kCoupling);
  if (p) {
    const Net<S> dn = net_at(p, d, k);
    gemm(ctx, false, false, d, B, k, S(1), dn.W2, d, a.data(), k, S(1), out.data(), d, kCoupling);
    add_bias_to(ctx, d, B, dn.b2, out.data());
  }
  return out;
}

// y₁ = x₁ + F(x₂), d × B.
template <class S> DeviceMatrix<S> first_half(const Context& ctx, const Net<S>& F, const S* x, Index B) {
  const Index d = F.d;
  const DeviceMatrix<S> f = net_forward(ctx, F, x + d, 2 * d, B);
  DeviceMatrix<S> y1(ctx.arena(), d, B);
  combine_into(ctx, d, B, x, 2 * d, S(1), f.data(), d, y1.data(), d);
  return y1;
}

}  // namespace detail

template <class S>
AdditiveCoupling<S>::AdditiveCoupling(Context& ctx, Index half, Index hidden, const std::vector<S>& params)
    : ctx_(&ctx), d_(half), k_(hidden) {
  require(half > 0 && hidden > 0, name, "half and hidden dimensions must be positive");
  set_params(params);
}

template <class S> void AdditiveCoupling<S>::set_params(const std::vector<S>& p) {
  require_rows(static_cast<Index>(p.size()), param_count(), name, "parameters");
  require_finite(HostMatrix<S>::column(p), name, "parameters");
  params_ = p;
  theta_ = DeviceMatrix<S>::upload(ctx_->arena(), HostMatrix<S>::column(p), Category::parameters);
}

template <class S> DeviceMatrix<S> AdditiveCoupling<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  const Index d = d_, B = x.cols();
  const Net<S> F = net_at(theta_.data(), d_, k_), G = net_at(theta_.data() + net_params(), d_, k_);
  DeviceMatrix<S> y(ctx_->arena(), 2 * d, B);
  const DeviceMatrix<S> f = net_forward(*ctx_, F, x.data() + d, 2 * d, B);
  combine_into(*ctx_, d, B, x.data(), 2 * d, S(1), f.data(), d, y.data(), 2 * d);
  const DeviceMatrix<S> g = net_forward(*ctx_, G, y.data(), 2 * d, B);
  combine_into(*ctx_, d, B, x.data() + d, 2 * d, S(1), g.data(), d, y.data() + d, 2 * d);
  return y;
}

template <class S>
DeviceMatrix<S> AdditiveCoupling<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot,
                                         const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(xdot, in_dim(), x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), param_count(), name);
  const Index d = d_, B = x.cols();
  const Net<S> F = net_at(theta_.data(), d_, k_), G = net_at(theta_.data() + net_params(), d_, k_);
  const S* pf = pdot.empty() ? nullptr : pdot.data();
  const S* pg = pdot.empty() ? nullptr : pdot.data() + net_params();
  const DeviceMatrix<S> y1 = first_half(*ctx_, F, x.data(), B);
  DeviceMatrix<S> out(ctx_->arena(), 2 * d, B);
  const DeviceMatrix<S> fj = net_jvp(*ctx_, F, x.data() + d, 2 * d, xdot.data() + d, 2 * d, pf, B);
  combine_into(*ctx_, d, B, xdot.data(), 2 * d, S(1), fj.data(), d, out.data(), 2 * d);
  const DeviceMatrix<S> gj = net_jvp(*ctx_, G, y1.data(), d, out.data(), 2 * d, pg, B);
  combine_into(*ctx_, d, B, xdot.data() + d, 2 * d, S(1), gj.data(), d, out.data() + d, 2 * d);
  return out;
}

template <class S> DeviceResidual<S> AdditiveCoupling<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  r.values = x.copy(Category::input_residuals);
  return r;
}

template <class S>
DeviceMatrix<S> AdditiveCoupling<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, in_dim(), r.batch, name, "output cotangent");
  check_matrix(r.values, in_dim(), r.batch, name, "the residual");
  const Index d = d_, B = r.batch;
  const Net<S> F = net_at(theta_.data(), d_, k_), G = net_at(theta_.data() + net_params(), d_, k_);
  const S* x = r.values.data();
  const DeviceMatrix<S> y1 = first_half(*ctx_, F, x, B);
  DeviceMatrix<S> h(ctx_->arena(), 2 * d, B);
  const DeviceMatrix<S> gv = net_vjp_input(*ctx_, G, y1.data(), d, delta.data() + d, 2 * d, B);
  combine_into(*ctx_, d, B, delta.data(), 2 * d, S(1), gv.data(), d, h.data(), 2 * d);
  const DeviceMatrix<S> fv = net_vjp_input(*ctx_, F, x + d, 2 * d, h.data(), 2 * d, B);
  combine_into(*ctx_, d, B, delta.data() + d, 2 * d, S(1), fv.data(), d, h.data() + d, 2 * d);
  return h;
}

template <class S>
DeviceMatrix<S> AdditiveCoupling<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(delta, in_dim(), x.cols(), name, "output cotangent");
  const Index d = d_, B = x.cols();
  const Net<S> F = net_at(theta_.data(), d_, k_), G = net_at(theta_.data() + net_params(), d_, k_);
  DeviceMatrix<S> g(ctx_->arena(), param_count(), 1);
  if (B == 0) {
    g.fill_zero();
    return g;
  }
  const DeviceMatrix<S> y1 = first_half(*ctx_, F, x.data(), B);
  const DeviceMatrix<S> gv = net_vjp_input(*ctx_, G, y1.data(), d, delta.data() + d, 2 * d, B);
  DeviceMatrix<S> a(ctx_->arena(), d, B);
  combine_into(*ctx_, d, B, delta.data(), 2 * d, S(1), gv.data(), d, a.data(), d);
  net_vjp_params(*ctx_, F, x.data() + d, 2 * d, a.data(), d, B, g.data());
  net_vjp_params(*ctx_, G, y1.data(), d, delta.data() + d, 2 * d, B, g.data() + net_params());
  return g;
}

template <class S>
DeviceFragment<S> AdditiveCoupling<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  return empty_fragment(*ctx_, delta, in_dim(), x.cols(), name);
}

template <class S>
DeviceFragment<S> AdditiveCoupling<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  return empty_fragment(*ctx_, delta, in_dim(), r.batch, name);
}

template <class S>
DeviceMatrix<S> AdditiveCoupling<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx,
                                          const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(hx, in_dim(), x.cols(), name, "input cotangent");
  require_fragment(f.size(), 0, name);
  const Index d = d_, B = x.cols();
  const Net<S> F = net_at(theta_.data(), d_, k_), G = net_at(theta_.data() + net_params(), d_, k_);
  const DeviceMatrix<S> y1 = first_half(*ctx_, F, x.data(), B);
  DeviceMatrix<S> out(ctx_->arena(), 2 * d, B);
  const DeviceMatrix<S> fv = net_vjp_input(*ctx_, F, x.data() + d, 2 * d, hx.data(), 2 * d, B);
  combine_into(*ctx_, d, B, hx.data() + d, 2 * d, S(-1), fv.data(), d, out.data() + d, 2 * d);
  const DeviceMatrix<S> gv = net_vjp_input(*ctx_, G, y1.data(), d, out.data() + d, 2 * d, B);
  combine_into(*ctx_, d, B, hx.data(), 2 * d, S(-1), gv.data(), d, out.data(), 2 * d);
  return out;
}

template class AdditiveCoupling<float>;
template class AdditiveCoupling<double>;

}  // namespace moonwalk::cuda
