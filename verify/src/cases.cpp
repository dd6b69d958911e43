#include "moonwalk/verify/cases.hpp"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>

namespace moonwalk::verify {

using namespace moonwalk::reference;

std::string describe(const Shape& s) {
  std::ostringstream o;
  o << "Shape{a=" << s.a << ", b=" << s.b << ", c=" << s.c << ", batch=" << s.batch << ", flavor=" << s.flavor
    << ", seed=" << s.seed << "}";
  return o.str();
}

Shape parse_shape(const std::string& text) {
  auto refuse = [&](const std::string& why) { throw std::invalid_argument("shape '" + text + "': " + why); };
  std::uint64_t field[6];
  std::size_t k = 0, i = 0;
  for (; k < 6; ++k) {
    const std::size_t from = i;
    std::uint64_t v = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      const auto d = static_cast<std::uint64_t>(text[i] - '0');
      if (v > (UINT64_MAX - d) / 10) refuse("a field is beyond 2^64 - 1");
      v = v * 10 + d;
    }
    if (i == from) break;
    field[k] = v;
    if (k < 5 && (i == text.size() || text[i] != ',')) break;
    if (k < 5) ++i;
  }
  if (k < 6 || i != text.size()) refuse("expected a,b,c,batch,flavor,seed (six unsigned integers)");
  for (int f = 0; f < 4; ++f)
    if (field[f] < 1) refuse("dimensions must be positive");
  for (int f = 0; f < 4; ++f)
    if (field[f] > static_cast<std::uint64_t>(kMaxShapeDim))
      refuse("a, b, c and batch must be at most " + std::to_string(kMaxShapeDim));
  if (field[4] > 3) refuse("flavor must be 0, 1, 2 or 3");
  Shape s;
  s.a = static_cast<int>(field[0]), s.b = static_cast<int>(field[1]), s.c = static_cast<int>(field[2]);
  s.batch = static_cast<int>(field[3]), s.flavor = static_cast<int>(field[4]), s.seed = field[5];
  return s;
}

std::string format_shape(const Shape& s) {
  std::ostringstream o;
  o << s.a << "," << s.b << "," << s.c << "," << s.batch << "," << s.flavor << "," << s.seed;
  return o.str();
}

namespace {

// Weights of magnitude ≲ 1/√fan_in: integers in [-8, 8] / 2^(3 + ⌈log4 fan_in⌉).
int weight_shift(Index fan_in) {
  int s = 3;
  for (Index f = 1; f < fan_in; f *= 4) ++s;
  return s;
}

template <template <class> class Op> OpCase<Op> finish(Op<double> op, ExactRng& r, Index batch, Mat<double> x) {
  Mat<double> xdot = r.matrix(op.in_dim(), batch, 16, 3);
  Vec<double> pdot = r.matrix(op.param_count(), 1, 16, 3);
  Mat<double> delta = r.nonzero_matrix(op.out_dim(), batch, 16, 3);
  return OpCase<Op>{std::move(op), std::move(x), std::move(xdot), std::move(pdot), std::move(delta)};
}

}  // namespace

// flavor 0, 3: m ≤ n (submersive); 1: m > n (fragment of m − n per sample);
// 2: m ≤ n with the last row repeating the first (rank m − 1, fragment 1).
template <> OpCase<Dense> make_case<Dense>(const Shape& s) {
  ExactRng r(s.seed);
  Index m = s.a, n = s.b;
  if (s.flavor == 1) {
    if (m <= n) std::swap(m, n);
    if (m == n) ++m;
  } else if (m > n) {
    std::swap(m, n);
  }
  if (s.flavor == 2 && m == 1) m = std::min<Index>(2, n), n = std::max<Index>(n, 2);
  Mat<double> A = r.matrix(m, n, 8, weight_shift(n));
  if (s.flavor == 2) A.row(m - 1) = A.row(0);
  Vec<double> b = r.matrix(m, 1, 8, 3);
  Mat<double> x = r.nonzero_matrix(n, s.batch, 16, 3);
  return finish<Dense>(Dense<double>(A, b), r, s.batch, std::move(x));
}

