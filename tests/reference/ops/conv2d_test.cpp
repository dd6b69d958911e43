#include "moonwalk/reference/ops/conv2d.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using namespace moonwalk::reference;
using moonwalk::tolerance::numerical_cond;
using moonwalk::tolerance::terms;
using moonwalk::verify::bound;

namespace {

// Weights of std 1/√(C_in·k²), plus `dominant` times [I 0] on tap (tap, tap).
Vec<double> weights(Index ci, Index co, Index k, std::uint64_t seed, double dominant = 0, Index tap = 0) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0, 1 / std::sqrt(static_cast<double>(ci * k * k)));
  Vec<double> w(co * ci * k * k);
  for (Index i = 0; i < w.size(); ++i) w(i) = n(g);
  for (Index o = 0; o < std::min(co, ci); ++o) w(((o * ci + o) * k + tap) * k + tap) += dominant;
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

Conv2d<double> make(Index ci, Index co, Index H, Index W, Index k, Padding pad, ConvStrategy v, Index B = 8,
                    double dom = 0, Index tap = 0) {
  return Conv2d<double>(Conv2dSpec{ci, co, H, W, k, pad, v, B}, weights(ci, co, k, 11 + ci * co + H * W, dom, tap),
                        draw(co, 1, 5).col(0));
}

// vijp(vjp(δ), fragment(δ)) against δ, within the ε·cond bound (times the
// blocked recurrence's amplification).
void check_inverse(const Conv2d<double>& op, Index batch) {
  const Mat<double> x = draw(op.in_dim(), batch, 3), delta = draw(op.out_dim(), batch, 4);
  const Mat<double> g = op.vjp_input(op.input_residual(x), delta);
  const Mat<double> h = op.vijp(x, g, op.fragment(x, delta));
  const double tol = bound<double>(terms(op), delta.norm(), numerical_cond(op.jacobian(x.col(0))) * op.vijp_amplification());
  INFO(conv_strategy_name(op.spec().strategy) << " " << padding_name(op.spec().padding) << " k " << op.spec().kernel << " B "
                                      << op.spec().block << " error " << (h - delta).norm() << " bound " << tol);
  CHECK((h - delta).norm() <= tol);
  CHECK(h.allFinite());
}

}  // namespace

TEST_CASE("conv2d: forward matches the materialised Jacobian and bias", "[conv2d]") {
  for (Padding pad : {Padding::zero, Padding::circular}) {
    const Conv2d<double> op = make(3, 2, 4, 5, 3, pad, ConvStrategy::dense);
    const Mat<double> x = draw(op.in_dim(), 2, 9);
    Mat<double> expect = op.jacobian(x.col(0)) * x;
    for (Index o = 0; o < 2; ++o) expect.middleRows(o * 20, 20).array() += op.bias()(o);
    CHECK((op.forward(x) - expect).norm() <= bound<double>(terms(op), expect.norm()));
  }
}

