// Column-pivoted Householder QR on the host, by Eigen's ColPivHouseholderQR:
// the very factorization the reference uses, so that rank decisions and the
// pivots that define a fragment agree with it exactly. cuSOLVER has no
// column-pivoted QR; the GPU path falls back to this only when its unpivoted
// factor finds a rank deficiency (or more outputs than inputs). Plain C++:
// Eigen stays out of the .cu files.
#pragma once

#include "moonwalk/cuda/tensor.hpp"

#include <vector>

namespace moonwalk::cuda::detail {

template <class S> struct PivotedQR {
  Index rank = 0;
  std::vector<Index> perm;  // (Pᵀ v)(i) = v(perm[i])
  HostMatrix<S> qr;         // R above the diagonal, reflectors below (LAPACK layout)
  std::vector<S> tau;       // min(rows, cols) reflector coefficients
};

// Of A (rows × cols), as ColPivHouseholderQR computes it.
template <class S> PivotedQR<S> pivoted_qr(const HostMatrix<S>& A);
// ColPivHouseholderQR(A).rank().
template <class S> Index pivoted_rank(const HostMatrix<S>& A);

}  // namespace moonwalk::cuda::detail
