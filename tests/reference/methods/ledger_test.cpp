// The ledger against each method's formula (docs/spec.md), computed here from
// the network's own shapes and residual sizes, and the refusals.
#include "moonwalk/verify/methods.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <catch2/catch.hpp>

using namespace moonwalk;
using namespace moonwalk::verify;
using namespace moonwalk::reference;

namespace {

const char* kNet = R"({"seed": 3, "batch": 3, "loss": {"type": "softmax_cross_entropy"}, "layers": [
  {"op": "dense", "in": 6, "out": 6}, {"op": "relu", "dim": 6}, {"op": "dense", "in": 6, "out": 5},
  {"op": "leaky_relu", "dim": 5, "alpha": 0.25}, {"op": "dense", "in": 5, "out": 4}]})";

std::vector<Mat<double>> layer_inputs(const Problem& p) {
  std::vector<Mat<double>> xs{p.x0};
  for (std::size_t i = 0; i + 1 < p.net.depth(); ++i) xs.push_back(p.net.forward(i, xs.back()));
  return xs;
}

}  // namespace

TEST_CASE("methods: ledger peaks follow each method's formula", "[methods][ledger]") {
  const Problem p = problem_from_json(nlohmann::json::parse(kNet));
  const auto xs = layer_inputs(p);
  const std::size_t L = p.net.depth();

  std::size_t inputs = 0, minimal = 0;
  std::vector<std::size_t> residual_bytes(L), fragment_bytes(L);
  for (std::size_t i = 0; i < L; ++i) {
    inputs += matrix_bytes(xs[i]);
    residual_bytes[i] = methods::residual(p.net, i, xs[i]).bytes();
    minimal += residual_bytes[i] + (p.net.param_count(i) ? matrix_bytes(xs[i]) : 0);
  }
  CHECK(run_method(Method::backprop, p.net, p.x0).ledger.peak_stored() == inputs);
  CHECK(run_method(Method::backprop_minimal, p.net, p.x0).ledger.peak_stored() == minimal);

  // moonwalk_mixed: at step i of Phase II the fragment of h_i is taken while
  // layer i's residual is still needed by its vjp, so residuals of layers ≤ i
  // and fragments of layers ≥ i are held together; before Phase II, every
  // residual. The peak is the largest such sum.
  Mat<double> h = p.net.loss_gradient(p.net.forward(L - 1, xs[L - 1]));
  for (std::size_t i = L; i-- > 0;) {
    fragment_bytes[i] = static_cast<std::size_t>(methods::fragment_size(p.net, i, xs[i])) * sizeof(double);
    h = methods::vjp_input(p.net, i, methods::residual(p.net, i, xs[i]), h);
  }
  std::size_t peak = 0;
  for (std::size_t j = 0; j < L; ++j) peak += residual_bytes[j];
  for (std::size_t i = 0; i < L; ++i) {
    std::size_t held = 0;
    for (std::size_t j = 0; j < L; ++j) held += (j <= i ? residual_bytes[j] : 0) + (j >= i ? fragment_bytes[j] : 0);
    peak = std::max(peak, held);
  }
  const auto mixed = run_method(Method::moonwalk_mixed, p.net, p.x0);
  CHECK(mixed.ledger.peak_stored() == peak);
  CHECK(mixed.ledger.peak(Category::fragments) > 0);  // the relu has inactive units here
  CHECK(mixed.ledger.current(Category::fragments) == 0);
  CHECK(mixed.ledger.peak_stored() < inputs);
}

TEST_CASE("methods: refusals name the layer", "[methods][errors]") {
  const Problem p = problem_from_json(nlohmann::json::parse(kNet));
  CHECK_THROWS_WITH(run_method(Method::reversible, p.net, p.x0),
                    Catch::Contains("reversible: layer 0 (dense) is not bijective"));
  CHECK_THROWS_WITH(run_method(Method::moonwalk_forward, p.net, p.x0),
                    Catch::Contains("moonwalk_forward: layer 1 (relu) is not submersive"));
  CHECK_THROWS_WITH(methods::moonwalk_mixed(p.net, p.x0, methods::MixedOptions{0, false, {}}),
                    Catch::Contains("moonwalk_mixed: layer 1 (relu) is not submersive"));
  CHECK_THROWS_WITH(problem_from_json(nlohmann::json::parse(R"({"layers": [{"op": "conv9d"}], "loss": {"type": "mse"}})")),
                    Catch::Contains("layers[0].op: \"conv9d\" is not an operator"));
  CHECK_THROWS_WITH(problem_from_json(nlohmann::json::parse(
                        R"({"layers": [{"op": "dense", "in": 3, "out": 2}, {"op": "relu", "dim": 3}], "loss": {"type": "mse"}})")),
                    Catch::Contains("layers[1]: relu takes 3 inputs but layer 0 gives 2"));
}

