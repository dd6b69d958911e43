#include "moonwalk/reference/ops/leaky_relu.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;

TEST_CASE("leaky_relu: a slope of zero or below is refused", "[leaky_relu][errors]") {
  CHECK_THROWS_WITH(LeakyRelu<double>(4, 0.0), Catch::Contains("leaky_relu: slope must be > 0, got 0"));
  CHECK_THROWS_WITH(LeakyRelu<double>(4, -0.5), Catch::Contains("leaky_relu: slope must be > 0"));
  CHECK_THROWS_WITH(LeakyRelu<double>(4, std::numeric_limits<double>::quiet_NaN()),
                    Catch::Contains("leaky_relu: slope must be finite"));
  const LeakyRelu<double> op(3, 0.25);
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(4, 1)), Catch::Contains("leaky_relu: input has 4 rows, expected 3"));
  CHECK_THROWS_WITH(op.vijp(Mat<double>::Ones(3, 1), Mat<double>::Ones(3, 2), Fragment<double>{}),
                    Catch::Contains("leaky_relu: input cotangent and input differ in batch size"));
}

TEST_CASE("leaky_relu: the residual is one bit per unit", "[leaky_relu][residual]") {
  const LeakyRelu<float> op(100, 0.5f);
  const Residual<float> r = op.input_residual(Mat<float>::Ones(100, 3));
  CHECK(r.bits() == 300);
  CHECK(r.bytes() == 40);  // 300 bits in five 64-bit words
  CHECK(r.values.size() == 0);
}
