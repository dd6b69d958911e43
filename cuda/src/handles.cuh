// The stream and library handles behind a Context, and the checks that turn
// CUDA, cuBLAS, cuSOLVER and cuFFT status codes into moonwalk::cuda::Error.
#pragma once

#include "moonwalk/cuda/context.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>
#include <cusolverDn.h>

#include <string>

namespace moonwalk::cuda {

struct Context::Handles {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  cusolverDnHandle_t solver = nullptr;
};

inline cudaStream_t stream_of(const Context& ctx) { return ctx.handles().stream; }

inline void check(cudaError_t e, const char* op, const char* what) {
  if (e != cudaSuccess) fail(op, std::string(what) + ": " + cudaGetErrorString(e));
}
inline void check(cublasStatus_t e, const char* op, const char* what) {
  if (e != CUBLAS_STATUS_SUCCESS) fail(op, std::string(what) + ": " + cublasGetStatusString(e));
}
inline void check(cusolverStatus_t e, const char* op, const char* what) {
  if (e != CUSOLVER_STATUS_SUCCESS) fail(op, std::string(what) + ": cuSOLVER status " + std::to_string(static_cast<int>(e)));
}
inline void check(cufftResult e, const char* op, const char* what) {
  if (e != CUFFT_SUCCESS) fail(op, std::string(what) + ": cuFFT status " + std::to_string(static_cast<int>(e)));
}

}  // namespace moonwalk::cuda