TEST_CASE("methods: depth anchors replace fragments and are all released", "[methods][anchors]") {
  const Problem p = problem_from_json(nlohmann::json::parse(kNet));
  const auto g = methods::moonwalk_mixed(p.net, p.x0, methods::MixedOptions{2, true, {}});
  CHECK(g.ledger.peak(Category::checkpoints) > 0);
  CHECK(g.ledger.current(Category::checkpoints) == 0);
  // Against 50-digit backprop, within the agreement bound (agreement_test.cpp).
  const Vec<mp50> ref = flatten(methods::backprop(p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>())));
  double n = 0;
  for (std::size_t i = 0; i < p.net.depth(); ++i) n += static_cast<double>(p.net.in_dim(i) + p.net.out_dim(i));
  const double allowed = verify::bound<double>(n, 1.0, amplification(p));
  CHECK(to_double(mp50((flatten(g) - ref).norm() / ref.norm())) <= allowed);
}

TEST_CASE("anchor_plan: anchors where the predicted error would pass the target", "[methods][anchors]") {
  // e_0 = u‖h_0‖ = 0.1; layer 0: 2·(0.1 + 0.1) + 0.1 = 0.5, not past 0.5;
  // layer 1: 2·(0.5 + 0.1) + 0.1 = 1.3, past it: anchored, e = 0.1; layer 2
  // as layer 0. A zero gain never needs an anchor; a target below one
  // rounding (u = 0.1 here) needs one at every layer.
  CHECK(methods::anchor_plan({2, 2, 2}, {1, 1, 1, 1}, 0.1, 0.5) == std::vector<bool>{false, true, false});
  CHECK(methods::anchor_plan({0, 0}, {1, 1, 1}, 0.1, 0.2) == std::vector<bool>{false, false});
  CHECK(methods::anchor_plan({0, 0}, {1, 1, 1}, 0.1, 0.05) == std::vector<bool>{true, true});
  // Norms enter relatively: layer 0 brings 1·(0.01 + 0.01) + 0.01·‖h_1‖,
  // within 0.5·‖h_1‖ for ‖h_1‖ = 1, past it for ‖h_1‖ = 0.01 (0.0201 >
  // 0.005); after that anchor, layer 1 adds 0.0003 ≤ 0.005.
  CHECK(methods::anchor_plan({1, 1}, {1, 1, 1}, 0.01, 0.5) == std::vector<bool>{false, false});
  CHECK(methods::anchor_plan({1, 1}, {1, 0.01, 0.01}, 0.01, 0.5) == std::vector<bool>{true, false});
}

TEST_CASE("moonwalk_mixed: anchors by error budget, none to every layer", "[methods][anchors]") {
  const Problem p = problem_from_json(nlohmann::json::parse(kNet));
  const std::size_t L = p.net.depth();
  // A target below one rounding anchors every layer: each h_i is then Phase
  // II's, which is backprop's, and every gradient is backprop's to the bit.
  methods::MixedOptions all;
  all.anchor_error = eps<double>() / 4;
  const auto g = methods::moonwalk_mixed(p.net, p.x0, all);
  CHECK(g.anchors.size() == L);
  CHECK(g.ledger.peak(Category::fragments) == 0);
  CHECK(g.ledger.current(Category::checkpoints) == 0);
  CHECK((flatten(g) - flatten(methods::backprop(p.net, p.x0))).norm() == 0);
  // A target this shallow, well conditioned network meets without any anchor:
  // the result is plain moonwalk_mixed's.
  methods::MixedOptions loose;
  loose.anchor_error = 0.5;
  const auto h = methods::moonwalk_mixed(p.net, p.x0, loose);
  CHECK(h.anchors.empty());
  CHECK((flatten(h) - flatten(methods::moonwalk_mixed(p.net, p.x0))).norm() == 0);
  methods::MixedOptions both = loose;
  both.anchor_every = 2;
  CHECK_THROWS_WITH(methods::moonwalk_mixed(p.net, p.x0, both), Catch::Contains("excludes anchor_every"));
}