// Slopes 1/2, 1/4, 1/8, 1/16 by flavor.
template <> OpCase<LeakyRelu> make_case<LeakyRelu>(const Shape& s) {
  ExactRng r(s.seed);
  LeakyRelu<double> op(s.a, std::ldexp(1.0, -(1 + s.flavor)));
  Mat<double> x = r.nonzero_matrix(s.a, s.batch, 16, 3);
  return finish<LeakyRelu>(std::move(op), r, s.batch, std::move(x));
}

// flavor 0, 1: mixed signs; 2: every unit active (submersive); 3: every unit inactive.
template <> OpCase<Relu> make_case<Relu>(const Shape& s) {
  ExactRng r(s.seed);
  Mat<double> x = r.nonzero_matrix(s.a, s.batch, 16, 3);
  if (s.flavor == 2) x = x.cwiseAbs();
  if (s.flavor == 3) x = -x.cwiseAbs();
  return finish<Relu>(Relu<double>(s.a), r, s.batch, std::move(x));
}

// Inputs in [-2, 2]: tanh' ≥ 0.07, far from saturation in float.
template <> OpCase<Tanh> make_case<Tanh>(const Shape& s) {
  ExactRng r(s.seed);
  Mat<double> x = r.matrix(s.a, s.batch, 16, 3);
  return finish<Tanh>(Tanh<double>(s.a), r, s.batch, std::move(x));
}

// Halves of dimension a, inner nets with b hidden units.
template <> OpCase<AdditiveCoupling> make_case<AdditiveCoupling>(const Shape& s) {
  ExactRng r(s.seed);
  const Index d = s.a, k = s.b;
  auto net = [&] {
    Dense<double> in(r.matrix(k, d, 8, weight_shift(d)), r.matrix(k, 1, 8, 3));
    Dense<double> out(r.matrix(d, k, 8, weight_shift(k)), r.matrix(d, 1, 8, 3));
    return CouplingNet<double>(std::move(in), std::move(out));
  };
  CouplingNet<double> F = net();
  CouplingNet<double> G = net();
  Mat<double> x = r.matrix(2 * d, s.batch, 16, 3);
  return finish<AdditiveCoupling>(AdditiveCoupling<double>(std::move(F), std::move(G)), r, s.batch, std::move(x));
}

// a channels, b positions.
template <> OpCase<GlobalAvgPool> make_case<GlobalAvgPool>(const Shape& s) {
  ExactRng r(s.seed);
  GlobalAvgPool<double> op(s.a, s.b);
  Mat<double> x = r.matrix(op.in_dim(), s.batch, 16, 3);
  return finish<GlobalAvgPool>(std::move(op), r, s.batch, std::move(x));
}

// C_in ≤ 4, C_out ≤ C_in, W in [2, 9], k ∈ {1, 3}; flavor picks the vijp
// strategy: 0 dense (either padding), 1 banded (zero), 2 fft (circular),
// 3 blocked (circular, B ∈ [1, 3]). Weights: [I 0] on a dominant tap (the
// centre one, or tap 0 for blocked) plus perturbations n/128, |n| ≤ 8, so that
// Σ_t ‖E_t‖ ≤ k·√(C_out·C_in)·2^-4 ≤ 3/4: J has full row rank with
// σ_min ≥ 1/4 and, for blocked, ρ = Σ_{t≥1}‖A_t‖/σ_min(A_0) ≤ 3, a small
// recurrence amplification that the bound carries.
template <> OpCase<Conv1d> make_case<Conv1d>(const Shape& s) {
  ExactRng r(s.seed);
  Conv1dSpec sp;
  sp.in_channels = 1 + (s.a - 1) % 4;
  sp.out_channels = 1 + (s.b - 1) % sp.in_channels;
  sp.width = 1 + s.c + (s.c == 1);
  sp.kernel = r.coin() ? 3 : 1;
  const int flavor = s.flavor % 4;
  sp.strategy = static_cast<ConvStrategy>(flavor);
  sp.padding = flavor == 1 ? Padding::zero : flavor >= 2 ? Padding::circular : (r.coin() ? Padding::zero : Padding::circular);
  sp.block = 1 + static_cast<Index>(r.value(0, 2, 0));
  const Index ci = sp.in_channels, co = sp.out_channels, k = sp.kernel;
  const Index dominant = flavor == 3 ? 0 : (k - 1) / 2;
  Vec<double> w = r.matrix(co * ci * k, 1, 8, 7);
  for (Index o = 0; o < co; ++o) w((o * ci + o) * k + dominant) += 1;
  Vec<double> b = r.matrix(co, 1, 8, 3);
  Conv1d<double> op(sp, w, b);
  Mat<double> x = r.nonzero_matrix(op.in_dim(), s.batch, 16, 3);
  return finish<Conv1d>(std::move(op), r, s.batch, std::move(x));
}

