#include "moonwalk/cuda/ops/space_to_depth.hpp"

#include "../launch.cuh"
#include "moonwalk/cuda/kernels/space_to_depth.hpp"

namespace moonwalk::cuda {

using namespace detail;

template <class S>
SpaceToDepth<S>::SpaceToDepth(Context& ctx, Index channels, Index height, Index width, Index block)
    : ctx_(&ctx), C_(channels), H_(height), W_(width), b_(block) {
  require(channels > 0 && height > 0 && width > 0 && block > 0, name,
          "channels, height, width and block must be positive");
  require(height % block == 0 && width % block == 0, name, "height and width must be multiples of the block");
}

namespace {
// A free function: nvcc refuses a __device__ lambda inside a private member.
template <class S>
DeviceMatrix<S> permute(const Context& ctx, const DeviceMatrix<S>& m, Index C, Index H, Index W, Index b, bool gather) {
  const Index n = C * H * W;
  DeviceMatrix<S> out(ctx.arena(), n, m.cols());
  const S* in = m.data();
  S* o = out.data();
  if (gather)
    each(ctx, out.size(), "space_to_depth", [=] __device__(Index e) { kernels::space_to_depth_gather(e, n, H, W, b, in, o); });
  else
    each(ctx, out.size(), "space_to_depth", [=] __device__(Index e) { kernels::space_to_depth_scatter(e, n, H, W, b, in, o); });
  return out;
}
}  // namespace

template <class S> DeviceMatrix<S> SpaceToDepth<S>::permute(const DeviceMatrix<S>& m, bool gather) const {
  return cuda::permute(*ctx_, m, C_, H_, W_, b_, gather);
}

template <class S> DeviceMatrix<S> SpaceToDepth<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  return permute(x, true);
}

template <class S>
DeviceMatrix<S> SpaceToDepth<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(xdot, in_dim(), x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), 0, name);
  return permute(xdot, true);
}

template <class S> DeviceResidual<S> SpaceToDepth<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S>
DeviceMatrix<S> SpaceToDepth<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, name, "output cotangent");
  return permute(delta, false);
}

template <class S>
DeviceMatrix<S> SpaceToDepth<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(delta, out_dim(), x.cols(), name, "output cotangent");
  return DeviceMatrix<S>(ctx_->arena(), 0, 1);
}

template <class S>
DeviceFragment<S> SpaceToDepth<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  return empty_fragment(*ctx_, delta, out_dim(), x.cols(), name);
}

template <class S>
DeviceFragment<S> SpaceToDepth<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  return empty_fragment(*ctx_, delta, out_dim(), r.batch, name);
}

template <class S>
DeviceMatrix<S> SpaceToDepth<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(hx, in_dim(), x.cols(), name, "input cotangent");
  require_fragment(f.size(), 0, name);
  return permute(hx, true);
}

template class SpaceToDepth<float>;
template class SpaceToDepth<double>;

}  // namespace moonwalk::cuda
