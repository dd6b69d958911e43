#include "moonwalk/cuda/ops/mse.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/mse.hpp"

#include <cmath>

namespace moonwalk::cuda {

using namespace detail;

template <class S> Mse<S>::Mse(Context& ctx, const HostMatrix<S>& target, S scale) : ctx_(&ctx), scale_(scale) {
  require(target.size() > 0, name, "target must be non-empty");
  require_finite(target, name, "target");
  require(std::isfinite(scale), name, "loss scale must be finite");
  target_ = DeviceMatrix<S>::upload(ctx.arena(), target);
}

template <class S> void Mse<S>::check(const DeviceMatrix<S>& y) const {
  if (y.rows() != target_.rows() || y.cols() != target_.cols())
    fail(name, "prediction and target: shapes " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) + " and " +
                   std::to_string(target_.rows()) + "x" + std::to_string(target_.cols()) + " differ");
}

template <class S> S Mse<S>::value(const DeviceMatrix<S>& y) const {
  check(y);
  const Index rows = y.rows(), B = y.cols();
  DeviceMatrix<S> partial(ctx_->arena(), B, 1), total(ctx_->arena(), 1, 1);
  const S *yd = y.data(), *td = target_.data();
  S *pd = partial.data(), *out = total.data();
  each(*ctx_, B, name, [=] __device__(Index j) { kernels::mse_column(j, rows, yd, td, pd); });
  each(*ctx_, 1, name, [=] __device__(Index) { kernels::sum_ordered(B, pd, S(2 * B), out); });
  return scale_ * fetch(*ctx_, out, name);
}

template <class S> DeviceMatrix<S> Mse<S>::gradient(const DeviceMatrix<S>& y) const {
  check(y);
  DeviceMatrix<S> h(ctx_->arena(), y.rows(), y.cols());
  const Index B = y.cols();
  const S c = scale_;
  const S *yd = y.data(), *td = target_.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index e) { kernels::mse_gradient(e, B, c, yd, td, hd); });
  return h;
}

template class Mse<float>;
template class Mse<double>;

}  // namespace moonwalk::cuda
