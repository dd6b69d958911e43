// The CUDA kernels' per-element math (cuda/include/moonwalk/cuda/kernels/),
// run on the CPU index by index and compared with the reference: the index
// maps, mask packing, compactions, the strategies' factor and solve steps.
// What only a GPU can run (launches, cuBLAS, cuSOLVER, cuFFT) is left to the
// GPU tests; here cuFFT is stood in for by a direct DFT and cuSOLVER's
// geqrf/ormqr by the same Householder steps.
#include "moonwalk/cuda/detail/host_qr.hpp"
#include "moonwalk/cuda/kernels/additive_coupling.hpp"
#include "moonwalk/cuda/kernels/conv1d.hpp"
#include "moonwalk/cuda/kernels/conv2d.hpp"
#include "moonwalk/cuda/kernels/dense.hpp"
#include "moonwalk/cuda/kernels/global_avg_pool.hpp"
#include "moonwalk/cuda/kernels/space_to_depth.hpp"
#include "moonwalk/cuda/kernels/patch_map.hpp"
#include "moonwalk/cuda/kernels/relu.hpp"
#include "moonwalk/cuda/kernels/softmax_cross_entropy.hpp"
#include "moonwalk/cuda/kernels/tanh.hpp"
#include "moonwalk/reference/ops.hpp"
#include "moonwalk/verify/cases.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <random>

namespace k = moonwalk::cuda::kernels;
using namespace moonwalk::reference;
using moonwalk::tolerance::numerical_cond;
using moonwalk::verify::bound;
using moonwalk::verify::make_case;
using moonwalk::verify::Shape;

namespace {

Mat<double> draw(Index r, Index c, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0, 1);
  Mat<double> m(r, c);
  for (Index j = 0; j < c; ++j)
    for (Index i = 0; i < r; ++i) m(i, j) = n(g);
  return m;
}

// Generated shapes of every flavor, size 1 and odd sizes among them.
std::vector<Shape> shapes() {
  std::vector<Shape> out;
  std::uint64_t seed = 101;
  for (int flavor = 0; flavor < 4; ++flavor)
    for (const auto& [a, b, c, batch] : std::vector<std::array<int, 4>>{{1, 1, 1, 1}, {3, 5, 2, 2}, {5, 3, 3, 3},
                                                                         {4, 7, 8, 2}, {8, 8, 7, 3}})
      out.push_back(Shape{a, b, c, batch, flavor, seed++});
  return out;
}

// Two computations of the same quantity in double, by different summation
// orders: each within bound(n, ‖·‖, cond) of the exact value.
void check_close(const Mat<double>& got, const Mat<double>& want, double n, double cond_estimate, const char* what) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  // An infinite estimate (a reference result of zero) would bound nothing.
  REQUIRE(std::isfinite(cond_estimate));
  const double tol = 2 * bound<double>(n, std::max(want.norm(), got.norm()), cond_estimate);
  INFO(what << ": difference " << (got - want).norm() << ", bound " << tol);
  CHECK((got - want).norm() <= tol);
}

// The device kernels sum in the specification's order; the reference's float
// and double convolutions sum through matrix products over runs of positions
// (ops/conv_kernels.hpp). The two agree to the rounding of an n-term sum,
// whose condition is ‖ |W||x| + |b| ‖ / ‖Wx + b‖: the same operator with
// absolute weights applied to |x|.
template <class Op>
void check_conv_kernels(const Op& op, const Mat<double>& x, const Mat<double>& xdot, const Vec<double>& pdot,
                        const Mat<double>& delta, const Mat<double>& y, const Mat<double>& t, const Mat<double>& t0,
                        const Mat<double>& h, double taps) {
  const Op a(op.spec(), op.weight().cwiseAbs(), op.bias().cwiseAbs());
  const Op ad(op.spec(), pdot.head(op.weight().size()).cwiseAbs(), pdot.tail(op.bias().size()).cwiseAbs());
  const double ci = static_cast<double>(op.spec().in_channels), co = static_cast<double>(op.spec().out_channels);
  const Mat<double> want_y = op.forward(x), want_t = op.jvp(x, xdot, pdot), want_t0 = op.jvp(x, xdot, Vec<double>());
  const Mat<double> want_h = op.vjp_input(op.input_residual(x), delta);
  const Mat<double> abs_t0 = a.forward(xdot.cwiseAbs()) - a.forward(Mat<double>::Zero(x.rows(), x.cols()));
  const Mat<double> abs_t = abs_t0 + ad.forward(x.cwiseAbs());
  const Op a0(op.spec(), op.weight().cwiseAbs(), Vec<double>::Zero(op.bias().size()));
  check_close(y, want_y, ci * taps + 1, a.forward(x.cwiseAbs()).norm() / want_y.norm(), "forward");
  check_close(t, want_t, 2 * ci * taps + 1, abs_t.norm() / want_t.norm(), "jvp");
  check_close(t0, want_t0, ci * taps, abs_t0.norm() / want_t0.norm(), "jvp without a parameter direction");
  check_close(h, want_h, co * taps, a0.vjp_input(a0.input_residual(x), delta.cwiseAbs()).norm() / want_h.norm(),
              "vjp_input");
}

std::vector<std::uint64_t> pack(const Mat<double>& x) {
  std::vector<std::uint64_t> w(static_cast<std::size_t>((x.size() + 63) / 64));
  for (Index i = 0; i < static_cast<Index>(w.size()); ++i) w[static_cast<std::size_t>(i)] = k::positive_word(i, x.size(), x.data());
  return w;
}

std::vector<Index> clear_prefix(const std::vector<std::uint64_t>& words, Index n) {
  std::vector<Index> before(words.size() + 1, 0);
  for (std::size_t w = 0; w < words.size(); ++w)
    before[w + 1] = before[w] + k::clear_bits(words.data(), static_cast<Index>(w), n);
  return before;
}