// C_in ≤ 4 channels, patch k ≤ 3, P ≤ 3 patches; C_out ≤ C_in·k. flavor 2:
// the last output channel repeats the first (rank C_out − 1, a fragment of
// one per patch); otherwise generic full row rank.
template <> OpCase<PatchDownsample1d> make_case<PatchDownsample1d>(const Shape& s) {
  ExactRng r(s.seed);
  const Index ci = 1 + (s.a - 1) % 4, k = 1 + (s.c - 1) % 3, P = 1 + (s.b - 1) % 3, n = ci * k;
  Index co = 1 + static_cast<Index>(r.value(0, static_cast<int>(n) - 1, 0));
  if (s.flavor == 2 && n >= 2) co = std::max<Index>(co, 2);
  Mat<double> M = r.matrix(co, n, 8, weight_shift(n));
  if (s.flavor == 2 && co >= 2) M.row(co - 1) = M.row(0);
  PatchDownsample1d<double> op(ci, P * k, k, M, r.matrix(co, 1, 8, 3));
  Mat<double> x = r.nonzero_matrix(op.in_dim(), s.batch, 16, 3);
  return finish<PatchDownsample1d>(std::move(op), r, s.batch, std::move(x));
}

// H, W in [2, 5], C_in ≤ 3 with C_in·H·W ≤ 36 (at most 36 columns in J, as
// for conv1d, so the 50-digit SVD of every case stays fast), C_out ≤ C_in,
// k ∈ {1, 3}. flavor picks the strategy as for conv1d: 0 dense (either
// padding), 1 banded (zero), 2 fft (circular), 3 blocked (B ∈ [2, 4]). Perturbations E are n/2^s, |n| ≤ 8, so each tap's
// ‖E_t‖ ≤ √(C_out·C_in)·2^(3−s) ≤ 3·2^(3−s):
// - dense, banded, fft: [I 0] on the centre tap, s = 8: Σ_t ‖E_t‖ ≤ 27/32, so
//   J has full row rank with σ_min ≥ 5/32.
// - blocked, contracting (circular): [I 0] on the pivot tap (0, 0), s = 8:
//   J is a perturbed circular shift (σ_min ≥ 5/32) and
//   ρ = Σ_{t≠0}‖A_t‖/σ_min(A_00) ≤ (24/32)/(29/32) < 1: small amplification.
// - blocked, expanding (zero padding, where a pivot-dominant J would be nearly
//   a cropping shift): [I 0] on the centre tap plus ½[I 0] on the pivot tap,
//   s = 9: σ_min(J) ≥ 1/2 − 27/64 > 0, σ_min(A_00) ≥ 1/2 − 3/64 and
//   ρ ≤ (1 + 24/64)/(29/64) < 3.1, an amplification growing like ρ^L that the
//   bound carries.
template <> OpCase<Conv2d> make_case<Conv2d>(const Shape& s) {
  ExactRng r(s.seed);
  Conv2dSpec sp;
  sp.height = 2 + (s.c - 1) % 4;
  sp.width = 2 + static_cast<Index>(r.value(0, 3, 0));
  sp.in_channels = std::min<Index>(1 + (s.a - 1) % 3, std::max<Index>(1, 36 / (sp.height * sp.width)));
  sp.out_channels = 1 + (s.b - 1) % sp.in_channels;
  sp.kernel = r.coin() ? 3 : 1;
  const int flavor = s.flavor % 4;
  const bool expanding = flavor == 3 && r.coin();
  sp.strategy = static_cast<ConvStrategy>(flavor);
  sp.padding = flavor == 1 || expanding ? Padding::zero
               : flavor >= 2         ? Padding::circular
                                     : (r.coin() ? Padding::zero : Padding::circular);
  sp.block = 2 + static_cast<Index>(r.value(0, 2, 0));
  const Index ci = sp.in_channels, co = sp.out_channels, k = sp.kernel, centre = (k - 1) / 2;
  auto tap = [&](Index o, Index i, Index a, Index b) { return ((o * ci + i) * k + a) * k + b; };
  Vec<double> w = r.matrix(co * ci * k * k, 1, 8, expanding ? 9 : 8);
  for (Index o = 0; o < co; ++o) {
    if (flavor == 3 && !expanding) {
      w(tap(o, o, 0, 0)) += 1;
    } else {
      w(tap(o, o, centre, centre)) += 1;
      if (expanding) w(tap(o, o, 0, 0)) += 0.5;
    }
  }
  Vec<double> b = r.matrix(co, 1, 8, 3);
  Conv2d<double> op(sp, w, b);
  Mat<double> x = r.nonzero_matrix(op.in_dim(), s.batch, 16, 3);
  return finish<Conv2d>(std::move(op), r, s.batch, std::move(x));
}

