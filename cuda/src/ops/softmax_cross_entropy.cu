#include "moonwalk/cuda/ops/softmax_cross_entropy.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/softmax_cross_entropy.hpp"

#include <cmath>

namespace moonwalk::cuda {

using namespace detail;

template <class S>
SoftmaxCrossEntropy<S>::SoftmaxCrossEntropy(Context& ctx, Index classes, const std::vector<Index>& labels, S scale)
    : ctx_(&ctx), K_(classes), batch_(static_cast<Index>(labels.size())), scale_(scale) {
  require(classes > 0, name, "needs at least one class");
  require(std::isfinite(scale), name, "loss scale must be finite");
  require(!labels.empty(), name, "needs at least one label");
  for (Index c : labels) require(c >= 0 && c < classes, name, "label " + std::to_string(c) + " out of range");
  labels_ = DeviceMatrix<Index>::upload(ctx.arena(), HostMatrix<Index>::column(labels));
}

template <class S> void SoftmaxCrossEntropy<S>::check(const DeviceMatrix<S>& y) const {
  detail::check_matrix(y, K_, name, "logits");
  require(y.cols() == batch_, name, "logits and labels differ in batch size");
}

template <class S> S SoftmaxCrossEntropy<S>::value(const DeviceMatrix<S>& y) const {
  check(y);
  const Index K = K_, B = batch_;
  DeviceMatrix<S> partial(ctx_->arena(), B, 1), total(ctx_->arena(), 1, 1);
  const S* yd = y.data();
  const Index* labels = labels_.data();
  S *pd = partial.data(), *out = total.data();
  each(*ctx_, B, name, [=] __device__(Index j) { kernels::softmax_ce_column(j, K, yd, labels, pd); });
  each(*ctx_, 1, name, [=] __device__(Index) { kernels::sum_ordered(B, pd, S(B), out); });
  return scale_ * fetch(*ctx_, out, name);
}

template <class S> DeviceMatrix<S> SoftmaxCrossEntropy<S>::gradient(const DeviceMatrix<S>& y) const {
  check(y);
  DeviceMatrix<S> h(ctx_->arena(), K_, batch_);
  const Index K = K_, B = batch_;
  const S c = scale_;
  const S* yd = y.data();
  const Index* labels = labels_.data();
  S* hd = h.data();
  each(*ctx_, B, name, [=] __device__(Index j) { kernels::softmax_ce_gradient(j, K, B, c, yd, labels, hd); });
  return h;
}

template class SoftmaxCrossEntropy<float>;
template class SoftmaxCrossEntropy<double>;

}  // namespace moonwalk::cuda