// Conv weights: [I 0] on a dominant tap plus integers in [−8, 8] / 256 (so that
// Σ_t ‖E_t‖ ≤ k·√(C_out·C_in)/32 < 1 at these sizes), as the generator makes
// them (verify/src/cases.cpp), at sizes it does not reach.
Conv1d<double> conv(Index ci, Index co, Index W, Index kk, Padding pad, ConvStrategy v, Index B, std::uint64_t seed) {
  moonwalk::verify::ExactRng r(seed);
  Vec<double> w = r.matrix(co * ci * kk, 1, 8, 8);
  const Index dominant = v == ConvStrategy::blocked ? 0 : (kk - 1) / 2;
  for (Index o = 0; o < co; ++o) w((o * ci + o) * kk + dominant) += 1;
  return Conv1d<double>(Conv1dSpec{ci, co, W, kk, pad, v, B}, w, r.matrix(co, 1, 8, 3));
}

k::Conv1dShape shape_of(const Conv1dSpec& s) { return k::Conv1dShape::of(s); }

// Generated conv cases of every strategy, then awkward sizes: odd widths just
// off a multiple of the block, five channels in, kernels 3 and 5, batch 1.
std::vector<Conv1d<double>> convs() {
  std::vector<Conv1d<double>> out;
  for (const Shape& s : shapes()) out.push_back(make_case<Conv1d>(s).op);
  std::uint64_t seed = 7;
  for (ConvStrategy v : {ConvStrategy::dense, ConvStrategy::banded, ConvStrategy::fft, ConvStrategy::blocked})
    for (Index kk : {3, 5}) {
      const Padding pad = v == ConvStrategy::banded ? Padding::zero
                          : v == ConvStrategy::fft  ? Padding::circular
                                                : (kk == 3 ? Padding::zero : Padding::circular);
      // Widths one past a multiple of the block; a block longer than k − 1 so
      // that the recurrence has positions to compute.
      out.push_back(conv(5, 3, 17, kk, pad, v, kk == 3 ? 4 : 8, seed++));
      out.push_back(conv(4, 4, 9, kk, pad, v, 8, seed++));
    }
  return out;
}

std::string describe(const Conv1d<double>& op) {
  const Conv1dSpec& s = op.spec();
  return "conv1d " + std::to_string(s.in_channels) + "->" + std::to_string(s.out_channels) + " W=" +
         std::to_string(s.width) + " k=" + std::to_string(s.kernel) + " " + padding_name(s.padding) + " " +
         conv_strategy_name(s.strategy) + " B=" + std::to_string(s.block);
}

// 2-D conv weights as the generator makes them (verify/src/cases.cpp): [I 0]
// on the centre tap (dense, banded, fft), on the pivot tap for blocked with
// circular padding, on the centre plus ½[I 0] on the pivot tap for blocked
// with zero padding, plus integers in [−8, 8] / 2^s, s = 9 or 10 here.
Conv2d<double> conv2(Index ci, Index co, Index H, Index W, Index kk, Padding pad, ConvStrategy v, Index B,
                     std::uint64_t seed) {
  moonwalk::verify::ExactRng r(seed);
  const bool expanding = v == ConvStrategy::blocked && pad == Padding::zero;
  Vec<double> w = r.matrix(co * ci * kk * kk, 1, 8, kk == 5 ? 10 : 9);
  const Index c = (kk - 1) / 2;
  for (Index o = 0; o < std::min(co, ci); ++o) {
    if (v == ConvStrategy::blocked && !expanding) {
      w(((o * ci + o) * kk) * kk) += 1;
    } else {
      w(((o * ci + o) * kk + c) * kk + c) += 1;
      if (expanding) w(((o * ci + o) * kk) * kk) += 0.5;
    }
  }
  return Conv2d<double>(Conv2dSpec{ci, co, H, W, kk, pad, v, B}, w, r.matrix(co, 1, 8, 3));
}

k::Conv2dShape shape_of(const Conv2dSpec& s) { return k::Conv2dShape::of(s); }

// Generated conv2d cases of every strategy, then awkward sizes: rows one past
// a multiple of B, odd and even sides, kernels 3 and 5, a side of 1 and 1 × 1
// (fft's 1-D and no transforms), C_out > C_in for dense.
std::vector<Conv2d<double>> conv2ds() {
  std::vector<Conv2d<double>> out;
  for (const Shape& s : shapes()) out.push_back(make_case<Conv2d>(s).op);
  const Padding zero = Padding::zero, circ = Padding::circular;
  out.push_back(conv2(3, 2, 5, 7, 3, zero, ConvStrategy::dense, 8, 11));
  out.push_back(conv2(2, 3, 4, 5, 3, circ, ConvStrategy::dense, 8, 12));
  out.push_back(conv2(3, 2, 5, 7, 3, zero, ConvStrategy::banded, 8, 13));
  out.push_back(conv2(2, 2, 6, 5, 5, zero, ConvStrategy::banded, 8, 14));
  out.push_back(conv2(2, 1, 1, 9, 3, zero, ConvStrategy::banded, 8, 15));
  out.push_back(conv2(3, 2, 5, 7, 3, circ, ConvStrategy::fft, 8, 16));
  out.push_back(conv2(2, 2, 4, 6, 3, circ, ConvStrategy::fft, 8, 17));
  out.push_back(conv2(2, 2, 1, 8, 3, circ, ConvStrategy::fft, 8, 18));
  out.push_back(conv2(3, 2, 6, 1, 3, circ, ConvStrategy::fft, 8, 19));
  out.push_back(conv2(2, 1, 1, 1, 3, circ, ConvStrategy::fft, 8, 20));
  out.push_back(conv2(3, 2, 9, 5, 3, circ, ConvStrategy::blocked, 4, 21));
  out.push_back(conv2(2, 2, 13, 7, 5, circ, ConvStrategy::blocked, 6, 22));
  out.push_back(conv2(2, 2, 7, 4, 3, zero, ConvStrategy::blocked, 3, 23));
  return out;
}

std::string describe(const Conv2d<double>& op) {
  const Conv2dSpec& s = op.spec();
  return "conv2d " + std::to_string(s.in_channels) + "->" + std::to_string(s.out_channels) + " " +
         std::to_string(s.height) + "x" + std::to_string(s.width) + " k=" + std::to_string(s.kernel) + " " +
         padding_name(s.padding) + " " + conv_strategy_name(s.strategy) + " B=" + std::to_string(s.block);
}

}  // namespace

