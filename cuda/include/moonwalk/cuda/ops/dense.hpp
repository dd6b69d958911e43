// dense: y = A x + b, A ∈ R^{m×n}, θ = (vec A, b), as the reference
// (reference/ops/dense.hpp).
//   forward, jvp, vjp_input, vjp_params: cuBLAS gemm; the bias and its
//   gradient (Σ over the batch, in order) by own kernels.
//   vijp: the right inverse through a QR of Aᵀ, factored once per weight set
//   and shared by every column of every batch: cuSOLVER geqrf + ormqr and
//   cuBLAS trsm; when W is (or is near) rank deficient or m > n, the
//   reference's own column-pivoted QR (computed on the host) so that rank and
//   fragment agree with it (cuda/src/right_inverse.cuh).
//   fragment: the m − rank entries of δ at the pivots the factor left out.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

#include <memory>

namespace moonwalk::cuda {

namespace detail {
template <class S> class RightInverse;
}

template <class S> class Dense {
public:
  static constexpr const char* name = "dense";

  Dense(Context& ctx, const HostMatrix<S>& weight, const std::vector<S>& bias);

  Index in_dim() const { return n_; }
  Index out_dim() const { return m_; }
  Index param_count() const { return m_ * n_ + m_; }
  std::vector<S> params() const { return params_; }
  void set_params(const std::vector<S>& p);
  // θ on the device, in the parameters category.
  const DeviceMatrix<S>& theta() const { return theta_; }

  // fragment(r, δ): the fragment depends on A and δ only: Phase II needs no input.
  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>& x) const;
  // m − rank(W): fragment scalars per column (factors W on first use).
  Index cokernel() const;

private:
  const S* weight() const { return theta_.data(); }
  const S* bias() const { return theta_.data() + m_ * n_; }
  const detail::RightInverse<S>& factor() const;

  Context* ctx_;
  Index m_, n_;
  std::vector<S> params_;
  DeviceMatrix<S> theta_;
  mutable std::shared_ptr<const detail::RightInverse<S>> factor_;
};

}  // namespace moonwalk::cuda
