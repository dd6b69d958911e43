// Fast float/double kernels of the convolutions (conv1d, conv2d), used where
// the scalar is a hardware float; multiprecision keeps the operators' own
// loops, which state the math. A column is channel-major C × P (P positions),
// so one sample is a P × C column-major matrix, and every tap t is a matrix
// product over the ranges of positions it reads contiguously: a run
// (w0, s0, len) has output w0 + u read input s0 + u through tap t. Weight
// A[o][i][t] sits at (o·C_in + i)·T + t (conv2d: t = a·k + b).
// The circular fft strategy's transforms along positions use Eigen's FFT
// (kissfft): O(P log P) per channel in place of the direct O(P²) DFT.
#pragma once

#include "moonwalk/reference/tensor.hpp"

#include <unsupported/Eigen/FFT>

#include <complex>
#include <type_traits>
#include <vector>

namespace moonwalk::reference::conv_kernels {

template <class S> inline constexpr bool enabled = std::is_same_v<S, float> || std::is_same_v<S, double>;

struct Run {
  Index w0, s0, len;
};
using TapRuns = std::vector<std::vector<Run>>;

// src(w, t): the input position output w reads through tap t, −1 for none.
template <class Src> TapRuns tap_runs(Index positions, Index taps, const Src& src) {
  TapRuns out(static_cast<std::size_t>(taps));
  for (Index t = 0; t < taps; ++t) {
    auto& runs = out[static_cast<std::size_t>(t)];
    for (Index w = 0; w < positions; ++w) {
      const Index s = src(w, t);
      if (s < 0) continue;
      if (!runs.empty() && runs.back().w0 + runs.back().len == w && runs.back().s0 + runs.back().len == s)
        ++runs.back().len;
      else runs.push_back({w, s, 1});
    }
  }
  return out;
}

// A_t as a C_out × C_in matrix.
template <class S, class Weights> Mat<S> tap(const Weights& wt, Index ci, Index co, Index taps, Index t) {
  Mat<S> m(co, ci);
  for (Index o = 0; o < co; ++o)
    for (Index i = 0; i < ci; ++i) m(o, i) = wt((o * ci + i) * taps + t);
  return m;
}

// y[:, w] = Σ_t A_t x[:, src(w, t)], no bias.
template <class S, class Weights>
Mat<S> forward(const Weights& wt, const Mat<S>& x, Index ci, Index co, Index P, const TapRuns& runs) {
  const Index T = static_cast<Index>(runs.size());
  Mat<S> y = Mat<S>::Zero(co * P, x.cols());
  for (Index t = 0; t < T; ++t) {
    const Mat<S> WtT = tap<S>(wt, ci, co, T, t).transpose();
    for (Index j = 0; j < x.cols(); ++j) {
      Eigen::Map<const Mat<S>> X(x.col(j).data(), P, ci);
      Eigen::Map<Mat<S>> Y(y.col(j).data(), P, co);
      for (const Run& r : runs[static_cast<std::size_t>(t)])
        Y.middleRows(r.w0, r.len).noalias() += X.middleRows(r.s0, r.len) * WtT;
    }
  }
  return y;
}

// h[:, src(w, t)] += A_tᵀ δ[:, w].
template <class S, class Weights>
Mat<S> vjp_input(const Weights& wt, const Mat<S>& delta, Index ci, Index co, Index P, const TapRuns& runs) {
  const Index T = static_cast<Index>(runs.size());
  Mat<S> h = Mat<S>::Zero(ci * P, delta.cols());
  for (Index t = 0; t < T; ++t) {
    const Mat<S> Wt = tap<S>(wt, ci, co, T, t);
    for (Index j = 0; j < delta.cols(); ++j) {
      Eigen::Map<const Mat<S>> D(delta.col(j).data(), P, co);
      Eigen::Map<Mat<S>> Hx(h.col(j).data(), P, ci);
      for (const Run& r : runs[static_cast<std::size_t>(t)])
        Hx.middleRows(r.s0, r.len).noalias() += D.middleRows(r.w0, r.len) * Wt;
    }
  }
  return h;
}

// (∂ℓ/∂A[o][i][t] = Σ_w δ[o, w] x[i, src(w, t)], ∂ℓ/∂b[o] = Σ_w δ[o, w]).
template <class S>
Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta, Index ci, Index co, Index P, const TapRuns& runs) {
  const Index T = static_cast<Index>(runs.size());
  Vec<S> g = Vec<S>::Zero(co * ci * T + co);
  for (Index t = 0; t < T; ++t) {
    Mat<S> Gt = Mat<S>::Zero(co, ci);
    for (Index j = 0; j < x.cols(); ++j) {
      Eigen::Map<const Mat<S>> X(x.col(j).data(), P, ci);
      Eigen::Map<const Mat<S>> D(delta.col(j).data(), P, co);
      for (const Run& r : runs[static_cast<std::size_t>(t)])
        Gt.noalias() += D.middleRows(r.w0, r.len).transpose() * X.middleRows(r.s0, r.len);
    }
    for (Index o = 0; o < co; ++o)
      for (Index i = 0; i < ci; ++i) g((o * ci + i) * T + t) = Gt(o, i);
  }
  for (Index j = 0; j < delta.cols(); ++j) {
    Eigen::Map<const Mat<S>> D(delta.col(j).data(), P, co);
    g.tail(co) += D.colwise().sum().transpose();
  }
  return g;
}

