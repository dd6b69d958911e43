// A NaN or Inf produced inside a gradient method is an error naming the
// method, the phase and the layer (methods/common.hpp, Phase), never a
// gradient handed back. Each network below has finite weights and inputs;
// its values overflow double in one phase only.
#include "moonwalk/verify/methods.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace moonwalk;
using namespace moonwalk::verify;
using namespace moonwalk::reference;

namespace {

Layer<double> diagonal(double d) { return Dense<double>(Mat<double>::Identity(2, 2) * d, Vec<double>::Zero(2)); }

Network<double> dense_net(double d0, double d1, const Mat<double>& target) {
  return Network<double>({diagonal(d0), diagonal(d1)}, Mse<double>(target));
}

// The error a method raised, or "" when it returned a gradient.
std::string error_of(Method m, const Network<double>& net, const Mat<double>& x0, const MethodOptions& o = {}) {
  try {
    const Gradients<double> g = run_method(m, net, x0, o);
    INFO(method_name(m) << " returned a gradient with estimate " << g.estimate);
    return "";
  } catch (const NonFiniteError& e) {
    return e.what();
  }
}

void check_names(const std::string& what, Method m, const std::string& phase, const std::string& layer) {
  INFO(what);
  CHECK(what.rfind(method_name(m) + ", " + phase + ", " + layer, 0) == 0);
  CHECK(what.find("non-finite") != std::string::npos);
}

}  // namespace

TEST_CASE("methods: an overflow in the forward sweep names the method, its phase and the layer",
          "[methods][non_finite]") {
  // x_1 = 1e200, x_2 = 1e400: the second layer's output overflows.
  const Network<double> net = dense_net(1e200, 1e200, Mat<double>::Zero(2, 3));
  const Mat<double> x0 = Mat<double>::Ones(2, 3);
  const std::map<Method, std::string> phase = {
      {Method::backprop, "forward sweep"},        {Method::backprop_minimal, "forward sweep"},
      {Method::checkpointed, "forward sweep"},    {Method::naive_forward, "forward sweep"},
      {Method::moonwalk_forward, "forward sweep"}, {Method::moonwalk_mixed, "Phase I (forward)"}};
  for (const auto& [m, p] : phase) check_names(error_of(m, net, x0), m, p, "layer 1 (dense)");
}

TEST_CASE("methods: an overflow in the reverse or tangent sweeps names the method, its phase and the layer",
          "[methods][non_finite]") {
  // Forward values stay finite (x_0 = 1e-300, x_1 = 1e-100, x_2 = 1e100), as
  // does ∂ℓ/∂x_2 = x_2; the cotangent reaches 1e300 at x_1 and overflows at
  // x_0, and a tangent through both layers reaches 1e400.
  const Network<double> net = dense_net(1e200, 1e200, Mat<double>::Zero(2, 3));
  const Mat<double> x0 = Mat<double>::Constant(2, 3, 1e-300);
  const std::map<Method, std::pair<std::string, std::string>> where = {
      {Method::backprop, {"reverse sweep", "layer 0 (dense)"}},
      {Method::backprop_minimal, {"reverse sweep", "layer 0 (dense)"}},
      {Method::checkpointed, {"reverse sweep", "layer 0 (dense)"}},
      {Method::moonwalk_mixed, {"Phase II (reverse)", "layer 0 (dense)"}},
      {Method::naive_forward, {"tangent sweeps", "layer 1 (dense)"}},
      {Method::moonwalk_forward, {"tangent sweeps", "layer 1 (dense)"}}};
  for (const auto& [m, w] : where) check_names(error_of(m, net, x0), m, w.first, w.second);
}

TEST_CASE("methods: an overflow in the inverse-forward sweep names the method, its phase and the layer",
          "[methods][non_finite]") {
  // ∂ℓ/∂x_2 = (x_2 − 1e10)/3 ≈ −3.3e9, h_1 = 1e-10 · that. The verification
  // hook scales the rebuilt h_1 by 1 + 1e300 (still finite); the next vijp
  // divides by 1e-10 and overflows.
  const Network<double> net = dense_net(0.5, 1e-10, Mat<double>::Constant(2, 3, 1e10));
  const Mat<double> x0 = Mat<double>::Ones(2, 3);
  REQUIRE(error_of(Method::moonwalk_mixed, net, x0).empty());
  MethodOptions o;
  o.faults.kind = reference::methods::Faults::Kind::vijp_bias;
  o.faults.layer = 0;
  o.faults.size = 1e300;
  check_names(error_of(Method::moonwalk_mixed, net, x0, o), Method::moonwalk_mixed, "Phase III (inverse-forward)",
              "layer 1 (dense)");
}

TEST_CASE("methods: an overflow in reversible's sweeps names the method, its phase and the layer",
          "[methods][non_finite]") {
  // Inner nets z ↦ A₂ tanh(A₁ z) with every weight w: F(x) = 2·w per entry, inf at w = 1e308.
  auto inner = [](double w) {
    return CouplingNet<double>(Dense<double>(Mat<double>::Constant(2, 2, w), Vec<double>::Zero(2)),
                               Dense<double>(Mat<double>::Constant(2, 2, w), Vec<double>::Zero(2)));
  };
  const Network<double> net({AdditiveCoupling<double>(inner(1e308), inner(1e308))}, Mse<double>(Mat<double>::Zero(4, 2)));
  const std::string what = error_of(Method::reversible, net, Mat<double>::Ones(4, 2));
  check_names(what, Method::reversible, "forward sweep", "layer 0 (additive_coupling)");
}