TEST_CASE("kernels: sign masks pack like the reference BitMask", "[kernels][masks]") {
  for (const auto& [rows, cols] : std::vector<std::pair<Index, Index>>{{1, 1}, {63, 1}, {64, 1}, {65, 1}, {7, 9}, {33, 4}, {129, 3}}) {
    const Mat<double> x = draw(rows, cols, static_cast<std::uint64_t>(rows * 100 + cols));
    const BitMask ref = BitMask::from(x, [](double v) { return v > 0; });
    const std::vector<std::uint64_t> words = pack(x);
    REQUIRE(words.size() * sizeof(std::uint64_t) == ref.bytes());
    Index clear = 0;
    const std::vector<Index> before = clear_prefix(words, x.size());
    for (Index j = 0; j < cols; ++j)
      for (Index i = 0; i < rows; ++i) {
        const Index e = j * rows + i;
        CHECK(k::mask_bit(words.data(), e) == ref(i, j));
        if (!ref(i, j)) CHECK(k::clear_rank(words.data(), before.data(), e) == clear++);
      }
    CHECK(before.back() == clear);
    CHECK(clear == rows * cols - ref.count());
  }
}

TEST_CASE("kernels: relu fragment and vijp by compaction", "[kernels][relu]") {
  for (const Shape& s : shapes()) {
    auto c = make_case<Relu>(Shape{s.a * 9, s.b, s.c, s.batch, s.flavor, s.seed});
    const Relu<double>& op = c.op;
    const std::vector<std::uint64_t> words = pack(c.x);
    const std::vector<Index> before = clear_prefix(words, c.x.size());
    const Fragment<double> ref = op.fragment(c.x, c.delta);
    REQUIRE(before.back() == ref.size());
    Vec<double> f(ref.size());
    for (Index e = 0; e < c.x.size(); ++e) k::relu_gather_fragment(e, words.data(), before.data(), c.delta.data(), f.data());
    CHECK(f == ref.values);
    const Mat<double> g = op.vjp_input(op.input_residual(c.x), c.delta);
    Mat<double> h(g.rows(), g.cols());
    for (Index e = 0; e < g.size(); ++e) k::relu_vijp(e, words.data(), before.data(), g.data(), f.data(), h.data());
    CHECK(h == op.vijp(c.x, g, ref));
    Mat<double> v(g.rows(), g.cols());
    for (Index e = 0; e < g.size(); ++e) v(e) = k::relu_vjp(k::mask_bit(words.data(), e), c.delta(e));
    CHECK(v == g);
  }
}

TEST_CASE("kernels: leaky_relu and tanh element by element", "[kernels][leaky_relu][tanh]") {
  for (const Shape& s : shapes()) {
    const auto c = make_case<LeakyRelu>(s);
    const double a = c.op.alpha();
    const std::vector<std::uint64_t> words = pack(c.x);
    const Mat<double> g = c.op.vjp_input(c.op.input_residual(c.x), c.delta);
    Mat<double> y(c.x.rows(), c.x.cols()), t(y.rows(), y.cols()), h(y.rows(), y.cols()), d(y.rows(), y.cols());
    for (Index e = 0; e < y.size(); ++e) {
      y(e) = k::leaky_relu_forward(c.x(e), a);
      t(e) = k::leaky_relu_jvp(c.x(e), c.xdot(e), a);
      h(e) = k::leaky_relu_vjp(k::mask_bit(words.data(), e), c.delta(e), a);
      d(e) = k::leaky_relu_vijp(c.x(e), g(e), a);
    }
    CHECK(y == c.op.forward(c.x));
    CHECK(t == c.op.jvp(c.x, c.xdot, Vec<double>()));
    CHECK(h == g);
    CHECK(d == c.op.vijp(c.x, g, {}));

    const auto ct = make_case<Tanh>(s);
    const Mat<double> gt = ct.op.vjp_input(ct.op.input_residual(ct.x), ct.delta);
    Mat<double> yt(ct.x.rows(), ct.x.cols()), jt(yt.rows(), yt.cols()), ht(yt.rows(), yt.cols()), dt(yt.rows(), yt.cols());
    for (Index e = 0; e < yt.size(); ++e) {
      yt(e) = k::tanh_forward(ct.x(e));
      jt(e) = k::tanh_derivative(ct.x(e)) * ct.xdot(e);
      ht(e) = k::tanh_derivative(ct.x(e)) * ct.delta(e);
      dt(e) = gt(e) / k::tanh_derivative(ct.x(e));
    }
    CHECK(yt == ct.op.forward(ct.x));
    CHECK(jt == ct.op.jvp(ct.x, ct.xdot, Vec<double>()));
    CHECK(ht == gt);
    CHECK(dt == ct.op.vijp(ct.x, gt, {}));
  }
}

TEST_CASE("kernels: global_avg_pool sums and broadcasts", "[kernels][global_avg_pool]") {
  for (const Shape& s : shapes()) {
    const auto c = make_case<GlobalAvgPool>(Shape{s.a, s.b * 37, s.c, s.batch, s.flavor, s.seed});
    const Index C = c.op.channels(), P = c.op.positions(), B = c.x.cols();
    Mat<double> y(C, B), v(C, B), h(C * P, B);
    for (Index e = 0; e < C * B; ++e) {
      k::pool_sum(e, C, P, c.x.data(), true, y.data());
      k::pool_sum(e, C, P, c.x.data(), false, v.data());
    }
    for (Index e = 0; e < C * P * B; ++e) k::pool_broadcast(e, C, P, c.delta.data(), h.data());
    const double n = static_cast<double>(P);
    check_close(y, c.op.forward(c.x), n, 1, "forward");
    check_close(v, c.op.vijp(c.x, c.x, {}), n, 1, "vijp");
    CHECK(h == c.op.vjp_input(c.op.input_residual(c.x), c.delta));
  }
}

TEST_CASE("kernels: space_to_depth gathers and scatters as the reference permutes", "[kernels][space_to_depth]") {
  for (const Shape& s : shapes()) {
    const auto c = make_case<SpaceToDepth>(s);
    const Index n = c.op.in_dim(), B = c.x.cols(), H = c.op.height(), W = c.op.width(), b = c.op.block();
    for (Index e = 0; e < n; ++e) CHECK(k::space_to_depth_source(e, H, W, b) == c.op.source(e));
    Mat<double> y(n, B), h(n, B);
    for (Index e = 0; e < n * B; ++e) {
      k::space_to_depth_gather(e, n, H, W, b, c.x.data(), y.data());
      k::space_to_depth_scatter(e, n, H, W, b, c.delta.data(), h.data());
    }
    CHECK(y == c.op.forward(c.x));  // a permutation: exact
    CHECK(h == c.op.vjp_input(c.op.input_residual(c.x), c.delta));
  }
}