// The conv1d fft vijp: per sample, ĝ_f = Σ_s g[:, s] ω^{−fs} by FFT, z_f =
// solve(f, [Re ĝ_f; Im ĝ_f]) (the per-frequency least-squares solve of the
// real embedding), then δ[:, w] = (1/W) Re Σ_f z_f ω^{fw} by inverse FFT.
template <class S, class Solve> Mat<S> vijp_fft_1d(const Mat<S>& g, Index ci, Index co, Index W, const Solve& solve) {
  using C = std::complex<S>;
  Eigen::FFT<S> fft;
  Mat<S> d(co * W, g.cols());
  // kissfft fails on a transform of length 1, which is the identity.
  auto fwd = [&fft, W](std::vector<C>& out, const std::vector<S>& in) {
    if (W == 1) out.assign(1, C(in[0], S(0)));
    else fft.fwd(out, in);  // the full spectrum: Eigen::FFT fills the conjugate half for real input
  };
  auto inv = [&fft, W](std::vector<C>& out, const std::vector<C>& in) {
    if (W == 1) out = in;
    else fft.inv(out, in);
  };
  std::vector<S> line(static_cast<std::size_t>(W));
  std::vector<C> spec(static_cast<std::size_t>(W));
  Mat<S> re(ci, W), im(ci, W), zr(co, W), zi(co, W);
  Vec<S> b(2 * ci);
  for (Index j = 0; j < g.cols(); ++j) {
    for (Index i = 0; i < ci; ++i) {
      for (Index s = 0; s < W; ++s) line[static_cast<std::size_t>(s)] = g(i * W + s, j);
      fwd(spec, line);
      for (Index f = 0; f < W; ++f) {
        re(i, f) = spec[static_cast<std::size_t>(f)].real();
        im(i, f) = spec[static_cast<std::size_t>(f)].imag();
      }
    }
    for (Index f = 0; f < W; ++f) {
      b << re.col(f), im.col(f);
      const Vec<S> z = solve(f, b);
      zr.col(f) = z.head(co);
      zi.col(f) = z.tail(co);
    }
    for (Index o = 0; o < co; ++o) {
      for (Index f = 0; f < W; ++f) spec[static_cast<std::size_t>(f)] = C(zr(o, f), zi(o, f));
      std::vector<C> out(static_cast<std::size_t>(W));
      inv(out, spec);  // scaled by 1/W
      for (Index w = 0; w < W; ++w) d(o * W + w, j) = out[static_cast<std::size_t>(w)].real();
    }
  }
  return d;
}

}  // namespace moonwalk::reference::conv_kernels
