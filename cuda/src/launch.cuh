// Kernel launches over an index range, and the few device-wide helpers the
// operators share (prefix sums, finiteness checks, reading back one value).
#pragma once

#include "handles.cuh"
#include "moonwalk/cuda/kernels/common.hpp"
#include "moonwalk/cuda/tensor.hpp"

#include <algorithm>

namespace moonwalk::cuda::detail {

inline constexpr int kThreads = 256;

template <class F> __global__ void __launch_bounds__(kThreads) each_kernel(Index n, F f) {
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

// f(i) for i in [0, n), on the context's stream.
template <class F> void each(const Context& ctx, Index n, const char* op, F f) {
  if (n <= 0) return;
  const Index blocks = std::min<Index>((n + kThreads - 1) / kThreads, Index{1} << 20);
  each_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream_of(ctx)>>>(n, f);
  check(cudaGetLastError(), op, "kernel launch");
}

// before[i] = Σ_{j<i} counts[j] for i ≤ n (before[n] is the total); one block.
void exclusive_scan(const Context& ctx, const int* counts, Index n, Index* before, const char* op);

// Whether every one of the n values is finite (waits for the stream).
template <class S> bool all_finite(const Context& ctx, const S* v, Index n, const char* op);

// One value from device memory (waits for the stream).
template <class T> T fetch(const Context& ctx, const T* p, const char* op) {
  T v{};
  check(cudaMemcpyAsync(&v, p, sizeof(T), cudaMemcpyDeviceToHost, stream_of(ctx)), op, "download");
  check(cudaStreamSynchronize(stream_of(ctx)), op, "asynchronous error");
  return v;
}

template <class T> void copy_to_device(const Context& ctx, T* dst, const T* src, Index n, const char* op) {
  if (n > 0)
    check(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T), cudaMemcpyHostToDevice, stream_of(ctx)),
          op, "upload");
}

// Shapes checked against the operator before any launch.
template <class S> void check_matrix(const DeviceMatrix<S>& m, Index rows, const char* op, const char* what) {
  require_rows(m.rows(), rows, op, what);
  require(m.size() == 0 || m.data() != nullptr, op, std::string(what) + " has no storage");
}
template <class S>
void check_matrix(const DeviceMatrix<S>& m, Index rows, Index batch, const char* op, const char* what) {
  check_matrix(m, rows, op, what);
  require_batch(m.cols(), batch, op, what);
}

// The empty fragment of an operator whose Jacobian is always surjective, after
// the check every fragment(r, δ) makes of the output cotangent.
template <class S>
DeviceFragment<S> empty_fragment(Context& ctx, const DeviceMatrix<S>& delta, Index rows, Index batch, const char* op) {
  check_matrix(delta, rows, batch, op, "output cotangent");
  return {DeviceMatrix<S>(ctx.arena(), 0, 1, Category::fragments)};
}

inline void check_mask(const DeviceBitMask& m, Index rows, Index batch, const char* op) {
  if (m.rows() == rows && m.cols() == batch && (m.words() == 0 || m.data() != nullptr)) return;
  fail(op, "the residual's mask is " + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + ", expected " +
               std::to_string(rows) + "x" + std::to_string(batch));
}

}  // namespace moonwalk::cuda::detail
