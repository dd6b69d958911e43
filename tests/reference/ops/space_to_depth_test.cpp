#include "moonwalk/reference/ops/space_to_depth.hpp"

#include <catch2/catch.hpp>

using namespace moonwalk::reference;

TEST_CASE("space_to_depth: each output channel is one offset of every block", "[space_to_depth]") {
  // One channel, 4 × 4, block 2: the four outputs channels are the (a, d)
  // offsets (0,0), (0,1), (1,0), (1,1) of the 2 × 2 blocks, row-major.
  const SpaceToDepth<double> op(1, 4, 4, 2);
  Mat<double> x(16, 1);
  for (Index i = 0; i < 16; ++i) x(i) = static_cast<double>(i);  // x[r, q] = 4r + q
  Mat<double> want(16, 1);
  want << 0, 2, 8, 10,  // (0,0)
      1, 3, 9, 11,      // (0,1)
      4, 6, 12, 14,     // (1,0)
      5, 7, 13, 15;     // (1,1)
  CHECK(op.forward(x) == want);
  CHECK(op.inverse(op.forward(x)) == x);
}

TEST_CASE("space_to_depth: vijp and vjp are each other's inverse exactly", "[space_to_depth][vijp]") {
  const SpaceToDepth<double> op(3, 6, 4, 2);
  const Mat<double> x = Mat<double>::Random(op.in_dim(), 2), delta = Mat<double>::Random(op.out_dim(), 2);
  const Mat<double> g = op.vjp_input(op.input_residual(x), delta);
  CHECK(op.vijp(x, g, op.fragment(x, delta)) == delta);  // a permutation: no rounding at all
  CHECK(op.fragment_size(x) == 0);
  const Mat<double> J = op.jacobian(Vec<double>(x.col(0)));
  CHECK(J * J.transpose() == Mat<double>::Identity(op.out_dim(), op.out_dim()));
}

TEST_CASE("space_to_depth: refuses sizes that are not whole blocks", "[space_to_depth]") {
  CHECK_THROWS_WITH(SpaceToDepth<double>(1, 5, 4, 2),
                    Catch::Contains("space_to_depth: height and width must be multiples of the block"));
  CHECK_THROWS_WITH(SpaceToDepth<double>(1, 4, 4, 2).forward(Mat<double>::Ones(15, 1)),
                    Catch::Contains("space_to_depth: input has 15 rows, expected 16"));
}