TEST_CASE("kernels: losses column by column", "[kernels][losses]") {
  for (const auto& [rows, cols] : std::vector<std::pair<Index, Index>>{{1, 1}, {3, 2}, {10, 5}, {33, 3}}) {
    const Mat<double> y = draw(rows, cols, 3), t = draw(rows, cols, 4);
    for (double scale : {1.0, 0.25}) {
      const Mse<double> mse(t, scale);
      Vec<double> partial(cols);
      double value = 0;
      Mat<double> h(rows, cols);
      for (Index j = 0; j < cols; ++j) k::mse_column(j, rows, y.data(), t.data(), partial.data());
      k::sum_ordered(cols, partial.data(), double(2 * cols), &value);
      for (Index e = 0; e < y.size(); ++e) k::mse_gradient(e, cols, scale, y.data(), t.data(), h.data());
      check_close(Mat<double>::Constant(1, 1, scale * value), Mat<double>::Constant(1, 1, mse.value(y)),
                  static_cast<double>(y.size()), 1, "mse value");
      CHECK(h == mse.gradient(y));

      std::vector<Index> labels;
      for (Index j = 0; j < cols; ++j) labels.push_back((3 * j + 1) % rows);
      const SoftmaxCrossEntropy<double> ce(rows, labels, scale);
      for (Index j = 0; j < cols; ++j) k::softmax_ce_column(j, rows, y.data(), labels.data(), partial.data());
      k::sum_ordered(cols, partial.data(), double(cols), &value);
      for (Index j = 0; j < cols; ++j) k::softmax_ce_gradient(j, rows, cols, scale, y.data(), labels.data(), h.data());
      check_close(Mat<double>::Constant(1, 1, scale * value), Mat<double>::Constant(1, 1, ce.value(y)),
                  static_cast<double>(y.size()), 1, "softmax_cross_entropy value");
      check_close(h, ce.gradient(y), static_cast<double>(rows), 1, "softmax_cross_entropy gradient");
    }
  }
}

TEST_CASE("kernels: Householder QR solves least squares as Eigen's", "[kernels][householder]") {
  for (const auto& [m, n] : std::vector<std::pair<Index, Index>>{{1, 1}, {2, 1}, {5, 3}, {8, 8}, {10, 6}}) {
    Mat<double> A = draw(m, n, static_cast<std::uint64_t>(m * 10 + n));
    const Vec<double> b = draw(m, 1, 9).col(0);
    Vec<double> tau(n), x = b;
    Mat<double> qr = A;
    k::householder_qr(qr.data(), m, n, m, tau.data());
    k::householder_solve(qr.data(), m, n, m, tau.data(), x.data());
    const Eigen::HouseholderQR<Mat<double>> ref(A);
    check_close(qr.triangularView<Eigen::Upper>().toDenseMatrix(), ref.matrixQR().triangularView<Eigen::Upper>().toDenseMatrix(),
                static_cast<double>(m), 1, "R");
    check_close(Mat<double>(x.head(n)), Mat<double>(ref.solve(b)), static_cast<double>(m + n), numerical_cond(A), "solution");
  }
}

TEST_CASE("kernels: conv1d direct kernels", "[kernels][conv1d]") {
  for (const Conv1d<double>& op : convs()) {
    INFO(describe(op));
    const k::Conv1dShape s = shape_of(op.spec());
    const Index B = 2, P = op.param_count(), nw = s.weights();
    const Mat<double> x = draw(op.in_dim(), B, 1), xdot = draw(op.in_dim(), B, 2), delta = draw(op.out_dim(), B, 3);
    const Vec<double> pdot = draw(P, 1, 4).col(0), theta = op.params();
    Mat<double> y(op.out_dim(), B), t(op.out_dim(), B), t0(op.out_dim(), B), h(op.in_dim(), B);
    Vec<double> g(P);
    for (Index e = 0; e < y.size(); ++e) {
      k::conv1d_forward(e, s, theta.data(), theta.data() + nw, x.data(), y.data());
      k::conv1d_jvp(e, s, theta.data(), xdot.data(), pdot.data(), pdot.data() + nw, x.data(), t.data());
      k::conv1d_jvp(e, s, theta.data(), xdot.data(), static_cast<const double*>(nullptr), static_cast<const double*>(nullptr),
                  x.data(), t0.data());
    }
    for (Index e = 0; e < h.size(); ++e) k::conv1d_vjp_input(e, s, theta.data(), delta.data(), h.data());
    for (Index e = 0; e < P; ++e) k::conv1d_vjp_params(e, s, delta.data(), x.data(), B, g.data());
    Mat<double> J = Mat<double>::Zero(op.out_dim(), op.in_dim());
    for (Index r = 0; r < op.out_dim(); ++r) k::conv1d_jacobian_row(r, s, theta.data(), J.data());
    check_conv_kernels(op, x, xdot, pdot, delta, y, t, t0, h, static_cast<double>(s.k));
    check_close(g, op.vjp_params(x, delta), static_cast<double>(B * s.W), 1, "vjp_params");
    CHECK(J == op.jacobian(x.col(0)));
  }
}

