#include "moonwalk/cuda/ops/patch_map.hpp"

#include "../launch.cuh"

namespace moonwalk::cuda::detail {

template <class S>
PatchMap<S>::PatchMap(Context& ctx, PatchWords words, kernels::PatchShape shape, const HostMatrix<S>& weight,
                      const std::vector<S>& bias)
    : ctx_(&ctx), w_(words), s_(shape), dense_(ctx, checked(words, shape, weight, bias), bias) {}

template <class S>
const HostMatrix<S>& PatchMap<S>::checked(const PatchWords& w, const kernels::PatchShape& s, const HostMatrix<S>& M,
                                          const std::vector<S>& b) {
  require(s.ci > 0 && s.H > 0 && s.W > 0 && s.ph > 0 && s.pw > 0, w.name, w.positive);
  require(s.H % s.ph == 0 && s.W % s.pw == 0, w.name, w.multiple);
  require(M.cols == s.rows(), w.name, std::string("weight must have ") + w.columns + " columns");
  require(M.rows > 0, w.name, "weight must be non-empty");
  require(M.rows <= s.rows(), w.name, std::string("C_out > ") + w.columns + ": the Jacobian is not surjective");
  require_rows(static_cast<Index>(b.size()), M.rows, w.name, "bias");
  require_finite(M, w.name, "weight");
  require_finite(HostMatrix<S>::column(b), w.name, "bias");
  return M;
}

template <class S> DeviceMatrix<S> PatchMap<S>::patch_in(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), w_.name, "input");
  const kernels::PatchShape s = s_;
  DeviceMatrix<S> v(ctx_->arena(), s.rows(), patches() * x.cols());
  const S* xd = x.data();
  S* vd = v.data();
  each(*ctx_, v.size(), w_.name, [=] __device__(Index e) { kernels::patch_in(e, s, xd, vd); });
  return v;
}

template <class S> DeviceMatrix<S> PatchMap<S>::unpatch_in(const DeviceMatrix<S>& v) const {
  require(v.rows() == s_.rows() && v.cols() % patches() == 0, w_.name, "patch columns of the wrong shape");
  const kernels::PatchShape s = s_;
  DeviceMatrix<S> x(ctx_->arena(), in_dim(), v.cols() / patches());
  const S* vd = v.data();
  S* xd = x.data();
  each(*ctx_, x.size(), w_.name, [=] __device__(Index e) { kernels::unpatch_in(e, s, vd, xd); });
  return x;
}

template <class S> DeviceMatrix<S> PatchMap<S>::patch_out(const DeviceMatrix<S>& y) const {
  check_matrix(y, out_dim(), w_.name, "output cotangent");
  DeviceMatrix<S> v(ctx_->arena(), out_channels(), patches() * y.cols());
  const Index co = out_channels(), P = patches();
  const S* yd = y.data();
  S* vd = v.data();
  each(*ctx_, v.size(), w_.name, [=] __device__(Index e) { kernels::patch_out(e, co, P, yd, vd); });
  return v;
}

template <class S> DeviceMatrix<S> PatchMap<S>::unpatch_out(const DeviceMatrix<S>& v) const {
  require(v.rows() == out_channels() && v.cols() % patches() == 0, w_.name, "patch outputs of the wrong shape");
  DeviceMatrix<S> y(ctx_->arena(), out_dim(), v.cols() / patches());
  const Index co = out_channels(), P = patches();
  const S* vd = v.data();
  S* yd = y.data();
  each(*ctx_, y.size(), w_.name, [=] __device__(Index e) { kernels::unpatch_out(e, co, P, vd, yd); });
  return y;
}

template <class S> DeviceResidual<S> PatchMap<S>::patch_residual(Index batch) const {
  DeviceResidual<S> r;
  r.batch = patches() * batch;
  return r;
}

template <class S> DeviceMatrix<S> PatchMap<S>::forward(const DeviceMatrix<S>& x) const {
  return unpatch_out(dense_.forward(patch_in(x)));
}

template <class S>
DeviceMatrix<S> PatchMap<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), w_.name, "input");
  check_matrix(xdot, in_dim(), x.cols(), w_.name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), param_count(), w_.name);
  return unpatch_out(dense_.jvp(patch_in(x), patch_in(xdot), pdot));
}

template <class S> DeviceResidual<S> PatchMap<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), w_.name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S>
DeviceMatrix<S> PatchMap<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, w_.name, "output cotangent");
  return unpatch_in(dense_.vjp_input(patch_residual(r.batch), patch_out(delta)));
}

template <class S>
DeviceMatrix<S> PatchMap<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), w_.name, "input");
  check_matrix(delta, out_dim(), x.cols(), w_.name, "output cotangent");
  return dense_.vjp_params(patch_in(x), patch_out(delta));
}

template <class S> Index PatchMap<S>::fragment_size(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), w_.name, "input");
  return dense_.cokernel() * patches() * x.cols();
}

template <class S>
DeviceFragment<S> PatchMap<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), w_.name, "input");
  return fragment(input_residual(x), delta);
}

template <class S>
DeviceFragment<S> PatchMap<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, w_.name, "output cotangent");
  return dense_.fragment(patch_residual(r.batch), patch_out(delta));
}

template <class S>
DeviceMatrix<S> PatchMap<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& g, const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), w_.name, "input");
  check_matrix(g, in_dim(), x.cols(), w_.name, "input cotangent");
  require_fragment(f.size(), fragment_size(x), w_.name);
  return unpatch_out(dense_.vijp(patch_in(x), patch_in(g), f));
}

template class PatchMap<float>;
template class PatchMap<double>;

}  // namespace moonwalk::cuda::detail
