#include "moonwalk/reference/ops/patch_downsample1d.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;
using moonwalk::tolerance::numerical_cond;
using moonwalk::tolerance::terms;
using moonwalk::verify::bound;

namespace {
// C_in = 2, W = 6, k = 3 (two patches), C_out = 2.
PatchDownsample1d<double> small() {
  Mat<double> M(2, 6);
  M << 1, 0, 2, 0, 1, -1, 0, 1, 0, 3, 0, 1;
  Vec<double> b(2);
  b << 1, -1;
  return PatchDownsample1d<double>(2, 6, 3, M, b);
}
}  // namespace

TEST_CASE("patch_downsample1d: each output position reads its own patch", "[patch_downsample1d]") {
  const auto op = small();
  Mat<double> x(12, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;  // channel 0: 1..6, channel 1: 7..12
  // patch 0: (1, 2, 3 | 7, 8, 9); patch 1: (4, 5, 6 | 10, 11, 12).
  Mat<double> y(4, 1);
  y << 1 + 1 + 6 + 8 - 9, 1 + 4 + 12 + 11 - 12, -1 + 2 + 21 + 9, -1 + 5 + 30 + 12;
  CHECK(op.forward(x) == y);
  CHECK(op.jacobian(x.col(0)) * x + (Mat<double>(4, 1) << 1, 1, -1, -1).finished() == y);
}

TEST_CASE("patch_downsample1d: vijp inverts the vjp patch by patch", "[patch_downsample1d][vijp]") {
  const auto op = small();
  const Mat<double> x = Mat<double>::Random(12, 3), delta = Mat<double>::Random(4, 3);
  CHECK(op.fragment_size(x) == 0);
  const Mat<double> h = op.vijp(x, op.vjp_input(op.input_residual(x), delta), {});
  CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), numerical_cond(op.patch_map().weight())));
}

TEST_CASE("patch_downsample1d: a rank-deficient patch map keeps a fragment per patch", "[patch_downsample1d]") {
  Mat<double> M(2, 2);
  M << 1, 2, 1, 2;
  const PatchDownsample1d<double> op(1, 4, 2, M, Vec<double>::Zero(2));
  const Mat<double> x = Mat<double>::Random(4, 2), delta = Mat<double>::Random(4, 2);
  CHECK(op.fragment_size(x) == 2 * 2);
  const Mat<double> h = op.vijp(x, op.vjp_input(op.input_residual(x), delta), op.fragment(x, delta));
  CHECK((h - delta).norm() <= bound<double>(terms(op), delta.norm(), numerical_cond(M)));
  CHECK_THROWS_WITH(op.vijp(x, x, {}), Catch::StartsWith("patch_downsample1d: vijp at a non-submersive point"));
}

TEST_CASE("patch_downsample1d: bad input is refused with a message naming the operator",
          "[patch_downsample1d][errors]") {
  CHECK_THROWS_WITH(PatchDownsample1d<double>(2, 5, 3, Mat<double>::Ones(2, 6), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample1d: width must be a multiple"));
  CHECK_THROWS_WITH(PatchDownsample1d<double>(1, 4, 2, Mat<double>::Ones(3, 2), Vec<double>::Zero(3)),
                    Catch::StartsWith("patch_downsample1d: C_out > C_in·k"));
  CHECK_THROWS_WITH(PatchDownsample1d<double>(2, 6, 3, Mat<double>::Ones(2, 5), Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample1d: weight must have C_in·k columns"));
  CHECK_THROWS_WITH(PatchDownsample1d<double>(2, 6, 3, Mat<double>::Ones(2, 6), Vec<double>::Zero(3)),
                    Catch::StartsWith("patch_downsample1d: bias has 3 rows, expected 2"));
  Mat<double> M = Mat<double>::Ones(2, 6);
  M(1, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(PatchDownsample1d<double>(2, 6, 3, M, Vec<double>::Zero(2)),
                    Catch::StartsWith("patch_downsample1d: weight holds a non-finite"));
  auto op = small();
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(11, 1)), Catch::StartsWith("patch_downsample1d: input has 11 rows"));
  CHECK_THROWS_WITH(op.set_params(Vec<double>::Ones(3)), Catch::StartsWith("patch_downsample1d: parameters has 3"));
}
