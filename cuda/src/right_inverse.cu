#include "blas.cuh"
#include "moonwalk/cuda/detail/host_qr.hpp"
#include "moonwalk/cuda/kernels/dense.hpp"
#include "right_inverse.cuh"

#include <cfloat>
#include <cmath>

namespace moonwalk::cuda::detail {

template <class S> S epsilon() { return std::is_same_v<S, float> ? FLT_EPSILON : DBL_EPSILON; }

// Extended lambdas cannot live in constructors: the factor's launches are here.
template <class S> void transpose_into(const Context& ctx, const S* a, Index rows, Index cols, S* t, const char* op) {
  each(ctx, rows * cols, op, [=] __device__(Index e) { kernels::transpose(e, rows, cols, a, t); });
}
template <class S> void diagonal_into(const Context& ctx, const S* a, Index ld, Index n, S* d, const char* op) {
  each(ctx, n, op, [=] __device__(Index i) { kernels::diagonal(i, ld, a, d); });
}

template <class S>
RightInverse<S>::RightInverse(const Context& ctx, const S* W, Index m, Index n, const char* op)
    : ctx_(&ctx), op_(op), m_(m), n_(n) {
  Arena& arena = ctx.arena();
  qr_ = DeviceMatrix<S>(arena, n, m);
  tau_ = DeviceMatrix<S>(arena, std::min(n, m), 1);
  S* qr = qr_.data();
  transpose_into(ctx, W, m, n, qr, op);
  bool full = false;
  if (m <= n) {
    geqrf(ctx, n, m, qr, n, tau_.data(), op);
    DeviceMatrix<S> diag(arena, m, 1);
    diagonal_into(ctx, qr, n, m, diag.data(), op);
    const HostMatrix<S> h = diag.download();
    S top = 0;
    for (S v : h.data) top = std::max(top, std::abs(v));
    // Eigen's rank test is ε·m; the margin of √ε leaves every decision near
    // it to the reference's own pivoted factorization below.
    const S threshold = top * std::max(epsilon<S>() * static_cast<S>(m), std::sqrt(epsilon<S>()));
    full = top > 0;
    for (S v : h.data) full = full && std::abs(v) > threshold;
  }
  if (full) {
    rank_ = m;
    return;
  }
  HostMatrix<S> w(m, n), At(n, m);
  check(cudaMemcpyAsync(w.data.data(), W, w.data.size() * sizeof(S), cudaMemcpyDeviceToHost, stream_of(ctx)), op,
        "download");
  ctx.synchronize(op);
  for (Index i = 0; i < m; ++i)
    for (Index j = 0; j < n; ++j) At(j, i) = w(i, j);
  const PivotedQR<S> f = pivoted_qr(At);
  rank_ = f.rank;
  qr_ = DeviceMatrix<S>::upload(arena, f.qr);
  tau_ = DeviceMatrix<S>::upload(arena, HostMatrix<S>::column(f.tau));
  perm_ = DeviceMatrix<Index>::upload(arena, HostMatrix<Index>::column(f.perm));
}

template <class S> void RightInverse<S>::fragment(const S* delta, Index batch, S* f) const {
  const Index m = m_, r = rank_;
  const Index* perm = perm_.empty() ? nullptr : perm_.data();
  each(*ctx_, (m - r) * batch, op_, [=] __device__(Index e) { kernels::gather_fragment(e, m, r, perm, delta, f); });
}

template <class S> void RightInverse<S>::solve(const S* g, Index batch, const S* f, S* out) const {
  const Index m = m_, n = n_, r = rank_, k = m - r;
  DeviceMatrix<S> c(ctx_->arena(), n, batch);
  if (c.size())
    check(cudaMemcpyAsync(c.data(), g, c.bytes(), cudaMemcpyDeviceToDevice, stream_of(*ctx_)), op_, "copy");
  ormqr_transpose(*ctx_, n, batch, std::min(n, m), qr_.data(), n, tau_.data(), c.data(), n, op_);
  if (k > 0 && r > 0)
    gemm(*ctx_, false, false, r, batch, k, S(-1), qr_.data() + r * n, n, f, k, S(1), c.data(), n, op_);
  trsm_upper(*ctx_, r, batch, qr_.data(), n, c.data(), n, op_);
  const Index* perm = perm_.empty() ? nullptr : perm_.data();
  const S* cd = c.data();
  each(*ctx_, m * batch, op_, [=] __device__(Index e) { kernels::scatter_solution(e, m, n, r, perm, cd, f, out); });
}

template class RightInverse<float>;
template class RightInverse<double>;

}  // namespace moonwalk::cuda::detail
