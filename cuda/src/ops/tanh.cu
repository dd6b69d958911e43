#include "moonwalk/cuda/ops/tanh.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/tanh.hpp"

#include <climits>
#include <sstream>

namespace moonwalk::cuda {

using namespace detail;

template <class S> Tanh<S>::Tanh(Context& ctx, Index n) : ctx_(&ctx), n_(n) {
  require(n > 0, name, "dimension must be positive");
}

template <class S> DeviceMatrix<S> Tanh<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S* xd = x.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::tanh_forward(xd[k]); });
  return y;
}

template <class S>
DeviceMatrix<S> Tanh<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, n_, name, "input");
  check_matrix(xdot, n_, x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), 0, name);
  DeviceMatrix<S> y(ctx_->arena(), n_, x.cols());
  const S *xd = x.data(), *td = xdot.data();
  S* yd = y.data();
  each(*ctx_, x.size(), name, [=] __device__(Index k) { yd[k] = kernels::tanh_derivative(xd[k]) * td[k]; });
  return y;
}

template <class S> DeviceResidual<S> Tanh<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, n_, name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  r.values = x.copy(Category::input_residuals);
  return r;
}

template <class S> DeviceMatrix<S> Tanh<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, n_, r.batch, name, "output cotangent");
  check_matrix(r.values, n_, r.batch, name, "the residual");
  DeviceMatrix<S> h(ctx_->arena(), n_, r.batch);
  const S *xd = r.values.data(), *dd = delta.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index k) { hd[k] = kernels::tanh_derivative(xd[k]) * dd[k]; });
  return h;
}

template <class S> DeviceMatrix<S> Tanh<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  check_matrix(delta, n_, x.cols(), name, "output cotangent");
  return DeviceMatrix<S>(ctx_->arena(), 0, 1);
}

template <class S>
DeviceFragment<S> Tanh<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, n_, name, "input");
  return empty_fragment(*ctx_, delta, n_, x.cols(), name);
}

template <class S>
DeviceFragment<S> Tanh<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  return empty_fragment(*ctx_, delta, n_, r.batch, name);
}

template <class S>
DeviceMatrix<S> Tanh<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, n_, name, "input");
  check_matrix(hx, n_, x.cols(), name, "input cotangent");
  require_fragment(f.size(), 0, name);
  DeviceMatrix<S> h(ctx_->arena(), n_, x.cols());
  // The first entry whose derivative underflowed, or ULLONG_MAX.
  const HostMatrix<unsigned long long> none(1, 1, {ULLONG_MAX});
  DeviceMatrix<unsigned long long> first = DeviceMatrix<unsigned long long>::upload(ctx_->arena(), none);
  const S *xd = x.data(), *gd = hx.data();
  S* hd = h.data();
  unsigned long long* fp = first.data();
  each(*ctx_, h.size(), name, [=] __device__(Index k) {
    const S t = kernels::tanh_derivative(xd[k]);
    if (!(t > 0)) atomicMin(fp, static_cast<unsigned long long>(k));
    hd[k] = gd[k] / t;
  });
  const unsigned long long bad = fetch(*ctx_, fp, name);
  if (bad != ULLONG_MAX) {
    const S v = fetch(*ctx_, xd + bad, name);
    std::ostringstream s;
    s << "derivative 1/cosh(x)^2 underflows to 0 at x = " << v << " in " << (sizeof(S) == 4 ? "float" : "double")
      << ": the layer is not invertible there";
    fail(name, s.str());
  }
  return h;
}

template class Tanh<float>;
template class Tanh<double>;

}  // namespace moonwalk::cuda
