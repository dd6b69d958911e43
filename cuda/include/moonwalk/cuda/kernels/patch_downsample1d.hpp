// Index maps of patch_downsample1d (ops/patch_downsample1d.hpp): a channel-major
// C_in × W column (W = P·k) and the C_in·k × (P·B) patch columns,
// v(i·k + t, b·P + q) = x(i·W + q·k + t, b); a C_out·P × B output and the
// C_out × (P·B) dense outputs, v(o, b·P + q) = y(o·P + q, b). One thread per
// destination entry e.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

template <class S> MOONWALK_HD void patch_in(Index e, Index ci, Index W, Index k, const S* x, S* v) {
  const Index P = W / k, row = e % (ci * k), col = e / (ci * k);
  const Index i = row / k, t = row % k, b = col / P, q = col % P;
  v[e] = x[i * W + q * k + t + b * ci * W];
}

template <class S> MOONWALK_HD void unpatch_in(Index e, Index ci, Index W, Index k, const S* v, S* x) {
  const Index P = W / k, row = e % (ci * W), b = e / (ci * W);
  const Index i = row / W, s = row % W, q = s / k, t = s % k;
  x[e] = v[(i * k + t) + (b * P + q) * (ci * k)];
}

template <class S> MOONWALK_HD void patch_out(Index e, Index co, Index P, const S* y, S* v) {
  const Index o = e % co, col = e / co, b = col / P, q = col % P;
  v[e] = y[o * P + q + b * co * P];
}

template <class S> MOONWALK_HD void unpatch_out(Index e, Index co, Index P, const S* v, S* y) {
  const Index row = e % (co * P), b = e / (co * P), o = row / P, q = row % P;
  y[e] = v[o + (b * P + q) * co];
}

}  // namespace moonwalk::cuda::kernels
