#include "moonwalk/cuda/ops/dense.hpp"

#include "../blas.cuh"
#include "../right_inverse.cuh"
#include "moonwalk/cuda/kernels/dense.hpp"

namespace moonwalk::cuda {

using namespace detail;

template <class S>
Dense<S>::Dense(Context& ctx, const HostMatrix<S>& weight, const std::vector<S>& bias)
    : ctx_(&ctx), m_(weight.rows), n_(weight.cols) {
  require(m_ > 0 && n_ > 0, name, "weight must be non-empty");
  require_rows(static_cast<Index>(bias.size()), m_, name, "bias");
  std::vector<S> p(weight.data);
  p.insert(p.end(), bias.begin(), bias.end());
  set_params(p);
}

template <class S> void Dense<S>::set_params(const std::vector<S>& p) {
  require_rows(static_cast<Index>(p.size()), param_count(), name, "parameters");
  require_finite(HostMatrix<S>(m_, n_, std::vector<S>(p.begin(), p.begin() + m_ * n_)), name, "weight");
  require_finite(HostMatrix<S>(m_, 1, std::vector<S>(p.begin() + m_ * n_, p.end())), name, "bias");
  params_ = p;
  theta_ = DeviceMatrix<S>::upload(ctx_->arena(), HostMatrix<S>::column(p), Category::parameters);
  factor_.reset();
}

template <class S> const RightInverse<S>& Dense<S>::factor() const {
  if (!factor_) factor_ = std::make_shared<const RightInverse<S>>(*ctx_, weight(), m_, n_, name);
  return *factor_;
}

template <class S> DeviceMatrix<S> Dense<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  const Index m = m_, B = x.cols();
  DeviceMatrix<S> y(ctx_->arena(), m, B);
  S* yd = y.data();
  const S* b = bias();
  each(*ctx_, m * B, name, [=] __device__(Index e) { kernels::broadcast_bias(e, m, b, yd); });
  gemm(*ctx_, false, false, m, B, n_, S(1), weight(), m, x.data(), n_, S(1), yd, m, name);
  return y;
}

template <class S>
DeviceMatrix<S> Dense<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, n_, name, "input");
  check_matrix(xdot, n_, x.cols(), name, "tangent");
  require(pdot.empty() || (pdot.rows() == param_count() && pdot.cols() == 1), name,
          "parameter direction has " + std::to_string(pdot.size()) + " entries, expected " +
              std::to_string(param_count()) + " (or 0 for none)");
  const Index m = m_, B = x.cols();
  DeviceMatrix<S> y(ctx_->arena(), m, B);
  S* yd = y.data();
  if (pdot.empty()) {
    y.fill_zero();
  } else {
    const S* bdot = pdot.data() + m_ * n_;
    each(*ctx_, m * B, name, [=] __device__(Index e) { kernels::broadcast_bias(e, m, bdot, yd); });
    gemm(*ctx_, false, false, m, B, n_, S(1), pdot.data(), m, x.data(), n_, S(1), yd, m, name);
  }
  gemm(*ctx_, false, false, m, B, n_, S(1), weight(), m, xdot.data(), n_, S(1), yd, m, name);
  return y;
}

template <class S> DeviceResidual<S> Dense<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S> DeviceMatrix<S> Dense<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, m_, r.batch, name, "output cotangent");
  DeviceMatrix<S> h(ctx_->arena(), n_, r.batch);
  gemm(*ctx_, true, false, n_, r.batch, m_, S(1), weight(), m_, delta.data(), m_, S(0), h.data(), n_, name);
  return h;
}

template <class S> DeviceMatrix<S> Dense<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  check_matrix(delta, m_, x.cols(), name, "output cotangent");
  const Index m = m_, B = x.cols();
  DeviceMatrix<S> g(ctx_->arena(), param_count(), 1);
  if (B == 0) {
    g.fill_zero();
    return g;
  }
  gemm(*ctx_, false, true, m_, n_, B, S(1), delta.data(), m_, x.data(), n_, S(0), g.data(), m_, name);
  const S* d = delta.data();
  S* gb = g.data() + m_ * n_;
  each(*ctx_, m, name, [=] __device__(Index i) { kernels::row_sum(i, m, B, d, gb); });
  return g;
}

template <class S> Index Dense<S>::fragment_size(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  return factor().cokernel() * x.cols();
}

template <class S> Index Dense<S>::cokernel() const { return factor().cokernel(); }

template <class S> DeviceFragment<S> Dense<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  return fragment(input_residual(x), delta);
}

template <class S>
DeviceFragment<S> Dense<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, m_, r.batch, name, "output cotangent");
  const RightInverse<S>& f = factor();
  DeviceFragment<S> out{DeviceMatrix<S>(ctx_->arena(), f.cokernel() * r.batch, 1, Category::fragments)};
  f.fragment(delta.data(), r.batch, out.values.data());
  return out;
}

template <class S>
DeviceMatrix<S> Dense<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, n_, name, "input");
  check_matrix(hx, n_, x.cols(), name, "input cotangent");
  const RightInverse<S>& factor_ref = factor();
  require_fragment(f.size(), factor_ref.cokernel() * x.cols(), name);
  DeviceMatrix<S> out(ctx_->arena(), m_, x.cols());
  factor_ref.solve(hx.data(), x.cols(), f.values.data(), out.data());
  return out;
}

template class Dense<float>;
template class Dense<double>;

}  // namespace moonwalk::cuda
