#include "moonwalk/reference/ops/global_avg_pool.hpp"

#include <catch2/catch.hpp>

using namespace moonwalk::reference;

TEST_CASE("global_avg_pool: the vijp sums the positions of each channel", "[global_avg_pool][vijp]") {
  const GlobalAvgPool<double> op(2, 3);
  Mat<double> g(6, 1);
  g << 1, 2, 3, 4, 5, 6;
  const Mat<double> h = op.vijp(Mat<double>::Zero(6, 1), g, Fragment<double>{});
  CHECK(h(0) == 6);
  CHECK(h(1) == 15);
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(5, 1)), Catch::Contains("global_avg_pool: input has 5 rows, expected 6"));
  CHECK_THROWS_WITH(GlobalAvgPool<double>(0, 3), Catch::Contains("global_avg_pool: channels and positions must be positive"));
}
