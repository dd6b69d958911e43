#include "moonwalk/cuda/ops/relu.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/relu.hpp"

namespace moonwalk::cuda {

using namespace detail;

namespace detail {

// Ranks of the clear bits of a mask: before[w] clear entries precede word w,
// before[words] in all.
struct ClearRanks {
  DeviceMatrix<Index> before;
  Index total = 0;
};

inline ClearRanks clear_ranks(const Context& ctx, const std::uint64_t* mask, Index n, const char* op) {
  const Index words = (n + 63) / 64;
  DeviceMatrix<int> counts(ctx.arena(), words, 1);
  ClearRanks r{DeviceMatrix<Index>(ctx.arena(), words + 1, 1)};
  int* c = counts.data();
  each(ctx, words, op, [=] __device__(Index w) { c[w] = kernels::clear_bits(mask, w, n); });
  exclusive_scan(ctx, c, words, r.before.data(), op);
  r.total = fetch(ctx, r.before.data() + words, op);
  return r;
}

template <class S> DeviceBitMask activity_mask(const Context& ctx, const DeviceMatrix<S>& x, Category c, const char* op) {
  DeviceBitMask mask(ctx.arena(), x.rows(), x.cols(), c);
  const Index n = x.size();
  const S* xd = x.data();
  std::uint64_t* w = mask.data();
  each(ctx, mask.words(), op, [=] __device__(Index i) { w[i] = kernels::positive_word(i, n, xd); });
  return mask;
}

template <class S>
DeviceFragment<S> relu_fragment(const Context& ctx, const std::uint64_t* mask, const DeviceMatrix<S>& delta, const char* op) {
  const Index n = delta.size();
  const ClearRanks ranks = clear_ranks(ctx, mask, n, op);
  DeviceFragment<S> f{DeviceMatrix<S>(ctx.arena(), ranks.total, 1, Category::fragments)};
  const Index* before = ranks.before.data();
  const S* dd = delta.data();
  S* fd = f.values.data();
  each(ctx, n, op, [=] __device__(Index k) { kernels::relu_gather_fragment(k, mask, before, dd, fd); });
  return f;
}

}  // namespace detail

template <class S> Relu<S>::Relu(Context& ctx, Index n) : ctx_(&ctx), n_(n) {
  require(n > 0, name, "dimension must be positive");
}

template <class S> DeviceMatrix<S> Relu<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S* xd = x.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::relu_forward(xd[k]); });
  return y;
}

template <class S>
DeviceMatrix<S> Relu<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, n_, name, "input");
  check_matrix(xdot, n_, x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), 0, name);
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S *xd = x.data(), *td = xdot.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::relu_jvp(xd[k], td[k]); });
  return y;
}

template <class S> DeviceResidual<S> Relu<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  r.mask = activity_mask(*ctx_, x, Category::input_residuals, name);
  return r;
}

template <class S> DeviceMatrix<S> Relu<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, n_, r.batch, name, "output cotangent");
  check_mask(r.mask, n_, r.batch, name);
  DeviceMatrix<S> h(ctx_->arena(), n_, r.batch);
  const std::uint64_t* w = r.mask.data();
  const S* dd = delta.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index k) { hd[k] = kernels::relu_vjp(kernels::mask_bit(w, k), dd[k]); });
  return h;
}

template <class S> DeviceMatrix<S> Relu<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  check_matrix(delta, n_, x.cols(), name, "output cotangent");
  return DeviceMatrix<S>(ctx_->arena(), 0, 1);
}

template <class S> Index Relu<S>::fragment_size(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  const DeviceBitMask mask = activity_mask(*ctx_, x, Category::working_set, name);
  return clear_ranks(*ctx_, mask.data(), x.size(), name).total;
}

template <class S> DeviceFragment<S> Relu<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  check_matrix(delta, n_, x.cols(), name, "output cotangent");
  const DeviceBitMask mask = activity_mask(*ctx_, x, Category::working_set, name);
  return relu_fragment(*ctx_, mask.data(), delta, name);
}

template <class S> DeviceFragment<S> Relu<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, n_, r.batch, name, "output cotangent");
  check_mask(r.mask, n_, r.batch, name);
  return relu_fragment(*ctx_, r.mask.data(), delta, name);
}

template <class S>
DeviceMatrix<S> Relu<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, n_, name, "input");
  check_matrix(hx, n_, x.cols(), name, "input cotangent");
  const DeviceBitMask mask = activity_mask(*ctx_, x, Category::working_set, name);
  const ClearRanks ranks = clear_ranks(*ctx_, mask.data(), x.size(), name);
  require_fragment(f.size(), ranks.total, name);
  DeviceMatrix<S> h(ctx_->arena(), n_, x.cols());
  const std::uint64_t* w = mask.data();
  const Index* before = ranks.before.data();
  const S *gd = hx.data(), *fd = f.values.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index k) { kernels::relu_vijp(k, w, before, gd, fd, hd); });
  return h;
}

template class Relu<float>;
template class Relu<double>;

}  // namespace moonwalk::cuda