TEST_CASE("conv2d: positions are row-major, circular padding wraps, zero padding drops", "[conv2d]") {
  Vec<double> w = Vec<double>::Zero(9);
  w(0) = 1;  // tap (0, 0): y[r, q] = x[r − 1, q − 1]
  Mat<double> x(9, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  const Conv2d<double> z(Conv2dSpec{1, 1, 3, 3, 3, Padding::zero}, w, Vec<double>::Zero(1));
  const Conv2d<double> c(Conv2dSpec{1, 1, 3, 3, 3, Padding::circular}, w, Vec<double>::Zero(1));
  CHECK(z.forward(x) == (Mat<double>(9, 1) << 0, 0, 0, 0, 1, 2, 0, 4, 5).finished());
  CHECK(c.forward(x) == (Mat<double>(9, 1) << 9, 7, 8, 3, 1, 2, 6, 4, 5).finished());
}

TEST_CASE("conv2d: a column is channel-major", "[conv2d]") {
  // C_in = 2, C_out = 1, only channel 1 through the centre tap: y = x[1, :, :] + b.
  Vec<double> w = Vec<double>::Zero(18);
  w(9 + 4) = 1;
  const Conv2d<double> op(Conv2dSpec{2, 1, 3, 3, 3, Padding::zero}, w, Vec<double>::Constant(1, 0.5));
  const Mat<double> x = draw(18, 1, 2);
  CHECK(op.forward(x) == (x.bottomRows(9).array() + 0.5).matrix());
}

TEST_CASE("conv2d: vjp is the transpose of the Jacobian, vjp_params of the parameter Jacobian", "[conv2d][vjp]") {
  for (Padding pad : {Padding::zero, Padding::circular}) {
    const Conv2d<double> op = make(2, 2, 3, 4, 3, pad, ConvStrategy::dense);
    const Mat<double> x = draw(op.in_dim(), 1, 1), delta = draw(op.out_dim(), 1, 2);
    const Mat<double> J = op.jacobian(x.col(0));
    const Mat<double> h = op.vjp_input(op.input_residual(x), delta);
    CHECK((h - J.transpose() * delta).norm() <= bound<double>(terms(op), J.norm() * delta.norm()));
    Mat<double> K(op.out_dim(), op.param_count());
    for (Index j = 0; j < op.param_count(); ++j) {
      Vec<double> e = Vec<double>::Zero(op.param_count());
      e(j) = 1;
      K.col(j) = op.jvp(x, Mat<double>::Zero(op.in_dim(), 1), e);
    }
    const Vec<double> gp = op.vjp_params(x, delta);
    CHECK((gp - K.transpose() * delta).norm() <= bound<double>(terms(op), K.norm() * delta.norm()));
  }
}

TEST_CASE("conv2d: every strategy inverts the vjp like the dense oracle", "[conv2d][vijp]") {
  for (Index co : {2, 3})
    for (Index k : {1, 3, 5}) {
      check_inverse(make(3, co, 5, 6, k, Padding::zero, ConvStrategy::dense), 2);
      check_inverse(make(3, co, 5, 6, k, Padding::circular, ConvStrategy::dense), 2);
      check_inverse(make(3, co, 5, 6, k, Padding::zero, ConvStrategy::banded), 2);
      check_inverse(make(3, co, 5, 6, k, Padding::circular, ConvStrategy::fft), 2);
      for (Index B : {1, 2, 4, 5}) {
        check_inverse(make(3, co, 5, 6, k, Padding::zero, ConvStrategy::blocked, B, 3.0), 2);
        check_inverse(make(3, co, 5, 6, k, Padding::circular, ConvStrategy::blocked, B, 3.0), 2);
      }
    }
}

TEST_CASE("conv2d: banded, fft and blocked agree with the dense oracle", "[conv2d][vijp]") {
  const Mat<double> x = draw(3 * 30, 2, 1);
  SECTION("on the image, every strategy returns the same δ") {
    for (auto [pad, v, dom] : {std::tuple{Padding::zero, ConvStrategy::banded, 0.0},
                               std::tuple{Padding::circular, ConvStrategy::fft, 0.0},
                               std::tuple{Padding::zero, ConvStrategy::blocked, 3.0},
                               std::tuple{Padding::circular, ConvStrategy::blocked, 3.0}}) {
      const Conv2d<double> fast = make(3, 2, 5, 6, 3, pad, v, 3, dom);
      const Conv2d<double> oracle(Conv2dSpec{3, 2, 5, 6, 3, pad, ConvStrategy::dense}, fast.weight(), fast.bias());
      const Mat<double> delta = draw(2 * 30, 2, 2);
      const Mat<double> g = fast.vjp_input(fast.input_residual(x), delta);
      const Mat<double> a = fast.vijp(x, g, fast.fragment(x, delta)), b = oracle.vijp(x, g, oracle.fragment(x, delta));
      const double c = numerical_cond(fast.jacobian(x.col(0)));
      INFO(conv_strategy_name(v) << " " << padding_name(pad) << " difference " << (a - b).norm());
      CHECK((a - b).norm() <= bound<double>(terms(fast), delta.norm(), c * (1 + fast.vijp_amplification())));
    }
  }
  SECTION("off the image (C_out < C_in), banded and fft give dense's least-squares solution") {
    for (auto [pad, v] : {std::pair{Padding::zero, ConvStrategy::banded}, std::pair{Padding::circular, ConvStrategy::fft}}) {
      const Conv2d<double> fast = make(3, 2, 5, 6, 3, pad, v);
      const Conv2d<double> oracle(Conv2dSpec{3, 2, 5, 6, 3, pad, ConvStrategy::dense}, fast.weight(), fast.bias());
      const Mat<double> g = draw(3 * 30, 2, 2);
      const Mat<double> a = fast.vijp(x, g, {}), b = oracle.vijp(x, g, {});
      const double c = numerical_cond(fast.jacobian(x.col(0)));
      CHECK((a - b).norm() <= bound<double>(terms(fast), b.norm(), c * c));
    }
  }
}

TEST_CASE("conv2d: the blocked amplification is small for a dominant pivot tap and grows with B otherwise",
          "[conv2d][vijp]") {
  // Dominant pivot: ρ < 1, the series stays bounded as B grows.
  const auto a4 = make(3, 3, 8, 6, 3, Padding::circular, ConvStrategy::blocked, 4, 12.0).vijp_amplification();
  const auto a8 = make(3, 3, 8, 6, 3, Padding::circular, ConvStrategy::blocked, 8, 12.0).vijp_amplification();
  CHECK(a8 < 2 * a4);
  // Gaussian weights: ρ > 1, the amplification grows exponentially in B.
  const auto g4 = make(3, 3, 8, 6, 3, Padding::circular, ConvStrategy::blocked, 4).vijp_amplification();
  const auto g8 = make(3, 3, 8, 6, 3, Padding::circular, ConvStrategy::blocked, 8).vijp_amplification();
  CHECK(g8 > 10 * g4);
  CHECK(make(3, 3, 8, 6, 3, Padding::circular, ConvStrategy::fft).vijp_amplification() == 1.0);
}

TEST_CASE("conv2d: fragments", "[conv2d][fragment]") {
  const Mat<double> x = draw(4 * 30, 3, 1);
  SECTION("banded and fft need none at generic weights") {
    CHECK(make(4, 3, 6, 5, 3, Padding::zero, ConvStrategy::banded).fragment_size(x) == 0);
    CHECK(make(4, 3, 6, 5, 3, Padding::circular, ConvStrategy::fft).fragment_size(x) == 0);
    CHECK(make(4, 3, 6, 5, 3, Padding::zero, ConvStrategy::dense).fragment_size(x) == 0);
  }
  SECTION("blocked stores the k − 1 rows before each block and the undetermined edge") {
    // H = 6, W = 5, B = 3, k = 3. Zero: rows {0} ∪ {1, 2} and column 0 of
    // rows 3..5: 15 + 3 positions. Circular: rows {4, 5} ∪ {1, 2} and
    // columns {3, 4} of rows 0 and 3: 20 + 4 positions.
    const auto z = make(4, 3, 6, 5, 3, Padding::zero, ConvStrategy::blocked, 3, 3.0);
    const auto c = make(4, 3, 6, 5, 3, Padding::circular, ConvStrategy::blocked, 3, 3.0);
    CHECK(z.fragment_size(x) == 18 * 3 * 3);
    CHECK(c.fragment_size(x) == 24 * 3 * 3);
    CHECK(z.checkpoint_size(x) == z.fragment_size(x));
    const Mat<double> delta = draw(3 * 30, 3, 2);
    const Fragment<double> f = z.fragment(x, delta);  // seeds in raster order, C_out values each
    CHECK(f.values(15 * 3 + 0) == delta(0 * 30 + 15, 0));  // seed 15: (3, 0)
    CHECK(f.values(16 * 3 + 2) == delta(2 * 30 + 20, 0));  // seed 16: (4, 0)
    CHECK(f.values(18 * 3 + 1) == delta(1 * 30 + 0, 1));   // second sample
    CHECK_THROWS_WITH(z.vijp(x, z.vjp_input(z.input_residual(x), delta), {}),
                      Catch::Contains("conv2d: vijp at a non-submersive point needs its fragment"));
  }
  SECTION("the fragment needs no input: from the residual it is the same") {
    const auto z = make(4, 3, 6, 5, 3, Padding::zero, ConvStrategy::blocked, 3, 3.0);
    const Mat<double> delta = draw(3 * 30, 3, 2);
    CHECK(z.fragment(z.input_residual(x), delta).values == z.fragment(x, delta).values);
  }
  SECTION("dense keeps the cokernel when C_out > C_in") {
    const Conv2d<double> op(Conv2dSpec{2, 3, 3, 4, 3, Padding::zero, ConvStrategy::dense}, weights(2, 3, 3, 4, 1.0, 1),
                            Vec<double>::Zero(3));
    const Mat<double> xs = draw(24, 2, 3), delta = draw(36, 2, 4);
    CHECK(op.fragment_size(xs) == (36 - 24) * 2);
    const Mat<double> h = op.vijp(xs, op.vjp_input(op.input_residual(xs), delta), op.fragment(xs, delta));
    CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), numerical_cond(op.jacobian(xs.col(0)))));
  }
  SECTION("dense keeps the pivot-excluded coordinates when J is rank deficient") {
    Vec<double> w = weights(2, 2, 3, 4);
    for (Index t = 0; t < 9; ++t) w((1 * 2 + 0) * 9 + t) = w(t), w((1 * 2 + 1) * 9 + t) = w(9 + t);  // row 1 = row 0
    const Conv2d<double> op(Conv2dSpec{2, 2, 3, 3, 3, Padding::zero, ConvStrategy::dense}, w, Vec<double>::Zero(2));
    const Mat<double> xs = draw(18, 2, 3), delta = draw(18, 2, 4);
    CHECK(op.fragment_size(xs) == 9 * 2);
    const Mat<double> h = op.vijp(xs, op.vjp_input(op.input_residual(xs), delta), op.fragment(xs, delta));
    CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), numerical_cond(op.jacobian(xs.col(0)))));
  }
}