// C_in ≤ 3 channels, patch p ≤ 2, P_h, P_w ≤ 2 patches (H, W ≤ 4);
// C_out ≤ C_in·k². flavor 2: the last output channel repeats the first (rank
// C_out − 1, a fragment of one per patch); otherwise generic full row rank.
template <> OpCase<PatchDownsample2d> make_case<PatchDownsample2d>(const Shape& s) {
  ExactRng r(s.seed);
  const Index ci = 1 + (s.a - 1) % 3, p = 1 + (s.c - 1) % 2, ph = 1 + (s.b - 1) % 2, n = ci * p * p;
  const Index pw = 1 + static_cast<Index>(r.value(0, 1, 0));
  Index co = 1 + static_cast<Index>(r.value(0, static_cast<int>(n) - 1, 0));
  if (s.flavor == 2 && n >= 2) co = std::max<Index>(co, 2);
  Mat<double> M = r.matrix(co, n, 8, weight_shift(n));
  if (s.flavor == 2 && co >= 2) M.row(co - 1) = M.row(0);
  PatchDownsample2d<double> op(ci, ph * p, pw * p, p, M, r.matrix(co, 1, 8, 3));
  Mat<double> x = r.nonzero_matrix(op.in_dim(), s.batch, 16, 3);
  return finish<PatchDownsample2d>(std::move(op), r, s.batch, std::move(x));
}

// C ≤ 3 channels, block b = 2 (flavor 3: b = 3), H, W ≤ 2 blocks: in_dim ≤ 162.
template <> OpCase<SpaceToDepth> make_case<SpaceToDepth>(const Shape& s) {
  ExactRng r(s.seed);
  const Index c = 1 + (s.a - 1) % 3, b = s.flavor == 3 ? 3 : 2;
  SpaceToDepth<double> op(c, b * (1 + (s.b - 1) % 2), b * (1 + (s.c - 1) % 2), b);
  Mat<double> x = r.nonzero_matrix(op.in_dim(), s.batch, 16, 3);
  return finish<SpaceToDepth>(std::move(op), r, s.batch, std::move(x));
}

}  // namespace moonwalk::verify
