#include "moonwalk/reference/ops/tanh.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;

TEST_CASE("tanh: a saturated unit makes the vijp refuse rather than divide by zero", "[tanh][vijp][errors]") {
  const Tanh<float> op(2);
  Mat<float> x(2, 1);
  x << 0.5f, 20.0f;  // tanh(20) rounds to 1 in float, but 1/cosh² is still representable
  CHECK_NOTHROW(op.vijp(x, Mat<float>::Ones(2, 1), Fragment<float>{}));
  x(1) = 100.0f;  // cosh(100) overflows float
  CHECK_THROWS_WITH(op.vijp(x, Mat<float>::Ones(2, 1), Fragment<float>{}),
                    Catch::Contains("tanh: derivative 1/cosh(x)^2 underflows to 0 at x = 100 in float"));
  CHECK_THROWS_WITH(op.inverse(Mat<float>::Ones(2, 1)), Catch::Contains("tanh: inverse needs |y| < 1"));
  x(1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(op.forward(x), Catch::Contains("tanh: input holds a non-finite value"));
}
