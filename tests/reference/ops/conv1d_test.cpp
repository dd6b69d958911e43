#include "moonwalk/reference/ops/conv1d.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <random>

using namespace moonwalk::reference;
using moonwalk::tolerance::numerical_cond;
using moonwalk::tolerance::terms;
using moonwalk::verify::bound;

namespace {

// Weights of std 1/√(C_in·k), plus `dominant` times [I 0] on tap `tap`.
Vec<double> weights(Index ci, Index co, Index k, std::uint64_t seed, double dominant = 0, Index tap = 0) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0, 1 / std::sqrt(static_cast<double>(ci * k)));
  Vec<double> w(co * ci * k);
  for (Index i = 0; i < w.size(); ++i) w(i) = n(g);
  if (dominant != 0)
    for (Index o = 0; o < std::min(co, ci); ++o) w((o * ci + o) * k + tap) += dominant;
  return w;
}

Mat<double> draw(Index r, Index c, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0, 1);
  Mat<double> m(r, c);
  for (Index j = 0; j < c; ++j)
    for (Index i = 0; i < r; ++i) m(i, j) = n(g);
  return m;
}

Conv1d<double> make(Index ci, Index co, Index W, Index k, Padding pad, ConvStrategy v, Index B = 8, double dom = 0,
                    Index tap = 0) {
  return Conv1d<double>(Conv1dSpec{ci, co, W, k, pad, v, B}, weights(ci, co, k, 11 + ci * co + W, dom, tap),
                        draw(co, 1, 5).col(0));
}

// vijp(vjp(δ), fragment(δ)) against δ, within the ε·cond bound (times the
// blocked recurrence's amplification).
void check_inverse(const Conv1d<double>& op, Index batch) {
  const Mat<double> x = draw(op.in_dim(), batch, 3), delta = draw(op.out_dim(), batch, 4);
  const Mat<double> g = op.vjp_input(op.input_residual(x), delta);
  const Mat<double> h = op.vijp(x, g, op.fragment(x, delta));
  const double n = terms(op);
  const double tol = bound<double>(n, delta.norm(), numerical_cond(op.jacobian(x.col(0))) * op.vijp_amplification());
  INFO(conv_strategy_name(op.spec().strategy) << " error " << (h - delta).norm() << " bound " << tol);
  CHECK((h - delta).norm() <= tol);
  CHECK(h.allFinite());
}

}  // namespace

TEST_CASE("conv1d: forward matches the materialised Jacobian and bias", "[conv1d]") {
  for (Padding pad : {Padding::zero, Padding::circular}) {
    const Conv1d<double> op = make(3, 2, 7, 3, pad, ConvStrategy::dense);
    const Mat<double> x = draw(op.in_dim(), 2, 9);
    Mat<double> expect = op.jacobian(x.col(0)) * x;
    for (Index o = 0; o < 2; ++o) expect.middleRows(o * 7, 7).array() += op.bias()(o);
    CHECK((op.forward(x) - expect).norm() <= bound<double>(terms(op), expect.norm()));
  }
}

TEST_CASE("conv1d: circular padding wraps, zero padding drops", "[conv1d]") {
  Vec<double> w(3);
  w << 1, 0, 0;  // y[w] = x[w − 1]
  Mat<double> x(4, 1);
  x << 1, 2, 3, 4;
  const Conv1d<double> z(Conv1dSpec{1, 1, 4, 3, Padding::zero}, w, Vec<double>::Zero(1));
  const Conv1d<double> c(Conv1dSpec{1, 1, 4, 3, Padding::circular}, w, Vec<double>::Zero(1));
  CHECK(z.forward(x) == (Mat<double>(4, 1) << 0, 1, 2, 3).finished());
  CHECK(c.forward(x) == (Mat<double>(4, 1) << 4, 1, 2, 3).finished());
}