TEST_CASE("conv2d: bad input is refused with a message naming the operator", "[conv2d][errors]") {
  const Vec<double> w = weights(2, 2, 3, 1), b = Vec<double>::Zero(2);
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 2}, weights(2, 2, 2, 1), b),
                    Catch::StartsWith("conv2d: kernel must be odd"));
  const Vec<double> wide = weights(2, 3, 3, 1), b3 = Vec<double>::Zero(3);
  for (ConvStrategy v : {ConvStrategy::banded, ConvStrategy::blocked})
    CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 3, 4, 4, 3, Padding::zero, v}, wide, b3),
                      Catch::StartsWith("conv2d: C_out > C_in"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 3, 4, 4, 3, Padding::circular, ConvStrategy::fft}, wide, b3),
                    Catch::StartsWith("conv2d: C_out > C_in"));
  CHECK_NOTHROW(Conv2d<double>(Conv2dSpec{2, 3, 4, 4, 3, Padding::zero, ConvStrategy::dense}, wide, b3));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3, Padding::zero, ConvStrategy::fft}, w, b),
                    Catch::StartsWith("conv2d: fft strategy needs circular padding"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3, Padding::circular, ConvStrategy::banded}, w, b),
                    Catch::StartsWith("conv2d: banded strategy needs zero padding"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3, Padding::zero, ConvStrategy::blocked, 0}, w, b),
                    Catch::StartsWith("conv2d: block size B must be at least 1"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 0, 4, 3}, w, b),
                    Catch::StartsWith("conv2d: channels, height, width and kernel must be positive"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3}, weights(2, 2, 1, 1), b),
                    Catch::StartsWith("conv2d: weight has 4 rows, expected 36"));
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3}, w, Vec<double>::Zero(3)),
                    Catch::StartsWith("conv2d: bias has 3 rows, expected 2"));
  Vec<double> bad = w;
  bad(3) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3}, bad, b),
                    Catch::StartsWith("conv2d: weight holds a non-finite"));
  Vec<double> bad_bias = b;
  bad_bias(1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(Conv2d<double>(Conv2dSpec{2, 2, 4, 4, 3}, w, bad_bias),
                    Catch::StartsWith("conv2d: bias holds a non-finite"));

  Conv2d<double> op(Conv2dSpec{2, 2, 4, 4, 3}, w, b);
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(31, 1)), Catch::StartsWith("conv2d: input has 31 rows, expected 32"));
  Mat<double> x = Mat<double>::Ones(32, 1);
  x(4) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(op.forward(x), Catch::StartsWith("conv2d: input holds a non-finite"));
  const Mat<double> ones = Mat<double>::Ones(32, 1);
  CHECK_THROWS_WITH(op.vjp_input(op.input_residual(ones), Mat<double>::Ones(30, 1)),
                    Catch::StartsWith("conv2d: output cotangent has 30 rows, expected 32"));
  CHECK_THROWS_WITH(op.vijp(ones, Mat<double>::Ones(32, 2), {}),
                    Catch::StartsWith("conv2d: input cotangent and input: shapes"));
  CHECK_THROWS_WITH(op.set_params(Vec<double>::Ones(5)), Catch::StartsWith("conv2d: parameters has 5 rows"));

  Vec<double> singular = w;
  for (Index o = 0; o < 2; ++o)
    for (Index i = 0; i < 2; ++i) singular((o * 2 + i) * 9 + 0) = 0;  // A_00 = 0
  const Conv2d<double> blk(Conv2dSpec{2, 2, 4, 4, 3, Padding::zero, ConvStrategy::blocked, 3}, singular, b);
  CHECK_THROWS_WITH(blk.vijp(ones, ones, blk.fragment(ones, ones)),
                    Catch::StartsWith("conv2d: blocked strategy: the pivot tap W_00 is singular"));
  Fragment<double> short_fragment;
  short_fragment.values = Vec<double>::Ones(3);
  const Conv2d<double> blk_ok(Conv2dSpec{2, 2, 4, 4, 3, Padding::zero, ConvStrategy::blocked, 3}, weights(2, 2, 3, 1, 3.0),
                              b);
  CHECK_THROWS_WITH(blk_ok.vijp(ones, ones, short_fragment),
                    Catch::StartsWith("conv2d: fragment has 3 scalars, expected"));

  const Conv2d<double> zero_banded(Conv2dSpec{2, 2, 4, 4, 3, Padding::zero, ConvStrategy::banded}, Vec<double>::Zero(36),
                                   b);
  CHECK_THROWS_WITH(zero_banded.vijp(ones, ones, {}),
                    Catch::StartsWith("conv2d: banded strategy: the Jacobian is rank deficient"));
}

TEST_CASE("conv2d: auto inverts the vjp within the bound of what it chose", "[conv2d][vijp][auto]") {
  // The strategy auto chose, in double, meets the bound every fixed strategy
  // meets (check_inverse, with its own amplification); circular padding is fft.
  for (double dom : {0.0, 2.0})
    for (Padding pad : {Padding::zero, Padding::circular})
      for (Index k : {1, 3}) {
        const Conv2d<double> a = make(2, 2, 4, 5, k, pad, ConvStrategy::dense, 8, dom);
        const Conv2d<double> op(Conv2dSpec{2, 2, 4, 5, k, pad, ConvStrategy::dense, 8, true}, a.weight(), a.bias());
        INFO("auto chose " << conv_strategy_name(op.resolved_spec().strategy) << " B " << op.resolved_spec().block
                           << ", trial error " << op.trial_error());
        check_inverse(op, 2);
        CHECK(op.trial_error() >= 0);
        if (pad == Padding::circular) CHECK(op.resolved_spec().strategy == ConvStrategy::fft);
      }
}
