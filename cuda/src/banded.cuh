// The convolutions' banded strategy on the device (kernels/banded.hpp has the
// math): storage for the compressed columns of Jᵀ, which the operator fills
// with its own band_fill, the factorization by one thread block, and the
// solve, one thread per sample. Working set: a function of the weights.
#pragma once

#include "launch.cuh"
#include "moonwalk/cuda/kernels/banded.hpp"

#include <vector>

namespace moonwalk::cuda::detail {

template <class S> struct BandFactor {
  kernels::BandProfile profile;
  DeviceMatrix<Index> offsets;  // column c at band[offsets[c]]
  DeviceMatrix<S> band, tau;
};

template <class S> __global__ void band_factor_kernel(kernels::BandProfile b, const Index* off, S* A, S* tau) {
  for (Index c = 0; c < b.out_dim(); ++c) {
    if (threadIdx.x == 0) kernels::band_reflector(c, b, off, A, tau);
    __syncthreads();
    const Index end = kernels::band_col_end(b, c);
    for (Index j = c + 1 + threadIdx.x; j < end; j += blockDim.x) kernels::band_update(c, j, b, off, A, tau);
    __syncthreads();
  }
}

// Uninitialised storage for the profile's compressed columns.
template <class S> void band_allocate(const Context& ctx, const kernels::BandProfile& b, BandFactor<S>& f) {
  f.profile = b;
  std::vector<Index> off(static_cast<std::size_t>(b.out_dim() + 1), 0);
  for (Index c = 0; c < b.out_dim(); ++c)
    off[static_cast<std::size_t>(c + 1)] =
        off[static_cast<std::size_t>(c)] + kernels::band_row_end(b, c) - kernels::band_row_start(b, c);
  f.offsets = DeviceMatrix<Index>::upload(ctx.arena(), HostMatrix<Index>::column(off));
  f.band = DeviceMatrix<S>(ctx.arena(), off.back(), 1);
  f.tau = DeviceMatrix<S>(ctx.arena(), b.out_dim(), 1);
}

// Factors the filled band in place; a zero on R's diagonal is refused as the
// reference refuses it (waits for the stream).
template <class S> void band_factorize(const Context& ctx, BandFactor<S>& f, const char* op) {
  const kernels::BandProfile b = f.profile;
  const Index* o = f.offsets.data();
  S *A = f.band.data(), *tau = f.tau.data();
  band_factor_kernel<<<1, kThreads, 0, stream_of(ctx)>>>(b, o, A, tau);
  check(cudaGetLastError(), op, "kernel launch");
  DeviceMatrix<S> diag(ctx.arena(), b.out_dim(), 1);
  S* dg = diag.data();
  each(ctx, b.out_dim(), op, [=] __device__(Index c) { dg[c] = *kernels::band_at(b, o, A, c, c); });
  for (S beta : diag.download().data)
    require(beta != S(0), op, "banded strategy: the Jacobian is rank deficient; use dense");
}

// d (out_dim × B) with Jᵀ d = g (in_dim × B) in least squares.
template <class S> void band_apply(const Context& ctx, const BandFactor<S>& f, const S* g, Index B, S* d, const char* op) {
  const kernels::BandProfile b = f.profile;
  DeviceMatrix<S> work(ctx.arena(), b.in_dim(), B);
  const Index* o = f.offsets.data();
  const S *A = f.band.data(), *tau = f.tau.data();
  S* z = work.data();
  each(ctx, B, op, [=] __device__(Index j) { kernels::band_solve(j, b, o, A, tau, g, z, d); });
}

}  // namespace moonwalk::cuda::detail