TEST_CASE("kernels: conv1d vijp strategies step by step", "[kernels][conv1d][vijp]") {
  for (const Conv1d<double>& op : convs()) {
    INFO(describe(op));
    const k::Conv1dShape s = shape_of(op.spec());
    const Index B = 3;
    const Vec<double> theta = op.params();
    const Mat<double> x = draw(op.in_dim(), B, 5), delta = draw(op.out_dim(), B, 6);
    const Mat<double> g = op.vjp_input(op.input_residual(x), delta);
    const Fragment<double> frag = op.fragment(x, delta);
    const Mat<double> ref = op.vijp(x, g, frag);
    const double n = static_cast<double>(op.in_dim() + op.out_dim());
    const double c = numerical_cond(op.jacobian(x.col(0))) * op.vijp_amplification();
    Mat<double> d = Mat<double>::Zero(op.out_dim(), B);
    switch (op.spec().strategy) {
      case ConvStrategy::dense: continue;  // the right inverse: see the dense test below
      case ConvStrategy::blocked: {
        const std::vector<Index> seeds = s.seed_positions();
        const Index ns = static_cast<Index>(seeds.size());
        REQUIRE(ns * s.co * B == frag.size());
        Vec<double> f(frag.size());
        for (Index e = 0; e < f.size(); ++e) k::blocked_gather(e, s, seeds.data(), ns, delta.data(), f.data());
        CHECK(f == frag.values);
        std::vector<char> seeded(static_cast<std::size_t>(s.W), 0);
        for (Index w : seeds) seeded[static_cast<std::size_t>(w)] = 1;
        Mat<double> qr0(s.ci, s.co);
        Vec<double> tau0(s.co), work(s.ci);
        for (Index e = 0; e < qr0.size(); ++e) k::pivot_tap_transpose(e, s, theta.data(), qr0.data());
        k::householder_qr(qr0.data(), s.ci, s.co, s.ci, tau0.data());
        for (Index e = 0; e < f.size(); ++e) k::blocked_scatter(e, s, seeds.data(), ns, f.data(), d.data());
        const Index chains = (s.W + s.block - 1) / s.block;
        // Chains in reverse order: none may depend on another.
        for (Index e = chains * B - 1; e >= 0; --e)
          k::blocked_chain(e % chains, e / chains, s, theta.data(), qr0.data(), tau0.data(), seeded.data(), g.data(),
                           d.data(), work.data());
        break;
      }
      case ConvStrategy::banded: {
        std::vector<Index> off(static_cast<std::size_t>(s.out_dim() + 1), 0);
        for (Index col = 0; col < s.out_dim(); ++col)
          off[static_cast<std::size_t>(col + 1)] =
              off[static_cast<std::size_t>(col)] + k::band_row_end(k::band_of(s), col) - k::band_row_start(k::band_of(s), col);
        std::vector<double> A(static_cast<std::size_t>(off.back())), tau(static_cast<std::size_t>(s.out_dim()));
        for (Index col = 0; col < s.out_dim(); ++col) k::band_fill(col, s, theta.data(), off.data(), A.data());
        Mat<double> Jt = Mat<double>::Zero(s.in_dim(), s.out_dim());
        for (Index col = 0; col < s.out_dim(); ++col)
          for (Index r = k::band_row_start(k::band_of(s), col); r < k::band_row_end(k::band_of(s), col); ++r)
            Jt(r, col) = *k::band_at(k::band_of(s), off.data(), A.data(), r, col);
        Mat<double> Jpos(s.in_dim(), s.out_dim());  // Jᵀ in position-major order, from the reference
        const Mat<double> J = op.jacobian(x.col(0));
        for (Index i = 0; i < s.ci; ++i)
          for (Index p = 0; p < s.W; ++p)
            for (Index o = 0; o < s.co; ++o)
              for (Index w = 0; w < s.W; ++w) Jpos(p * s.ci + i, w * s.co + o) = J(o * s.W + w, i * s.W + p);
        CHECK(Jt == Jpos);  // the band holds every nonzero of Jᵀ
        for (Index col = 0; col < s.out_dim(); ++col) {
          k::band_reflector(col, k::band_of(s), off.data(), A.data(), tau.data());
          for (Index j = col + 1; j < k::band_col_end(k::band_of(s), col); ++j)
            k::band_update(col, j, k::band_of(s), off.data(), A.data(), tau.data());
        }
        std::vector<double> work(static_cast<std::size_t>(s.in_dim() * B));
        for (Index j = 0; j < B; ++j)
          k::band_solve(j, k::band_of(s), off.data(), A.data(), tau.data(), g.data(), work.data(), d.data());
        break;
      }
      case ConvStrategy::fft: {
        const Index F = s.W / 2 + 1;
        std::vector<double> E(static_cast<std::size_t>(4 * s.ci * s.co * F)), tau(static_cast<std::size_t>(2 * s.co * F));
        for (Index fr = 0; fr < F; ++fr) k::fft_factor(fr, s, theta.data(), E.data(), tau.data());
        // cuFFT's R2C stood in for by a direct DFT: G[j·C_in + i][f] = Σ_p g e^{−2πi f p / W}.
        std::vector<double> G(static_cast<std::size_t>(2 * F * s.ci * B)), D(static_cast<std::size_t>(2 * F * s.co * B)),
            work(static_cast<std::size_t>(2 * s.ci));
        const double two_pi = 2 * std::acos(-1.0);
        for (Index j = 0; j < B; ++j)
          for (Index i = 0; i < s.ci; ++i)
            for (Index fr = 0; fr < F; ++fr) {
              double re = 0, im = 0;
              for (Index p = 0; p < s.W; ++p) {
                re += g(i * s.W + p, j) * std::cos(two_pi * double(fr * p % s.W) / double(s.W));
                im -= g(i * s.W + p, j) * std::sin(two_pi * double(fr * p % s.W) / double(s.W));
              }
              G[static_cast<std::size_t>(2 * ((j * s.ci + i) * F + fr))] = re;
              G[static_cast<std::size_t>(2 * ((j * s.ci + i) * F + fr) + 1)] = im;
            }
        for (Index e = 0; e < F * B; ++e) k::fft_solve(e % F, e / F, s, E.data(), tau.data(), G.data(), D.data(), work.data());
        // C2R: the Hermitian extension of the half spectrum, then 1/W.
        for (Index j = 0; j < B; ++j)
          for (Index o = 0; o < s.co; ++o)
            for (Index w = 0; w < s.W; ++w) {
              double v = 0;
              for (Index fr = 0; fr < s.W; ++fr) {
                const bool mirrored = fr >= F;
                const Index src = mirrored ? s.W - fr : fr;
                const double re = D[static_cast<std::size_t>(2 * ((j * s.co + o) * F + src))];
                const double im = D[static_cast<std::size_t>(2 * ((j * s.co + o) * F + src) + 1)] * (mirrored ? -1 : 1);
                const double angle = two_pi * double(fr * w % s.W) / double(s.W);
                v += re * std::cos(angle) - im * std::sin(angle);
              }
              d(o * s.W + w, j) = v / double(s.W);
            }
        break;
      }
    }
    check_close(d, ref, n, c, "vijp");
    check_close(d, delta, n, c, "vijp against δ");
  }
}

