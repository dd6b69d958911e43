// The right inverse of an m × n matrix A through a QR of Aᵀ, factored once and
// applied to a whole batch (kernels/dense.hpp has the math). The factor is
// cuSOLVER's unpivoted geqrf when m ≤ n and its diagonal passes, with a
// margin, the rank test of Eigen's ColPivHouseholderQR: |R_ii| >
// max(ε·m, √ε)·max|R_ii|. Then W has full row rank, there is no fragment and
// the least-squares solution does not depend on pivoting. Otherwise the factor is the reference's own
// column-pivoted QR, computed on the host (host_qr.hpp) and applied on the
// device, so that rank and fragment agree with the reference.
#pragma once

#include "launch.cuh"

namespace moonwalk::cuda::detail {

template <class S> class RightInverse {
public:
  // W: m × n on the device, leading dimension m.
  RightInverse(const Context& ctx, const S* W, Index m, Index n, const char* op);

  Index rank() const { return rank_; }
  Index cokernel() const { return m_ - rank_; }
  bool pivoted() const { return !perm_.empty(); }
  // f (k × B): the entries of δ (m × B) at the pivots the factor left out.
  void fragment(const S* delta, Index batch, S* f) const;
  // out (m × B): δ with Aᵀ δ = g in least squares (g n × B), the left-out
  // entries taken from f (k × B).
  void solve(const S* g, Index batch, const S* f, S* out) const;

private:
  const Context* ctx_;
  const char* op_;
  Index m_, n_, rank_ = 0;
  DeviceMatrix<S> qr_, tau_;
  DeviceMatrix<Index> perm_;
};

}  // namespace moonwalk::cuda::detail
