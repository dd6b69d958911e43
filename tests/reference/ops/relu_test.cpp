#include "moonwalk/reference/ops/relu.hpp"

#include <catch2/catch.hpp>

using namespace moonwalk::reference;

TEST_CASE("relu: the fragment is the cotangent at the inactive units", "[relu][fragment]") {
  const Relu<double> op(4);
  Mat<double> x(4, 2), delta(4, 2);
  x << 1, -1, -2, 2, 3, -3, -4, 4;
  delta << 10, 11, 12, 13, 14, 15, 16, 17;
  const Fragment<double> f = op.fragment(x, delta);
  REQUIRE(f.size() == 4);
  // Column-major over the inactive units: (1,0), (3,0), (0,1), (2,1).
  CHECK(f.values(0) == 12);
  CHECK(f.values(1) == 16);
  CHECK(f.values(2) == 11);
  CHECK(f.values(3) == 15);
  CHECK(op.vijp(x, op.vjp_input(op.input_residual(x), delta), f) == delta);
}

TEST_CASE("relu: a vijp at inactive units without the fragment is refused", "[relu][vijp][errors]") {
  const Relu<double> op(3);
  Mat<double> x(3, 1);
  x << 1, -1, 2;
  CHECK_THROWS_WITH(op.vijp(x, Mat<double>::Ones(3, 1), Fragment<double>{}),
                    Catch::Contains("relu: vijp at a non-submersive point needs its fragment (1 scalars"));
  Fragment<double> wrong;
  wrong.values = Vec<double>::Ones(2);
  CHECK_THROWS_WITH(op.vijp(x, Mat<double>::Ones(3, 1), wrong), Catch::Contains("relu: fragment has 2 scalars, expected 1"));
  x(1) = 3;
  CHECK_NOTHROW(op.vijp(x, Mat<double>::Ones(3, 1), Fragment<double>{}));
}
