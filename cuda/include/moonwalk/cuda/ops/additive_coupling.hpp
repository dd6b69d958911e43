// additive_coupling (RevNet block): x = (x₁, x₂), halves of dimension d;
//   y₁ = x₁ + F(x₂),  y₂ = x₂ + G(y₁),  F, G: z ↦ A₂ tanh(A₁ z + b₁) + b₂
// (k hidden units), θ = (θ_F, θ_G), each (vec A₁, b₁, vec A₂, b₂), as the
// reference (reference/ops/additive_coupling.hpp). The inner nets' products
// are cuBLAS gemms on the halves in place (leading dimension 2d); bias, tanh,
// slopes and the coupling sums are own kernels.
//   vjp_input: a = δ₁ + J_Gᵀ δ₂, h = (a, δ₂ + J_Fᵀ a); the residual keeps x
//   vijp: δ₂ = g₂ − J_Fᵀ g₁, δ₁ = g₁ − J_Gᵀ δ₂ — two local vjps, no solve
//   fragment: none (bijective).
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class AdditiveCoupling {
public:
  static constexpr const char* name = "additive_coupling";

  // θ as the reference orders it (docs/porting.md).
  AdditiveCoupling(Context& ctx, Index half, Index hidden, const std::vector<S>& params);

  Index half() const { return d_; }
  Index hidden() const { return k_; }
  Index in_dim() const { return 2 * d_; }
  Index out_dim() const { return 2 * d_; }
  Index param_count() const { return 2 * net_params(); }
  std::vector<S> params() const { return params_; }
  void set_params(const std::vector<S>& p);
  const DeviceMatrix<S>& theta() const { return theta_; }

  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }

private:
  Index net_params() const { return 2 * d_ * k_ + k_ + d_; }
  Context* ctx_;
  Index d_, k_;
  std::vector<S> params_;
  DeviceMatrix<S> theta_;
};

}  // namespace moonwalk::cuda