TEST_CASE("kernels: patch maps", "[kernels][patch_downsample1d]") {
  for (const Shape& s : shapes()) {
    const auto c = make_case<PatchDownsample1d>(s);
    const auto& op = c.op;
    const Index ci = op.in_channels(), W = op.width(), kk = op.patch(), co = op.out_channels(), P = op.patches();
    const Index B = c.x.cols();
    const k::PatchShape ps{ci, 1, W, 1, kk};
    Mat<double> v(ci * kk, P * B), back(op.in_dim(), B), z(co, P * B), y(op.out_dim(), B);
    for (Index e = 0; e < v.size(); ++e) k::patch_in(e, ps, c.x.data(), v.data());
    for (Index e = 0; e < back.size(); ++e) k::unpatch_in(e, ps, v.data(), back.data());
    CHECK(back == c.x);
    const Mat<double> dense = op.patch_map().forward(v);
    for (Index e = 0; e < y.size(); ++e) k::unpatch_out(e, co, P, dense.data(), y.data());
    CHECK(y == op.forward(c.x));
    for (Index e = 0; e < z.size(); ++e) k::patch_out(e, co, P, c.delta.data(), z.data());
    const Mat<double> hv = op.patch_map().weight().transpose() * z;
    Mat<double> h(op.in_dim(), B);
    for (Index e = 0; e < h.size(); ++e) k::unpatch_in(e, ps, hv.data(), h.data());
    CHECK(h == op.vjp_input(op.input_residual(c.x), c.delta));
    CHECK(op.patch_map().vjp_params(v, z) == op.vjp_params(c.x, c.delta));
  }
}

TEST_CASE("kernels: conv2d direct kernels", "[kernels][conv2d]") {
  for (const Conv2d<double>& op : conv2ds()) {
    INFO(describe(op));
    const k::Conv2dShape s = shape_of(op.spec());
    const Index B = 2, P = op.param_count(), nw = s.weights();
    const Mat<double> x = draw(op.in_dim(), B, 1), xdot = draw(op.in_dim(), B, 2), delta = draw(op.out_dim(), B, 3);
    const Vec<double> pdot = draw(P, 1, 4).col(0), theta = op.params();
    Mat<double> y(op.out_dim(), B), t(op.out_dim(), B), t0(op.out_dim(), B), h(op.in_dim(), B);
    Vec<double> g(P);
    for (Index e = 0; e < y.size(); ++e) {
      k::conv2d_forward(e, s, theta.data(), theta.data() + nw, x.data(), y.data());
      k::conv2d_jvp(e, s, theta.data(), xdot.data(), pdot.data(), pdot.data() + nw, x.data(), t.data());
      k::conv2d_jvp(e, s, theta.data(), xdot.data(), static_cast<const double*>(nullptr),
                    static_cast<const double*>(nullptr), x.data(), t0.data());
    }
    for (Index e = 0; e < h.size(); ++e) k::conv2d_vjp_input(e, s, theta.data(), delta.data(), h.data());
    for (Index e = 0; e < P; ++e) k::conv2d_vjp_params(e, s, delta.data(), x.data(), B, g.data());
    Mat<double> J = Mat<double>::Zero(op.out_dim(), op.in_dim());
    for (Index r = 0; r < op.out_dim(); ++r) k::conv2d_jacobian_row(r, s, theta.data(), J.data());
    check_conv_kernels(op, x, xdot, pdot, delta, y, t, t0, h, static_cast<double>(s.k * s.k));
    check_close(g, op.vjp_params(x, delta), static_cast<double>(B * s.positions()), 1, "vjp_params");
    CHECK(J == op.jacobian(x.col(0)));
  }
}

