#include "moonwalk/cuda/ops/global_avg_pool.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/global_avg_pool.hpp"

namespace moonwalk::cuda {

using namespace detail;

namespace detail {
template <class S> void pool_sums(const Context& ctx, const S* x, Index C, Index P, Index batch, bool average, S* y) {
  each(ctx, C * batch, "global_avg_pool", [=] __device__(Index e) { kernels::pool_sum(e, C, P, x, average, y); });
}
}  // namespace detail

template <class S>
GlobalAvgPool<S>::GlobalAvgPool(Context& ctx, Index channels, Index positions) : ctx_(&ctx), C_(channels), P_(positions) {
  require(channels > 0 && positions > 0, name, "channels and positions must be positive");
}

template <class S> DeviceMatrix<S> GlobalAvgPool<S>::sum_positions(const DeviceMatrix<S>& x, bool average) const {
  DeviceMatrix<S> y(ctx_->arena(), C_, x.cols());
  pool_sums(*ctx_, x.data(), C_, P_, x.cols(), average, y.data());
  return y;
}

template <class S> DeviceMatrix<S> GlobalAvgPool<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  return sum_positions(x, true);
}

template <class S>
DeviceMatrix<S> GlobalAvgPool<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(xdot, in_dim(), x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), 0, name);
  return sum_positions(xdot, true);
}

template <class S> DeviceResidual<S> GlobalAvgPool<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S>
DeviceMatrix<S> GlobalAvgPool<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, C_, r.batch, name, "output cotangent");
  DeviceMatrix<S> h(ctx_->arena(), in_dim(), r.batch);
  const Index C = C_, P = P_;
  const S* dd = delta.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index e) { kernels::pool_broadcast(e, C, P, dd, hd); });
  return h;
}

template <class S>
DeviceMatrix<S> GlobalAvgPool<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(delta, C_, x.cols(), name, "output cotangent");
  return DeviceMatrix<S>(ctx_->arena(), 0, 1);
}

template <class S>
DeviceFragment<S> GlobalAvgPool<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  return empty_fragment(*ctx_, delta, C_, x.cols(), name);
}

template <class S>
DeviceFragment<S> GlobalAvgPool<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  return empty_fragment(*ctx_, delta, C_, r.batch, name);
}

template <class S>
DeviceMatrix<S> GlobalAvgPool<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(hx, in_dim(), x.cols(), name, "input cotangent");
  require_fragment(f.size(), 0, name);
  return sum_positions(hx, false);
}

template class GlobalAvgPool<float>;
template class GlobalAvgPool<double>;

}  // namespace moonwalk::cuda
