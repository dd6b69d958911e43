#include "moonwalk/reference/ops/patch_downsample2d.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;
using moonwalk::tolerance::numerical_cond;
using moonwalk::tolerance::terms;
using moonwalk::verify::bound;

namespace {
// C_in = 2, H = 2, W = 4, p = 2 (two patches side by side), C_out = 2.
PatchDownsample2d<double> small() {
  Mat<double> M(2, 8);
  M << 1, 2, 3, 4, 0, 0, 0, 1,  //
      0, 1, 0, 0, 2, 0, 0, -1;
  Vec<double> b(2);
  b << 1, -1;
  return PatchDownsample2d<double>(2, 2, 4, 2, M, b);
}

}  // namespace

TEST_CASE("patch_downsample2d: each output position reads its own k × k patch", "[patch_downsample2d]") {
  const auto op = small();
  Mat<double> x(16, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16;  // channel 0: rows (1..4), (5..8); channel 1: 9..16
  // patch 0: (1, 2, 5, 6 | 9, 10, 13, 14); patch 1: (3, 4, 7, 8 | 11, 12, 15, 16).
  Mat<double> y(4, 1);
  y << 1 + 1 + 4 + 15 + 24 + 14, 1 + 3 + 8 + 21 + 32 + 16, -1 + 2 + 18 - 14, -1 + 4 + 22 - 16;
  CHECK(op.forward(x) == y);
  CHECK(op.jacobian(x.col(0)) * x + (Mat<double>(4, 1) << 1, 1, -1, -1).finished() == y);
}

TEST_CASE("patch_downsample2d: vjp is the transpose of the Jacobian", "[patch_downsample2d][vjp]") {
  const auto op = small();
  const Mat<double> x = Mat<double>::Random(16, 2), delta = Mat<double>::Random(4, 2);
  const Mat<double> J = op.jacobian(x.col(0));
  CHECK((op.vjp_input(op.input_residual(x), delta) - J.transpose() * delta).norm() <=
        bound<double>(terms(op), J.norm() * delta.norm()));
}

TEST_CASE("patch_downsample2d: vijp inverts the vjp patch by patch", "[patch_downsample2d][vijp]") {
  const auto op = small();
  const Mat<double> x = Mat<double>::Random(16, 3), delta = Mat<double>::Random(4, 3);
  CHECK(op.fragment_size(x) == 0);
  const Mat<double> h = op.vijp(x, op.vjp_input(op.input_residual(x), delta), {});
  Eigen::JacobiSVD<Mat<double>> svd(op.patch_map().weight());
  const double cond = svd.singularValues()(0) / svd.singularValues()(1);
  CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), cond));
}

TEST_CASE("patch_downsample2d: a rank-deficient patch map keeps a fragment per patch",
          "[patch_downsample2d][fragment]") {
  Mat<double> M(2, 4);
  M << 1, 2, 0, -1, 1, 2, 0, -1;
  const PatchDownsample2d<double> op(1, 4, 2, 2, M, Vec<double>::Zero(2));  // 2 × 1 patches
  const Mat<double> x = Mat<double>::Random(8, 2), delta = Mat<double>::Random(4, 2);
  CHECK(op.fragment_size(x) == 2 * 2);
  CHECK(op.fragment(op.input_residual(x), delta).values == op.fragment(x, delta).values);
  const Mat<double> h = op.vijp(x, op.vjp_input(op.input_residual(x), delta), op.fragment(x, delta));
  CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), 1));
  CHECK_THROWS_WITH(op.vijp(x, x, {}), Catch::StartsWith("patch_downsample2d: vijp at a non-submersive point"));
}

TEST_CASE("patch_downsample2d: bad input is refused with a message naming the operator",
          "[patch_downsample2d][errors]") {
  CHECK_THROWS_WITH(PatchDownsample2d<double>(2, 3, 4, 2, Mat<double>::Ones(2, 8), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample2d: height and width must be multiples"));
  CHECK_THROWS_WITH(PatchDownsample2d<double>(2, 4, 5, 2, Mat<double>::Ones(2, 8), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample2d: height and width must be multiples"));
  CHECK_THROWS_WITH(PatchDownsample2d<double>(1, 2, 2, 2, Mat<double>::Ones(5, 4), Vec<double>::Zero(5)),
                    Catch::StartsWith("patch_downsample2d: C_out > C_in·k²"));
  CHECK_THROWS_WITH(PatchDownsample2d<double>(2, 2, 4, 2, Mat<double>::Ones(2, 4), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample2d: weight must have C_in·k² columns"));
  CHECK_THROWS_WITH(PatchDownsample2d<double>(2, 2, 4, 2, Mat<double>::Ones(2, 8), Vec<double>::Zero(3)),
                    Catch::StartsWith("patch_downsample2d: bias has 3 rows, expected 2"));
  CHECK_THROWS_WITH(PatchDownsample2d<double>(0, 2, 4, 2, Mat<double>::Ones(2, 8), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample2d: channels, height, width and patch must be positive"));
  Mat<double> M = Mat<double>::Ones(2, 8);
  M(1, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(PatchDownsample2d<double>(2, 2, 4, 2, M, Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample2d: weight holds a non-finite"));
  auto op = small();
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(15, 1)), Catch::StartsWith("patch_downsample2d: input has 15 rows"));
  CHECK_THROWS_WITH(op.vjp_input(op.input_residual(Mat<double>::Ones(16, 1)), Mat<double>::Ones(3, 1)),
                    Catch::StartsWith("patch_downsample2d: output cotangent has 3 rows, expected 4"));
  CHECK_THROWS_WITH(op.set_params(Vec<double>::Ones(3)), Catch::StartsWith("patch_downsample2d: parameters has 3"));
  Vec<double> p = op.params();
  p(0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(op.set_params(p), Catch::StartsWith("patch_downsample2d: parameters holds a non-finite"));
}
