#include "moonwalk/cuda/ops/leaky_relu.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/leaky_relu.hpp"

#include <cmath>

namespace moonwalk::cuda {

using namespace detail;

template <class S> LeakyRelu<S>::LeakyRelu(Context& ctx, Index n, S alpha) : ctx_(&ctx), n_(n), alpha_(alpha) {
  require(n > 0, name, "dimension must be positive");
  require(std::isfinite(alpha), name, "slope must be finite");
  if (!(alpha > 0))
    fail(name, "slope must be > 0, got " + std::to_string(alpha) + " (0 is relu, which needs fragments)");
}

template <class S> DeviceMatrix<S> LeakyRelu<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S a = alpha_;
  const S* xd = x.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::leaky_relu_forward(xd[k], a); });
  return y;
}

template <class S>
DeviceMatrix<S> LeakyRelu<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, n_, name, "input");
  check_matrix(xdot, n_, x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), 0, name);
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S a = alpha_;
  const S *xd = x.data(), *td = xdot.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::leaky_relu_jvp(xd[k], td[k], a); });
  return y;
}

template <class S> DeviceResidual<S> LeakyRelu<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  r.mask = DeviceBitMask(ctx_->arena(), n_, x.cols());
  const Index n = x.size();
  const S* xd = x.data();
  std::uint64_t* w = r.mask.data();
  each(*ctx_, r.mask.words(), name, [=] __device__(Index i) { w[i] = kernels::positive_word(i, n, xd); });
  return r;
}

template <class S>
DeviceMatrix<S> LeakyRelu<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, n_, r.batch, name, "output cotangent");
  check_mask(r.mask, n_, r.batch, name);
  DeviceMatrix<S> h(ctx_->arena(), n_, r.batch);
  const S a = alpha_;
  const std::uint64_t* w = r.mask.data();
  const S* dd = delta.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name,
       [=] __device__(Index k) { hd[k] = kernels::leaky_relu_vjp(kernels::mask_bit(w, k), dd[k], a); });
  return h;
}

template <class S>
DeviceMatrix<S> LeakyRelu<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  check_matrix(delta, n_, x.cols(), name, "output cotangent");
  return DeviceMatrix<S>(ctx_->arena(), 0, 1);
}

template <class S>
DeviceFragment<S> LeakyRelu<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  return empty_fragment(*ctx_, delta, n_, x.cols(), name);
}

template <class S>
DeviceFragment<S> LeakyRelu<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  return empty_fragment(*ctx_, delta, n_, r.batch, name);
}

template <class S>
DeviceMatrix<S> LeakyRelu<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, n_, name, "input");
  check_matrix(hx, n_, x.cols(), name, "input cotangent");
  require_fragment(f.size(), 0, name);
  DeviceMatrix<S> h(ctx_->arena(), n_, x.cols());
  const S a = alpha_;
  const S *xd = x.data(), *gd = hx.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index k) { hd[k] = kernels::leaky_relu_vijp(xd[k], gd[k], a); });
  return h;
}

template class LeakyRelu<float>;
template class LeakyRelu<double>;

}  // namespace moonwalk::cuda
