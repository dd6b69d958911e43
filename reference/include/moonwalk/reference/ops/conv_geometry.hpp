// The index geometry of the convolutions, in one place for the reference
// operators and the CUDA kernels (which call it on the device): which input
// position an output reads through a tap, the circular wrap, where weights sit
// in θ, and the blocked strategy's seed positions. Needs no library; with nvcc
// its members are host and device functions.
#pragma once

#include "moonwalk/reference/ops/conv_spec.hpp"

#include <cstddef>
#include <vector>

#ifndef MOONWALK_HD
#ifdef __CUDACC__
#define MOONWALK_HD __host__ __device__
#else
#define MOONWALK_HD
#endif
#endif

namespace moonwalk::reference {

// conv1d: stride 1, odd kernel k, p = (k − 1)/2, a column channel-major
// C × W, weight A[o][i][t] at (o·C_in + i)·k + t.
struct Conv1dShape {
  using Index = std::ptrdiff_t;
  Index ci = 1, co = 1, W = 1, k = 1;
  bool circular = false;
  Index block = 8;

  static Conv1dShape of(const Conv1dSpec& s) {
    return {s.in_channels, s.out_channels, s.width, s.kernel, s.padding == Padding::circular, s.block};
  }
  MOONWALK_HD Index pad() const { return (k - 1) / 2; }
  MOONWALK_HD Index in_dim() const { return ci * W; }
  MOONWALK_HD Index out_dim() const { return co * W; }
  MOONWALK_HD Index weights() const { return co * ci * k; }
  MOONWALK_HD Index widx(Index o, Index i, Index t) const { return (o * ci + i) * k + t; }
  MOONWALK_HD Index wrap(Index s) const { return ((s % W) + W) % W; }
  // Input position read by output w through tap t; −1 outside for zero padding.
  MOONWALK_HD Index src(Index w, Index t) const {
    const Index s = w + t - pad();
    if (circular) return wrap(s);
    return (s < 0 || s >= W) ? -1 : s;
  }
  // Output position that reads input s through tap t; −1 outside for zero padding.
  MOONWALK_HD Index dst(Index s, Index t) const {
    const Index w = s - t + pad();
    if (circular) return wrap(w);
    return (w < 0 || w >= W) ? -1 : w;
  }
  // The blocked strategy's seeds, ascending: the k − 1 positions before every
  // block start B, 2B, ... (and before 0, wrapped, in circular padding), plus
  // positions 0 .. p − 1 in zero padding, which no equation determines.
  std::vector<Index> seed_positions() const {
    std::vector<char> seeded(static_cast<std::size_t>(W), 0);
    auto mark = [&](Index w) {
      if (circular) w = wrap(w);
      if (w >= 0 && w < W) seeded[static_cast<std::size_t>(w)] = 1;
    };
    if (!circular)
      for (Index w = 0; w < pad(); ++w) mark(w);
    for (Index w0 = circular ? 0 : block; w0 < W; w0 += block)
      for (Index t = 1; t < k; ++t) mark(w0 - t);
    std::vector<Index> out;
    for (Index w = 0; w < W; ++w)
      if (seeded[static_cast<std::size_t>(w)]) out.push_back(w);
    return out;
  }
};

// conv2d: stride 1, odd k × k kernel, p = (k − 1)/2, a column channel-major
// C × H × W (raster positions r·W + q), weight A[o][i][a][b] at
// ((o·C_in + i)·k + a)·k + b.
struct Conv2dShape {
  using Index = std::ptrdiff_t;
  Index ci = 1, co = 1, H = 1, W = 1, k = 1;
  bool circular = false;
  Index block = 8;

  static Conv2dShape of(const Conv2dSpec& s) {
    return {s.in_channels, s.out_channels, s.height, s.width, s.kernel, s.padding == Padding::circular, s.block};
  }
  MOONWALK_HD Index pad() const { return (k - 1) / 2; }
  MOONWALK_HD Index positions() const { return H * W; }
  MOONWALK_HD Index in_dim() const { return ci * H * W; }
  MOONWALK_HD Index out_dim() const { return co * H * W; }
  MOONWALK_HD Index weights() const { return co * ci * k * k; }
  MOONWALK_HD Index widx(Index o, Index i, Index a, Index b) const { return ((o * ci + i) * k + a) * k + b; }
  MOONWALK_HD static Index wrap(Index v, Index n) { return ((v % n) + n) % n; }
  // Raster position w moved by (dr, dq); −1 outside for zero padding.
  MOONWALK_HD Index shift(Index w, Index dr, Index dq) const {
    Index r = w / W + dr, q = w % W + dq;
    if (circular) {
      r = wrap(r, H);
      q = wrap(q, W);
    } else if (r < 0 || r >= H || q < 0 || q >= W) {
      return -1;
    }
    return r * W + q;
  }
  // Input position read by output w through tap (a, b).
  MOONWALK_HD Index src(Index w, Index a, Index b) const { return shift(w, a - pad(), b - pad()); }
  // Output position that reads input s through tap (a, b).
  MOONWALK_HD Index dst(Index s, Index a, Index b) const { return shift(s, pad() - a, pad() - b); }
  // The blocked strategy's seeds are whole rows and whole columns: the k − 1
  // rows before every block start (and before row 0, wrapped, in circular
  // padding), rows 0 .. p − 1 in zero padding; columns 0 .. p − 1 in zero
  // padding, the last k − 1 (wrapped before 0) in circular padding.
  std::vector<char> seeded_rows() const {
    std::vector<char> row(static_cast<std::size_t>(H), 0);
    auto mark = [&](Index r) {
      if (circular) r = wrap(r, H);
      if (r >= 0 && r < H) row[static_cast<std::size_t>(r)] = 1;
    };
    if (!circular)
      for (Index r = 0; r < pad(); ++r) mark(r);
    for (Index r0 = circular ? 0 : block; r0 < H; r0 += block)
      for (Index t = 1; t < k; ++t) mark(r0 - t);
    return row;
  }
  std::vector<char> seeded_columns() const {
    std::vector<char> col(static_cast<std::size_t>(W), 0);
    if (!circular)
      for (Index q = 0; q < pad() && q < W; ++q) col[static_cast<std::size_t>(q)] = 1;
    else
      for (Index t = 1; t < k; ++t) col[static_cast<std::size_t>(wrap(-t, W))] = 1;
    return col;
  }
  // The seeded raster positions, ascending.
  std::vector<Index> seed_positions() const {
    const std::vector<char> row = seeded_rows(), col = seeded_columns();
    std::vector<Index> out;
    for (Index w = 0; w < positions(); ++w)
      if (row[static_cast<std::size_t>(w / W)] || col[static_cast<std::size_t>(w % W)]) out.push_back(w);
    return out;
  }
};

}  // namespace moonwalk::reference