TEST_CASE("kernels: conv2d vijp strategies step by step", "[kernels][conv2d][vijp]") {
  for (const Conv2d<double>& op : conv2ds()) {
    INFO(describe(op));
    const k::Conv2dShape s = shape_of(op.spec());
    const Index B = 3, P = s.positions();
    const Vec<double> theta = op.params();
    const Mat<double> x = draw(op.in_dim(), B, 5), delta = draw(op.out_dim(), B, 6);
    const Mat<double> g = op.vjp_input(op.input_residual(x), delta);
    const Fragment<double> frag = op.fragment(x, delta);
    const Mat<double> ref = op.vijp(x, g, frag);
    const double n = static_cast<double>(op.in_dim() + op.out_dim());
    const double c = numerical_cond(op.jacobian(x.col(0))) * op.vijp_amplification();
    Mat<double> d = Mat<double>::Zero(op.out_dim(), B);
    switch (op.spec().strategy) {
      case ConvStrategy::dense: continue;  // the right inverse: see the dense test
      case ConvStrategy::blocked: {
        const std::vector<Index> seeds = s.seed_positions();
        const Index ns = static_cast<Index>(seeds.size());
        REQUIRE(ns * s.co * B == frag.size());
        Vec<double> f(frag.size());
        for (Index e = 0; e < f.size(); ++e) k::conv2d_blocked_gather(e, s, seeds.data(), ns, delta.data(), f.data());
        CHECK(f == frag.values);
        std::vector<char> seeded(static_cast<std::size_t>(P), 0);
        for (Index w : seeds) seeded[static_cast<std::size_t>(w)] = 1;
        Mat<double> qr0(s.ci, s.co);
        Vec<double> tau0(s.co), work(s.ci);
        for (Index e = 0; e < qr0.size(); ++e) k::conv2d_pivot_tap_transpose(e, s, theta.data(), qr0.data());
        k::householder_qr(qr0.data(), s.ci, s.co, s.ci, tau0.data());
        for (Index e = 0; e < f.size(); ++e) k::conv2d_blocked_scatter(e, s, seeds.data(), ns, f.data(), d.data());
        const Index chains = (s.H + s.block - 1) / s.block;
        // Chains in reverse order: none may depend on another.
        for (Index e = chains * B - 1; e >= 0; --e)
          k::conv2d_blocked_chain(e % chains, e / chains, s, theta.data(), qr0.data(), tau0.data(), seeded.data(),
                                  g.data(), d.data(), work.data());
        break;
      }
      case ConvStrategy::banded: {
        const k::BandProfile bp = k::band_of(s);
        std::vector<Index> off(static_cast<std::size_t>(s.out_dim() + 1), 0);
        for (Index col = 0; col < s.out_dim(); ++col)
          off[static_cast<std::size_t>(col + 1)] =
              off[static_cast<std::size_t>(col)] + k::band_row_end(bp, col) - k::band_row_start(bp, col);
        std::vector<double> A(static_cast<std::size_t>(off.back())), tau(static_cast<std::size_t>(s.out_dim()));
        for (Index col = 0; col < s.out_dim(); ++col) k::conv2d_band_fill(col, s, theta.data(), off.data(), A.data());
        Mat<double> Jt = Mat<double>::Zero(s.in_dim(), s.out_dim());
        for (Index col = 0; col < s.out_dim(); ++col)
          for (Index r = k::band_row_start(bp, col); r < k::band_row_end(bp, col); ++r)
            Jt(r, col) = *k::band_at(bp, off.data(), A.data(), r, col);
        Mat<double> Jpos(s.in_dim(), s.out_dim());  // Jᵀ in raster-major order, from the reference
        const Mat<double> J = op.jacobian(x.col(0));
        for (Index i = 0; i < s.ci; ++i)
          for (Index p = 0; p < P; ++p)
            for (Index o = 0; o < s.co; ++o)
              for (Index w = 0; w < P; ++w) Jpos(p * s.ci + i, w * s.co + o) = J(o * P + w, i * P + p);
        CHECK(Jt == Jpos);  // the band holds every nonzero of Jᵀ
        for (Index col = 0; col < s.out_dim(); ++col) {
          k::band_reflector(col, bp, off.data(), A.data(), tau.data());
          for (Index j = col + 1; j < k::band_col_end(bp, col); ++j)
            k::band_update(col, j, bp, off.data(), A.data(), tau.data());
        }
        std::vector<double> work(static_cast<std::size_t>(s.in_dim() * B));
        for (Index j = 0; j < B; ++j)
          k::band_solve(j, bp, off.data(), A.data(), tau.data(), g.data(), work.data(), d.data());
        break;
      }
      case ConvStrategy::fft: {
        const k::Spectrum sp = k::spectrum_of(s);
        const Index F = sp.bins();
        std::vector<double> E(static_cast<std::size_t>(4 * s.ci * s.co * F)), tau(static_cast<std::size_t>(2 * s.co * F));
        for (Index e = 0; e < F; ++e) k::fft2_factor(e, s, theta.data(), E.data(), tau.data());
        // cuFFT's R2C stood in for by a direct DFT over the half spectrum:
        // G[j·C_in + i][(f, h)] = Σ_{r,q} g e^{−2πi(f r / H + h q / W)}.
        std::vector<double> G(static_cast<std::size_t>(2 * F * s.ci * B)), D(static_cast<std::size_t>(2 * F * s.co * B)),
            work(static_cast<std::size_t>(2 * s.ci));
        const double two_pi = 2 * std::acos(-1.0);
        auto angle = [&](Index f, Index h, Index w) {
          return two_pi * (double(f * (w / s.W) % s.H) / double(s.H) + double(h * (w % s.W) % s.W) / double(s.W));
        };
        for (Index j = 0; j < B; ++j)
          for (Index i = 0; i < s.ci; ++i)
            for (Index e = 0; e < F; ++e) {
              double re = 0, im = 0;
              for (Index w = 0; w < P; ++w) {
                re += g(i * P + w, j) * std::cos(angle(e / sp.FW, e % sp.FW, w));
                im -= g(i * P + w, j) * std::sin(angle(e / sp.FW, e % sp.FW, w));
              }
              G[static_cast<std::size_t>(2 * ((j * s.ci + i) * F + e))] = re;
              G[static_cast<std::size_t>(2 * ((j * s.ci + i) * F + e) + 1)] = im;
            }
        for (Index e = 0; e < F * B; ++e) k::fft2_solve(e % F, e / F, s, E.data(), tau.data(), G.data(), D.data(), work.data());
        // C2R: the Hermitian extension of the half spectrum (a bin outside it is
        // the conjugate of its mirror (−f, −h)), the real part, then 1/(H·W).
        for (Index j = 0; j < B; ++j)
          for (Index o = 0; o < s.co; ++o)
            for (Index w = 0; w < P; ++w) {
              double v = 0;
              for (Index f = 0; f < s.H; ++f)
                for (Index h = 0; h < s.W; ++h) {
                  const bool stored = f < sp.FH && h < sp.FW;
                  const Index bin = stored ? f * sp.FW + h : ((s.H - f) % s.H) * sp.FW + (s.W - h) % s.W;
                  const double re = D[static_cast<std::size_t>(2 * ((j * s.co + o) * F + bin))];
                  const double im = D[static_cast<std::size_t>(2 * ((j * s.co + o) * F + bin) + 1)] * (stored ? 1 : -1);
                  v += re * std::cos(angle(f, h, w)) - im * std::sin(angle(f, h, w));
                }
              d(o * P + w, j) = v / double(P);
            }
        break;
      }
    }
    check_close(d, ref, n, c, "vijp");
    check_close(d, delta, n, c, "vijp against δ");
  }
}

