#include "moonwalk/reference/ops/additive_coupling.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk::reference;

namespace {
CouplingNet<double> net(Index d, Index k, double w) {
  return CouplingNet<double>(Dense<double>(Mat<double>::Constant(k, d, w), Vec<double>::Zero(k)),
                             Dense<double>(Mat<double>::Constant(d, k, w), Vec<double>::Zero(d)));
}
}  // namespace

TEST_CASE("additive_coupling: bad shapes and weights are refused", "[additive_coupling][errors]") {
  CHECK_THROWS_WITH(AdditiveCoupling<double>(net(2, 3, 0.5), net(3, 3, 0.5)),
                    Catch::Contains("additive_coupling: F and G must act on halves of equal size"));
  CHECK_THROWS_WITH(net(2, 3, std::numeric_limits<double>::quiet_NaN()), Catch::Contains("dense: weight holds a non-finite"));
  const AdditiveCoupling<double> op(net(2, 3, 0.5), net(2, 3, -0.25));
  CHECK_THROWS_WITH(op.forward(Mat<double>::Ones(3, 1)), Catch::Contains("additive_coupling: input has 3 rows, expected 4"));
}

TEST_CASE("additive_coupling: the residual is the layer input", "[additive_coupling][residual]") {
  const AdditiveCoupling<double> op(net(2, 3, 0.5), net(2, 3, -0.25));
  const Residual<double> r = op.input_residual(Mat<double>::Ones(4, 5));
  CHECK(r.bytes() == 4 * 5 * sizeof(double));
}
