// cuBLAS and cuSOLVER by precision, on the context's stream, with workspaces
// from the arena and dimensions checked to fit the libraries' int.
#pragma once

#include "launch.cuh"

#include <limits>

namespace moonwalk::cuda::detail {

inline int dim(Index n, const char* op) {
  require(n >= 0 && n <= std::numeric_limits<int>::max(), op, "dimension beyond the libraries' int range");
  return static_cast<int>(n);
}

inline cublasOperation_t blas_op(bool transpose) { return transpose ? CUBLAS_OP_T : CUBLAS_OP_N; }

// C = α op(A) op(B) + β C, C m × n, op(A) m × k.
template <class S>
void gemm(const Context& ctx, bool ta, bool tb, Index m, Index n, Index k, S alpha, const S* A, Index lda, const S* B,
          Index ldb, S beta, S* C, Index ldc, const char* op) {
  if (m == 0 || n == 0) return;
  cublasStatus_t st;
  if constexpr (std::is_same_v<S, float>)
    st = cublasSgemm(ctx.handles().blas, blas_op(ta), blas_op(tb), dim(m, op), dim(n, op), dim(k, op), &alpha, A,
                     dim(lda, op), B, dim(ldb, op), &beta, C, dim(ldc, op));
  else
    st = cublasDgemm(ctx.handles().blas, blas_op(ta), blas_op(tb), dim(m, op), dim(n, op), dim(k, op), &alpha, A,
                     dim(lda, op), B, dim(ldb, op), &beta, C, dim(ldc, op));
  check(st, op, "cublas gemm");
}

// B = R⁻¹ B, R the m × m upper triangle of A (non-unit diagonal), B m × n.
template <class S> void trsm_upper(const Context& ctx, Index m, Index n, const S* A, Index lda, S* B, Index ldb, const char* op) {
  if (m == 0 || n == 0) return;
  const S one = 1;
  cublasStatus_t st;
  if constexpr (std::is_same_v<S, float>)
    st = cublasStrsm(ctx.handles().blas, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT,
                     dim(m, op), dim(n, op), &one, A, dim(lda, op), B, dim(ldb, op));
  else
    st = cublasDtrsm(ctx.handles().blas, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT,
                     dim(m, op), dim(n, op), &one, A, dim(lda, op), B, dim(ldb, op));
  check(st, op, "cublas trsm");
}

inline void check_info(const Context& ctx, const int* info, const char* op, const char* what) {
  const int v = fetch(ctx, info, op);
  if (v != 0) fail(op, std::string(what) + ": cuSOLVER info " + std::to_string(v));
}

// Householder QR of the m × n matrix A in place (LAPACK layout: R above, the
// reflectors' essential parts below the diagonal, τ in tau[min(m, n)]).
template <class S> void geqrf(const Context& ctx, Index m, Index n, S* A, Index lda, S* tau, const char* op) {
  if (m == 0 || n == 0) return;
  auto h = ctx.handles().solver;
  int lwork = 0;
  if constexpr (std::is_same_v<S, float>)
    check(cusolverDnSgeqrf_bufferSize(h, dim(m, op), dim(n, op), A, dim(lda, op), &lwork), op, "cusolver geqrf");
  else
    check(cusolverDnDgeqrf_bufferSize(h, dim(m, op), dim(n, op), A, dim(lda, op), &lwork), op, "cusolver geqrf");
  DeviceMatrix<S> work(ctx.arena(), std::max(lwork, 1), 1);
  DeviceMatrix<int> info(ctx.arena(), 1, 1);
  if constexpr (std::is_same_v<S, float>)
    check(cusolverDnSgeqrf(h, dim(m, op), dim(n, op), A, dim(lda, op), tau, work.data(), lwork, info.data()), op,
          "cusolver geqrf");
  else
    check(cusolverDnDgeqrf(h, dim(m, op), dim(n, op), A, dim(lda, op), tau, work.data(), lwork, info.data()), op,
          "cusolver geqrf");
  check_info(ctx, info.data(), op, "cusolver geqrf");
}

// C = Qᵀ C, Q = H_0 ⋯ H_{k−1} from geqrf's A (m × k reflectors), C m × n.
template <class S>
void ormqr_transpose(const Context& ctx, Index m, Index n, Index k, const S* A, Index lda, const S* tau, S* C, Index ldc,
                     const char* op) {
  if (m == 0 || n == 0 || k == 0) return;
  auto h = ctx.handles().solver;
  int lwork = 0;
  if constexpr (std::is_same_v<S, float>)
    check(cusolverDnSormqr_bufferSize(h, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, dim(m, op), dim(n, op), dim(k, op), A,
                                      dim(lda, op), tau, C, dim(ldc, op), &lwork),
          op, "cusolver ormqr");
  else
    check(cusolverDnDormqr_bufferSize(h, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, dim(m, op), dim(n, op), dim(k, op), A,
                                      dim(lda, op), tau, C, dim(ldc, op), &lwork),
          op, "cusolver ormqr");
  // Reports only invalid arguments, which the status code reports too: not
  // read back, so that applying a factor never waits for the device.
  DeviceMatrix<S> work(ctx.arena(), std::max(lwork, 1), 1);
  DeviceMatrix<int> info(ctx.arena(), 1, 1);
  if constexpr (std::is_same_v<S, float>)
    check(cusolverDnSormqr(h, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, dim(m, op), dim(n, op), dim(k, op), A, dim(lda, op), tau,
                           C, dim(ldc, op), work.data(), lwork, info.data()),
          op, "cusolver ormqr");
  else
    check(cusolverDnDormqr(h, CUBLAS_SIDE_LEFT, CUBLAS_OP_T, dim(m, op), dim(n, op), dim(k, op), A, dim(lda, op), tau,
                           C, dim(ldc, op), work.data(), lwork, info.data()),
          op, "cusolver ormqr");
}

}  // namespace moonwalk::cuda::detail