TEST_CASE("kernels: patch_downsample2d patch maps", "[kernels][patch_downsample2d]") {
  std::vector<PatchDownsample2d<double>> ops;
  for (const Shape& s : shapes()) ops.push_back(make_case<PatchDownsample2d>(s).op);
  moonwalk::verify::ExactRng r(31);
  ops.emplace_back(3, 9, 6, 3, r.matrix(5, 27, 8, 6), r.matrix(5, 1, 8, 3));
  ops.emplace_back(1, 16, 20, 2, r.matrix(3, 4, 8, 4), r.matrix(3, 1, 8, 3));
  for (const PatchDownsample2d<double>& op : ops) {
    const k::PatchShape ps{op.in_channels(), op.height(), op.width(), op.patch(), op.patch()};
    const Index co = op.out_channels(), P = op.patches(), B = 2;
    INFO("patch_downsample2d " << ps.ci << "x" << ps.H << "x" << ps.W << " p=" << ps.ph << " -> " << co);
    const Mat<double> x = draw(op.in_dim(), B, 7), delta = draw(op.out_dim(), B, 8);
    Mat<double> v(ps.rows(), P * B), back(op.in_dim(), B), z(co, P * B), y(op.out_dim(), B);
    for (Index e = 0; e < v.size(); ++e) k::patch_in(e, ps, x.data(), v.data());
    for (Index e = 0; e < back.size(); ++e) k::unpatch_in(e, ps, v.data(), back.data());
    CHECK(back == x);
    const Mat<double> dense = op.patch_map().forward(v);
    for (Index e = 0; e < y.size(); ++e) k::unpatch_out(e, co, P, dense.data(), y.data());
    CHECK(y == op.forward(x));
    for (Index e = 0; e < z.size(); ++e) k::patch_out(e, co, P, delta.data(), z.data());
    const Mat<double> hv = op.patch_map().weight().transpose() * z;
    Mat<double> h(op.in_dim(), B);
    for (Index e = 0; e < h.size(); ++e) k::unpatch_in(e, ps, hv.data(), h.data());
    CHECK(h == op.vjp_input(op.input_residual(x), delta));
    CHECK(op.patch_map().vjp_params(v, z) == op.vjp_params(x, delta));
  }
}

TEST_CASE("kernels: additive_coupling steps", "[kernels][additive_coupling]") {
  const Index d = 3, kk = 4, B = 2;
  const Mat<double> u = draw(kk, B, 1), b = draw(kk, 1, 2), x = draw(2 * d, B, 3);
  Mat<double> a(kk, B), s(kk, B), y(d, B);
  Vec<double> r(d);
  for (Index e = 0; e < a.size(); ++e) k::bias_tanh(e, kk, u.data(), b.data(), a.data());
  CHECK(a == (u.colwise() + b.col(0)).unaryExpr([](double v) { return std::tanh(v); }));
  for (Index e = 0; e < a.size(); ++e) k::slope_times(e, a.data(), u.data(), s.data());
  CHECK(s == a.unaryExpr([](double v) { return 1 - v * v; }).cwiseProduct(u));
  for (Index e = 0; e < y.size(); ++e) k::combine(e, d, x.data(), 2 * d, -1.0, x.data() + d, 2 * d, y.data(), d);
  CHECK(y == x.topRows(d) - x.bottomRows(d));
  for (Index i = 0; i < d; ++i) k::row_sum_strided(i, 2 * d, B, x.data() + d, r.data());
  CHECK(r == x.bottomRows(d).rowwise().sum());
}

// The right inverse of dense (and of the convolutions' dense strategy and
// the patch maps): the fragment gathered and the solution scattered
// through the host's pivoted QR (cuda/src/right_inverse.cu), Qᵀ and R used in
// the LAPACK layout that cuSOLVER's ormqr and cuBLAS's trsm read; and the
// unpivoted factor of the full-rank case, whose geqrf the Householder steps
// stand in for.
TEST_CASE("kernels: dense right inverse, pivoted and unpivoted", "[kernels][dense]") {
  for (const Shape& s : shapes()) {
    const auto c = make_case<Dense>(s);
    const Dense<double>& op = c.op;
    const Index m = op.out_dim(), n = op.in_dim(), B = c.x.cols();
    INFO("dense " << m << "x" << n << " flavor " << s.flavor);
    moonwalk::cuda::HostMatrix<double> At(n, m);
    for (Index i = 0; i < m; ++i)
      for (Index j = 0; j < n; ++j) At(j, i) = op.weight()(i, j);
    const auto f = moonwalk::cuda::detail::pivoted_qr(At);
    const Index r = f.rank, kk = m - r;
    const Fragment<double> ref = op.fragment(c.x, c.delta);
    REQUIRE(ref.size() == kk * B);
    Vec<double> frag(kk * B);
    for (Index e = 0; e < frag.size(); ++e) k::gather_fragment(e, m, r, f.perm.data(), c.delta.data(), frag.data());
    CHECK(frag == ref.values);

    const Mat<double> g = op.vjp_input(op.input_residual(c.x), c.delta);
    const Mat<double> qr = Eigen::Map<const Mat<double>>(f.qr.data.data(), n, m);
    const Vec<double> tau = Eigen::Map<const Vec<double>>(f.tau.data(), static_cast<Index>(f.tau.size()));
    Mat<double> cm = Eigen::HouseholderSequence<Mat<double>, Vec<double>>(qr, tau).transpose() * g;
    if (kk > 0 && r > 0) cm.topRows(r) -= qr.block(0, r, r, kk) * Eigen::Map<const Mat<double>>(frag.data(), kk, B);
    cm.topRows(r) = qr.topLeftCorner(r, r).triangularView<Eigen::Upper>().solve(cm.topRows(r));
    Mat<double> out(m, B);
    for (Index e = 0; e < out.size(); ++e) k::scatter_solution(e, m, n, r, f.perm.data(), cm.data(), frag.data(), out.data());
    const double cnd = numerical_cond(op.weight());
    check_close(out, op.vijp(c.x, g, ref), static_cast<double>(m + n), cnd, "pivoted vijp");

    if (r == m) {
      Mat<double> a(n, m);
      Vec<double> t(m);
      for (Index e = 0; e < a.size(); ++e) k::transpose(e, m, n, op.weight().data(), a.data());
      CHECK(a == op.weight().transpose());
      k::householder_qr(a.data(), n, m, n, t.data());
      Mat<double> cu = g;
      for (Index j = 0; j < B; ++j)
        for (Index q = 0; q < m; ++q) k::apply_householder(a.data() + q + 1 + q * n, t(q), n - q, cu.data() + q + j * n);
      cu.topRows(m) = a.topLeftCorner(m, m).triangularView<Eigen::Upper>().solve(cu.topRows(m));
      Mat<double> un(m, B);
      for (Index e = 0; e < un.size(); ++e)
        k::scatter_solution(e, m, n, m, static_cast<const Index*>(nullptr), cu.data(), frag.data(), un.data());
      check_close(un, op.vijp(c.x, g, ref), static_cast<double>(m + n), cnd, "unpivoted vijp");
    }
  }
}
