#include "moonwalk/reference/ops/dense.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;

namespace {
Dense<double> wide() {
  Mat<double> A(2, 3);
  A << 1, 2, 0, 0, 1, -1;
  return Dense<double>(A, Vec<double>::Zero(2));
}
}  // namespace

TEST_CASE("dense: bad input is refused with a message naming the operator", "[dense][errors]") {
  Mat<double> A(2, 3);
  A << 1, 2, 0, 0, 1, -1;
  CHECK_THROWS_WITH(Dense<double>(A, Vec<double>::Zero(3)), Catch::Contains("dense: bias has 3 rows, expected 2"));
  A(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(Dense<double>(A, Vec<double>::Zero(2)), Catch::Contains("dense: weight holds a non-finite"));
  A(1, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(Dense<double>(A, Vec<double>::Zero(2)), Catch::Contains("non-finite"));

  const Dense<double> d = wide();
  CHECK_THROWS_WITH(d.forward(Mat<double>::Ones(2, 1)), Catch::Contains("dense: input has 2 rows, expected 3"));
  Mat<double> x = Mat<double>::Ones(3, 2);
  x(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(d.forward(x), Catch::Contains("dense: input holds a non-finite value"));
  CHECK_THROWS_WITH(d.vjp_input(d.input_residual(Mat<double>::Ones(3, 2)), Mat<double>::Ones(2, 1)),
                    Catch::Contains("batch size"));
  CHECK_THROWS_WITH(d.jvp(Mat<double>::Ones(3, 1), Mat<double>::Ones(3, 1), Vec<double>::Ones(4)),
                    Catch::Contains("parameter direction has 4 entries, expected 8"));
}

TEST_CASE("dense: a tall layer (m > n) refuses a vijp without its fragment", "[dense][vijp][errors]") {
  Mat<double> A(3, 2);
  A << 1, 0, 0, 1, 1, 1;
  const Dense<double> d(A, Vec<double>::Zero(3));
  const Mat<double> x = Mat<double>::Ones(2, 1);
  CHECK(d.fragment_size(x) == 1);
  CHECK_THROWS_WITH(d.vijp(x, Mat<double>::Ones(2, 1), Fragment<double>{}),
                    Catch::Contains("dense: vijp at a non-submersive point needs its fragment (1 scalars"));
  // With the fragment the cotangent comes back exactly (small integers).
  Mat<double> delta(3, 1);
  delta << 1, -2, 3;
  const Mat<double> h = d.vijp(x, d.vjp_input(d.input_residual(x), delta), d.fragment(x, delta));
  CHECK((h - delta).norm() <= 16 * std::numeric_limits<double>::epsilon() * delta.norm());
}

TEST_CASE("dense: the factorization is shared by the batch and renewed with the parameters", "[dense][vijp]") {
  Dense<double> d = wide();
  const Mat<double> x = Mat<double>::Ones(3, 4);
  Mat<double> delta(2, 4);
  delta << 1, 2, 3, 4, -1, 0, 1, 2;
  const auto vijp_of = [&](const Dense<double>& layer) {
    return layer.vijp(x, layer.vjp_input(layer.input_residual(x), delta), Fragment<double>{});
  };
  CHECK((vijp_of(d) - delta).norm() <= 64 * std::numeric_limits<double>::epsilon() * delta.norm());
  Vec<double> p = d.params();
  p(0) = 3;  // A(0,0) changes: a stale factorization would give a wrong answer
  d.set_params(p);
  CHECK((vijp_of(d) - delta).norm() <= 64 * std::numeric_limits<double>::epsilon() * delta.norm());
}
