// Index maps of patch_downsample2d (ops/patch_downsample2d.hpp): a column
// C_in × H × W (channel-major, then row-major; H = P_h·p, W = P_w·p) and the
// C_in·p² × (P·B) patch columns, P = P_h·P_w patches in raster order,
// v((i·p + a)·p + b, n·P + q) = x((i·H + R·p + a)·W + Q·p + b, n) for patch
// q = R·P_w + Q. The outputs map as patch_downsample1d's (patch_out,
// unpatch_out of kernels/patch_downsample1d.hpp). One thread per destination
// entry e.
#pragma once

#include "moonwalk/cuda/kernels/patch_downsample1d.hpp"

namespace moonwalk::cuda::kernels {

struct Patch2dShape {
  Index ci = 1, H = 1, W = 1, p = 1;

  MOONWALK_HD Index patch_cols() const { return W / p; }
  MOONWALK_HD Index patches() const { return (H / p) * (W / p); }
  MOONWALK_HD Index rows() const { return ci * p * p; }  // of a patch column
  MOONWALK_HD Index in_dim() const { return ci * H * W; }
  // Input row of channel i, offset (a, b) inside patch q.
  MOONWALK_HD Index input_index(Index i, Index q, Index a, Index b) const {
    const Index R = q / patch_cols(), Q = q % patch_cols();
    return (i * H + R * p + a) * W + Q * p + b;
  }
};

template <class S> MOONWALK_HD void patch2d_in(Index e, const Patch2dShape& s, const S* x, S* v) {
  const Index row = e % s.rows(), col = e / s.rows(), P = s.patches();
  const Index i = row / (s.p * s.p), a = (row / s.p) % s.p, b = row % s.p, n = col / P, q = col % P;
  v[e] = x[s.input_index(i, q, a, b) + n * s.in_dim()];
}

template <class S> MOONWALK_HD void unpatch2d_in(Index e, const Patch2dShape& s, const S* v, S* x) {
  const Index row = e % s.in_dim(), n = e / s.in_dim();
  const Index i = row / (s.H * s.W), r = (row / s.W) % s.H, c = row % s.W;
  const Index q = (r / s.p) * s.patch_cols() + c / s.p, a = r % s.p, b = c % s.p;
  x[e] = v[(i * s.p + a) * s.p + b + (n * s.patches() + q) * s.rows()];
}

}  // namespace moonwalk::cuda::kernels
