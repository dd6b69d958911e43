// Index maps of the patch operators (ops/patch_map.hpp): a column C_in × H × W
// (channel-major, then row-major; H = P_h·ph, W = P_w·pw) and the
// C_in·ph·pw × (P·B) patch columns, P = P_h·P_w patches in raster order,
// v((i·ph + a)·pw + b, n·P + q) = x((i·H + R·ph + a)·W + Q·pw + b, n) for
// patch q = R·P_w + Q; a C_out·P × B output and the C_out × (P·B) dense
// outputs, v(o, n·P + q) = y(o·P + q, n). patch_downsample1d is H = 1,
// ph = 1, pw = k; patch_downsample2d ph = pw = k. One thread per destination
// entry e.
#pragma once

#include "moonwalk/cuda/kernels/common.hpp"

namespace moonwalk::cuda::kernels {

struct PatchShape {
  Index ci = 1, H = 1, W = 1, ph = 1, pw = 1;

  MOONWALK_HD Index patch_cols() const { return W / pw; }
  MOONWALK_HD Index patches() const { return (H / ph) * (W / pw); }
  MOONWALK_HD Index rows() const { return ci * ph * pw; }  // of a patch column
  MOONWALK_HD Index in_dim() const { return ci * H * W; }
  // Input row of channel i, offset (a, b) inside patch q.
  MOONWALK_HD Index input_index(Index i, Index q, Index a, Index b) const {
    const Index R = q / patch_cols(), Q = q % patch_cols();
    return (i * H + R * ph + a) * W + Q * pw + b;
  }
};

template <class S> MOONWALK_HD void patch_in(Index e, const PatchShape& s, const S* x, S* v) {
  const Index row = e % s.rows(), col = e / s.rows(), P = s.patches();
  const Index i = row / (s.ph * s.pw), a = (row / s.pw) % s.ph, b = row % s.pw, n = col / P, q = col % P;
  v[e] = x[s.input_index(i, q, a, b) + n * s.in_dim()];
}

template <class S> MOONWALK_HD void unpatch_in(Index e, const PatchShape& s, const S* v, S* x) {
  const Index row = e % s.in_dim(), n = e / s.in_dim();
  const Index i = row / (s.H * s.W), r = (row / s.W) % s.H, c = row % s.W;
  const Index q = (r / s.ph) * s.patch_cols() + c / s.pw, a = r % s.ph, b = c % s.pw;
  x[e] = v[(i * s.ph + a) * s.pw + b + (n * s.patches() + q) * s.rows()];
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
