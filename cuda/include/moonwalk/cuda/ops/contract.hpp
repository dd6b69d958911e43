// The operator contract on the device (the reference's is_operator,
// reference/ops/registry.hpp): every device operator declares these members
// with this macro, in its class, and defines them in its .cu file. What
// varies by operator (fragment_size, inline 0 where the Jacobian is always
// surjective; its configuration and parameters) it declares itself.
#pragma once

#define MOONWALK_CUDA_OPERATOR_CONTRACT(S)                                                                            \
  DeviceMatrix<S> forward(const DeviceMatrix<S>& x) const;                                                            \
  /* pdot: param_count × 1, or empty for none. */                                                                     \
  DeviceMatrix<S> jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const;      \
  DeviceResidual<S> input_residual(const DeviceMatrix<S>& x) const;                                                   \
  DeviceMatrix<S> vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;                          \
  /* param_count × 1, summed over the batch. */                                                                       \
  DeviceMatrix<S> vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;                           \
  DeviceFragment<S> fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const;                           \
  /* From what Phase II keeps (no layer input). */                                                                    \
  DeviceFragment<S> fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const;                         \
  DeviceMatrix<S> vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& g, const DeviceFragment<S>& f) const
