#include "moonwalk/cuda/ops/patch_downsample2d.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/patch_downsample2d.hpp"

namespace moonwalk::cuda {

using namespace detail;

template <class S>
PatchDownsample2d<S>::PatchDownsample2d(Context& ctx, Index in_channels, Index height, Index width, Index patch,
                                        const HostMatrix<S>& weight, const std::vector<S>& bias)
    : ctx_(&ctx), ci_(in_channels), H_(height), W_(width), p_(patch),
      dense_(ctx, checked(in_channels, height, width, patch, weight, bias), bias) {}

template <class S>
const HostMatrix<S>& PatchDownsample2d<S>::checked(Index ci, Index H, Index W, Index p, const HostMatrix<S>& M,
                                                   const std::vector<S>& b) {
  require(ci > 0 && H > 0 && W > 0 && p > 0, name, "channels, height, width and patch must be positive");
  require(H % p == 0 && W % p == 0, name, "height and width must be multiples of the patch size");
  require(M.cols == ci * p * p, name, "weight must have C_in·p² columns");
  require(M.rows > 0, name, "weight must be non-empty");
  require(M.rows <= ci * p * p, name, "C_out > C_in·p²: the Jacobian is not surjective");
  require_rows(static_cast<Index>(b.size()), M.rows, name, "bias");
  require_finite(M, name, "weight");
  require_finite(HostMatrix<S>::column(b), name, "bias");
  return M;
}

template <class S> DeviceMatrix<S> PatchDownsample2d<S>::patch_in(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  const kernels::Patch2dShape s = shape();
  DeviceMatrix<S> v(ctx_->arena(), s.rows(), patches() * x.cols());
  const S* xd = x.data();
  S* vd = v.data();
  each(*ctx_, v.size(), name, [=] __device__(Index e) { kernels::patch2d_in(e, s, xd, vd); });
  return v;
}

template <class S> DeviceMatrix<S> PatchDownsample2d<S>::unpatch_in(const DeviceMatrix<S>& v) const {
  const kernels::Patch2dShape s = shape();
  require(v.rows() == s.rows() && v.cols() % patches() == 0, name, "patch columns of the wrong shape");
  DeviceMatrix<S> x(ctx_->arena(), in_dim(), v.cols() / patches());
  const S* vd = v.data();
  S* xd = x.data();
  each(*ctx_, x.size(), name, [=] __device__(Index e) { kernels::unpatch2d_in(e, s, vd, xd); });
  return x;
}

template <class S> DeviceMatrix<S> PatchDownsample2d<S>::patch_out(const DeviceMatrix<S>& y) const {
  check_matrix(y, out_dim(), name, "output cotangent");
  DeviceMatrix<S> v(ctx_->arena(), out_channels(), patches() * y.cols());
  const Index co = out_channels(), P = patches();
  const S* yd = y.data();
  S* vd = v.data();
  each(*ctx_, v.size(), name, [=] __device__(Index e) { kernels::patch_out(e, co, P, yd, vd); });
  return v;
}

template <class S> DeviceMatrix<S> PatchDownsample2d<S>::unpatch_out(const DeviceMatrix<S>& v) const {
  require(v.rows() == out_channels() && v.cols() % patches() == 0, name, "patch outputs of the wrong shape");
  DeviceMatrix<S> y(ctx_->arena(), out_dim(), v.cols() / patches());
  const Index co = out_channels(), P = patches();
  const S* vd = v.data();
  S* yd = y.data();
  each(*ctx_, y.size(), name, [=] __device__(Index e) { kernels::unpatch_out(e, co, P, vd, yd); });
  return y;
}

template <class S> DeviceResidual<S> PatchDownsample2d<S>::patch_residual(Index batch) const {
  DeviceResidual<S> r;
  r.batch = patches() * batch;
  return r;
}

template <class S> DeviceMatrix<S> PatchDownsample2d<S>::forward(const DeviceMatrix<S>& x) const {
  return unpatch_out(dense_.forward(patch_in(x)));
}

template <class S>
DeviceMatrix<S> PatchDownsample2d<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot,
                                          const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(xdot, in_dim(), x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), param_count(), name);
  return unpatch_out(dense_.jvp(patch_in(x), patch_in(xdot), pdot));
}

template <class S> DeviceResidual<S> PatchDownsample2d<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S>
DeviceMatrix<S> PatchDownsample2d<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, name, "output cotangent");
  return unpatch_in(dense_.vjp_input(patch_residual(r.batch), patch_out(delta)));
}

template <class S>
DeviceMatrix<S> PatchDownsample2d<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(delta, out_dim(), x.cols(), name, "output cotangent");
  return dense_.vjp_params(patch_in(x), patch_out(delta));
}

template <class S> Index PatchDownsample2d<S>::fragment_size(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  return dense_.cokernel() * patches() * x.cols();
}

template <class S>
DeviceFragment<S> PatchDownsample2d<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  return fragment(input_residual(x), delta);
}

template <class S>
DeviceFragment<S> PatchDownsample2d<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, name, "output cotangent");
  return dense_.fragment(patch_residual(r.batch), patch_out(delta));
}

template <class S>
DeviceMatrix<S> PatchDownsample2d<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& g,
                                           const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(g, in_dim(), x.cols(), name, "input cotangent");
  require_fragment(f.size(), fragment_size(x), name);
  return unpatch_out(dense_.vijp(patch_in(x), patch_in(g), f));
}

template class PatchDownsample2d<float>;
template class PatchDownsample2d<double>;

}  // namespace moonwalk::cuda