TEST_CASE("conv1d: every strategy inverts the vjp like the dense oracle", "[conv1d][vijp]") {
  for (Index co : {2, 3})
    for (Index k : {1, 3, 5}) {
      check_inverse(make(3, co, 9, k, Padding::zero, ConvStrategy::dense), 2);
      check_inverse(make(3, co, 9, k, Padding::circular, ConvStrategy::dense), 2);
      check_inverse(make(3, co, 9, k, Padding::zero, ConvStrategy::banded), 2);
      check_inverse(make(3, co, 9, k, Padding::circular, ConvStrategy::fft), 2);
      for (Index B : {1, 2, 4, 9}) {
        check_inverse(make(3, co, 9, k, Padding::zero, ConvStrategy::blocked, B, 3.0), 2);
        check_inverse(make(3, co, 9, k, Padding::circular, ConvStrategy::blocked, B, 3.0), 2);
      }
    }
}

TEST_CASE("conv1d: strategies agree with dense on a least-squares right-hand side", "[conv1d][vijp]") {
  // g outside the image when C_out < C_in: banded and fft give the same
  // least-squares solution as the pivoted QR of the dense Jacobian.
  for (auto [pad, v] : {std::pair{Padding::zero, ConvStrategy::banded}, std::pair{Padding::circular, ConvStrategy::fft}}) {
    const Conv1d<double> fast = make(4, 2, 8, 3, pad, v);
    const Conv1d<double> oracle(Conv1dSpec{4, 2, 8, 3, pad, ConvStrategy::dense}, fast.weight(), fast.bias());
    const Mat<double> x = draw(32, 2, 1), g = draw(32, 2, 2);
    const Mat<double> a = fast.vijp(x, g, {}), b = oracle.vijp(x, g, {});
    const double c = numerical_cond(fast.jacobian(x.col(0)));
    CHECK((a - b).norm() <= bound<double>(terms(fast), b.norm(), c * c));
  }
}

TEST_CASE("conv1d: fragments", "[conv1d][fragment]") {
  const Mat<double> x = draw(4 * 10, 3, 1);
  SECTION("banded and fft need none at generic weights") {
    CHECK(make(4, 3, 10, 3, Padding::zero, ConvStrategy::banded).fragment_size(x) == 0);
    CHECK(make(4, 3, 10, 3, Padding::circular, ConvStrategy::fft).fragment_size(x) == 0);
    CHECK(make(4, 3, 10, 3, Padding::zero, ConvStrategy::dense).fragment_size(x) == 0);
  }
  SECTION("blocked stores k − 1 boundary positions per block, plus p at the left edge in zero padding") {
    // W = 10, B = 4, k = 3: zero seeds {0} ∪ {2, 3} ∪ {6, 7}; circular {8, 9} ∪ {2, 3} ∪ {6, 7}.
    const auto z = make(4, 3, 10, 3, Padding::zero, ConvStrategy::blocked, 4, 3.0);
    const auto c = make(4, 3, 10, 3, Padding::circular, ConvStrategy::blocked, 4, 3.0);
    CHECK(z.fragment_size(x) == 5 * 3 * 3);
    CHECK(c.fragment_size(x) == 6 * 3 * 3);
    CHECK(z.checkpoint_size(x) == z.fragment_size(x));
    const Mat<double> delta = draw(30, 3, 2);
    const Fragment<double> f = z.fragment(x, delta);  // seeds ascending, C_out values each
    CHECK(f.values(3) == delta(0 * 10 + 2, 0));
    CHECK(f.values(4) == delta(1 * 10 + 2, 0));
    CHECK_THROWS_WITH(z.vijp(x, z.vjp_input(z.input_residual(x), delta), {}),
                      Catch::Contains("conv1d: vijp at a non-submersive point needs its fragment"));
  }
  SECTION("dense keeps the pivot-excluded coordinates when J is rank deficient") {
    Vec<double> w = weights(2, 2, 3, 4);
    for (Index t = 0; t < 3; ++t) w((1 * 2 + 0) * 3 + t) = w(t), w((1 * 2 + 1) * 3 + t) = w(3 + t);  // row 1 = row 0
    const Conv1d<double> op(Conv1dSpec{2, 2, 6, 3, Padding::zero, ConvStrategy::dense}, w, Vec<double>::Zero(2));
    const Mat<double> xs = draw(12, 2, 3), delta = draw(12, 2, 4);
    CHECK(op.fragment_size(xs) == 6 * 2);
    const Mat<double> h = op.vijp(xs, op.vjp_input(op.input_residual(xs), delta), op.fragment(xs, delta));
    CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), numerical_cond(op.jacobian(xs.col(0)))));
  }
}

