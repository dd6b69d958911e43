#include "launch.cuh"

namespace moonwalk::cuda::detail {

namespace {

constexpr int kScanThreads = 1024;

// Each thread sums a contiguous chunk, thread 0 scans the chunk sums, then each
// thread writes its chunk's prefixes: the order of the input is kept.
__global__ void scan_kernel(const int* counts, Index n, Index* before) {
  __shared__ Index sums[kScanThreads + 1];
  const Index chunk = (n + kScanThreads - 1) / kScanThreads;
  const Index lo = threadIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  Index s = 0;
  for (Index i = lo; i < hi; ++i) s += counts[i];
  sums[threadIdx.x + 1] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    sums[0] = 0;
    for (int t = 1; t <= kScanThreads; ++t) sums[t] += sums[t - 1];
  }
  __syncthreads();
  Index run = sums[threadIdx.x];
  for (Index i = lo; i < hi; ++i) {
    before[i] = run;
    run += counts[i];
  }
  if (threadIdx.x == kScanThreads - 1) before[n] = sums[kScanThreads];
}

template <class S> __global__ void finite_kernel(const S* v, Index n, int* bad) {
  const Index stride = static_cast<Index>(gridDim.x) * blockDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    if (!kernels::finite_of(v[i])) *bad = 1;
}

}  // namespace

void exclusive_scan(const Context& ctx, const int* counts, Index n, Index* before, const char* op) {
  scan_kernel<<<1, kScanThreads, 0, stream_of(ctx)>>>(counts, n, before);
  check(cudaGetLastError(), op, "kernel launch");
}

template <class S> bool all_finite(const Context& ctx, const S* v, Index n, const char* op) {
  if (n <= 0) return true;
  DeviceMatrix<int> flag(ctx.arena(), 1, 1);
  check(cudaMemsetAsync(flag.data(), 0, sizeof(int), stream_of(ctx)), op, "memset");
  const Index blocks = std::min<Index>((n + kThreads - 1) / kThreads, 4096);
  finite_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream_of(ctx)>>>(v, n, flag.data());
  check(cudaGetLastError(), op, "kernel launch");
  return fetch(ctx, flag.data(), op) == 0;
}

template bool all_finite<float>(const Context&, const float*, Index, const char*);
template bool all_finite<double>(const Context&, const double*, Index, const char*);

}  // namespace moonwalk::cuda::detail
