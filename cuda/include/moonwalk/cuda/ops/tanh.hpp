// tanh: y = tanh(x), no parameters, as the reference (reference/ops/tanh.hpp).
// Own element-wise kernels.
//   input_residual: x itself (the derivative 1/cosh²(x) from x is accurate to
//   a few ulps; from a rounded y it would not be).
//   vjp_input: h = t ⊙ δ, t = 1/cosh²(x);  vijp: h = g ⊘ t, refused where t
//   underflows to 0; no fragment.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class Tanh {
public:
  static constexpr const char* name = "tanh";

  Tanh(Context& ctx, Index n);

  Index in_dim() const { return n_; }
  Index out_dim() const { return n_; }
  Index param_count() const { return 0; }

  DeviceMatrix<S> forward(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const;
  DeviceResidual<S> input_residual(const DeviceMatrix<S>& x) const;
  DeviceMatrix<S> vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;
  DeviceMatrix<S> vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }
  DeviceFragment<S> fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;
  DeviceFragment<S> fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;
  // Waits for the stream (to refuse an underflowed derivative).
  DeviceMatrix<S> vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& hx, const DeviceFragment<S>& f) const;

private:
  Context* ctx_;
  Index n_;
};

}  // namespace moonwalk::cuda