TEST_CASE("conv1d: bad input is refused with a message naming the operator", "[conv1d][errors]") {
  const Vec<double> w = weights(2, 2, 3, 1), b = Vec<double>::Zero(2);
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 2}, weights(2, 2, 2, 1), b),
                    Catch::StartsWith("conv1d: kernel must be odd"));
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 3, 5, 3}, weights(2, 3, 3, 1), Vec<double>::Zero(3)),
                    Catch::StartsWith("conv1d: C_out > C_in"));
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 3, Padding::zero, ConvStrategy::fft}, w, b),
                    Catch::StartsWith("conv1d: fft strategy needs circular padding"));
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 3, Padding::circular, ConvStrategy::banded}, w, b),
                    Catch::StartsWith("conv1d: banded strategy needs zero padding"));
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 3, Padding::zero, ConvStrategy::blocked, 0}, w, b),
                    Catch::StartsWith("conv1d: block size B must be at least 1"));
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 3}, weights(2, 2, 1, 1), b),
                    Catch::StartsWith("conv1d: weight has 4 rows, expected 12"));
  Vec<double> bad = w;
  bad(3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Conv1d<double>(Conv1dSpec{2, 2, 5, 3}, bad, b), Catch::StartsWith("conv1d: weight holds a non-finite"));

  const Conv1d<double> op(Conv1dSpec{2, 2, 5, 3}, w, b);
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(9, 1)), Catch::StartsWith("conv1d: input has 9 rows, expected 10"));
  Mat<double> x = Mat<double>::Ones(10, 1);
  x(4) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(op.forward(x), Catch::StartsWith("conv1d: input holds a non-finite"));

  Vec<double> singular = w;
  for (Index o = 0; o < 2; ++o)
    for (Index i = 0; i < 2; ++i) singular((o * 2 + i) * 3 + 0) = 0;  // A_0 = 0
  const Conv1d<double> blk(Conv1dSpec{2, 2, 5, 3, Padding::zero, ConvStrategy::blocked, 2}, singular, b);
  const Mat<double> ones = Mat<double>::Ones(10, 1);
  CHECK_THROWS_WITH(blk.vijp(ones, ones, blk.fragment(ones, ones)),
                    Catch::StartsWith("conv1d: blocked strategy: the pivot tap W_0 is singular"));
}

namespace {

// The relative float error of op's vijp on δ: weights rounded to float, g = Jᵀδ
// formed in double and rounded; infinite where the strategy fails.
double float_error(const Conv1d<double>& op, const Mat<double>& delta) {
  const Conv1d<float> f = op.cast<float>();
  const Mat<double> x = Mat<double>::Zero(op.in_dim(), delta.cols());
  const Mat<float> g = op.vjp_input(op.input_residual(x), delta).cast<float>();
  try {
    const Mat<float> h = f.vijp(x.cast<float>(), g, f.fragment(x.cast<float>(), delta.cast<float>()));
    return (h.cast<double>() - delta).norm() / delta.norm();
  } catch (const Error&) {
    return std::numeric_limits<double>::infinity();
  }
}

}  // namespace

TEST_CASE("conv1d: auto is within 10 times the best fixed strategy in float", "[conv1d][vijp][auto]") {
  // Gaussian and first-tap-dominant weights: banded loses the second, a long
  // blocked chain the first. Auto decides from its own trial cotangent; it is
  // judged on another one, against every fixed strategy the padding takes.
  int configurations = 0;
  for (double dom : {0.0, 2.0})
    for (Index c : {1, 2, 3})
      for (Index W : {5, 12, 24})
        for (Index k : {3, 5})
          for (Padding pad : {Padding::zero, Padding::circular}) {
            const Mat<double> delta = draw(c * W, 2, 17 + W);
            const Conv1d<double> a = make(c, c, W, k, pad, ConvStrategy::dense, 8, dom);
            const Conv1d<double> op(Conv1dSpec{c, c, W, k, pad, ConvStrategy::dense, 8, true}, a.weight(), a.bias());
            double best = std::numeric_limits<double>::infinity();
            // Blocks of fewer than 2(k − 1) positions are left out: their seeds
            // would hold more than half of δ, which auto does not consider.
            std::vector<std::pair<ConvStrategy, Index>> fixed{{ConvStrategy::dense, 1}, {ConvStrategy::blocked, W},
                                                               {ConvStrategy::blocked, std::max<Index>(8, 2 * (k - 1))}};
            fixed.emplace_back(pad == Padding::zero ? ConvStrategy::banded : ConvStrategy::fft, 1);
            for (const auto& [v, B] : fixed)
              best = std::min(best, float_error(make(c, c, W, k, pad, v, B, dom), delta));
            const double e = float_error(op, delta);
            INFO("C " << c << " W " << W << " k " << k << " " << padding_name(pad) << " dominant " << dom << ": auto chose "
                      << conv_strategy_name(op.cast<float>().resolved_spec().strategy) << " B "
                      << op.cast<float>().resolved_spec().block << ", error " << e << ", best fixed " << best);
            // dense solves every one of these small systems: an infinite best
            // would make the comparison vacuous.
            REQUIRE(std::isfinite(best));
            CHECK(std::isfinite(e));
            CHECK(e <= 10 * std::max(best, static_cast<double>(std::numeric_limits<float>::epsilon())));
            if (pad == Padding::circular) CHECK(op.resolved_spec().strategy == ConvStrategy::fft);
            ++configurations;
          }
  CHECK(configurations == 72);
}

TEST_CASE("conv1d: auto chooses again when the weights change", "[conv1d][auto]") {
  // Gaussian weights, then first-tap-dominant ones: set_params must give the
  // choice a fresh operator makes for the new weights.
  const Conv1d<double> g = make(3, 3, 24, 3, Padding::zero, ConvStrategy::dense, 8, 0.0);
  const Conv1d<double> d = make(3, 3, 24, 3, Padding::zero, ConvStrategy::dense, 8, 2.0);
  const Conv1dSpec s{3, 3, 24, 3, Padding::zero, ConvStrategy::dense, 8, true};
  Conv1d<float> op = Conv1d<double>(s, g.weight(), g.bias()).cast<float>();
  const Conv1d<float> fresh = Conv1d<double>(s, d.weight(), d.bias()).cast<float>();
  const Conv1dSpec before = op.resolved_spec();
  op.set_params(d.params().cast<float>());
  INFO("gaussian: " << conv_strategy_name(before.strategy) << " B " << before.block << "; first-tap: "
                    << conv_strategy_name(fresh.resolved_spec().strategy) << " B " << fresh.resolved_spec().block);
  CHECK((before.strategy != fresh.resolved_spec().strategy || before.block != fresh.resolved_spec().block));
  CHECK(op.resolved_spec().strategy == fresh.resolved_spec().strategy);
  CHECK(op.resolved_spec().block == fresh.resolved_spec().block);
  CHECK(op.trial_error() == fresh.trial_error());
  CHECK(op.spec().automatic);
}
