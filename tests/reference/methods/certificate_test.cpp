// The residual certificate must catch what it claims to. On random networks
// of every class, a fault injected at one layer of moonwalk_mixed's
// inverse-forward sweep (a biased vijp, a wrong fragment, a perturbed anchor)
// of relative size √u:
//   - is never reported at a layer before the one it was injected at;
//   - never leaves a result that looks right: when it moves the gradients by
//     more than kEstimateFactor × the faulty run's own estimate, a
//     certificate reports it (a residual the vijp left is measured and
//     carried into the estimate, so a fault the certificate lets through
//     must show in the estimate instead);
//   - when it moves the gradients by more than kEstimateFactor² × the clean
//     run's estimate (clear of the model's factor twice: in the certificate
//     and in the estimate), a biased vijp or anchor is reported at its own
//     layer in most cases (its residual sees the part of the fault in the
//     range of J_iᵀ; with the blocked strategy, whose seeds leave some rows
//     of J_iᵀ h = g unenforced, part of it is taken for that strategy's own
//     residual and shows in the estimate).
// The clean run itself raises nothing.
#include "moonwalk/reference/tolerance_rules.hpp"
#include "moonwalk/verify/networks.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace moonwalk;
using namespace moonwalk::verify;
using namespace moonwalk::reference;
using methods::Faults;

namespace {

template <class S> double distance(const Gradients<S>& a, const Gradients<S>& b) {
  const Vec<mp50> va = flatten(a), vb = flatten(b);
  return to_double(tolerance::relative_error<mp50>((va - vb).norm(), vb.norm()));
}

// "layer 3 (relu): ..." → 3; "loss: ..." → depth.
std::size_t reported_layer(const std::string& exceeded, std::size_t depth) {
  if (exceeded.rfind("layer ", 0) != 0) return depth;
  return static_cast<std::size_t>(std::stoul(exceeded.substr(6)));
}

struct Tally {
  int injected = 0, significant = 0, at_layer = 0;
};

template <class S> void inject(Faults::Kind kind, Tally& t) {
  const double size = std::sqrt(to_double(eps<S>()) / 2);
  std::mt19937_64 g(kind == Faults::Kind::anchor ? 11 : 7);
  for (NetClass cls : all_net_classes()) {
    for (int k = 0; k < 6; ++k) {
      const Problem p = make_network(cls, random_net_shape(g));
      const Network<S> net = p.net.cast<S>();
      const Mat<S> x0 = p.x0.template cast<S>();
      const std::size_t every = kind == Faults::Kind::anchor ? 2 : 0;
      const Gradients<S> clean = methods::moonwalk_mixed(net, x0, {every, true, {}});
      INFO(net_class_name(cls) << " case " << k << ": clean run " << clean.exceeded);
      REQUIRE(clean.exceeded.empty());
      for (std::size_t i = 0; i < net.depth(); ++i) {
        const bool anchored = every && (i + 1) % every == 0;
        if ((kind == Faults::Kind::anchor) != anchored) continue;
        if (kind == Faults::Kind::fragment && methods::fragment_size(net, i, [&] {
              Mat<S> x = x0;
              for (std::size_t j = 0; j < i; ++j) x = net.forward(j, x);
              return x;
            }()) == 0)
          continue;
        Faults f;
        f.kind = kind, f.layer = i, f.size = size;
        const Gradients<S> faulty = methods::moonwalk_mixed(net, x0, {every, true, f});
        const std::size_t at = reported_layer(faulty.exceeded, net.depth());
        const double moved = distance(faulty, clean);
        const bool significant = moved > methods::kEstimateFactor * methods::kEstimateFactor * clean.estimate;
        const bool beyond_estimate = moved > methods::kEstimateFactor * faulty.estimate;
        INFO(net.label(i) << ": gradients moved by " << moved << ", clean estimate " << clean.estimate
                          << ", faulty estimate " << faulty.estimate << ", reported: " << faulty.exceeded);
        ++t.injected;
        t.significant += significant;
        if (!faulty.exceeded.empty()) CHECK(at >= i);
        if (beyond_estimate) CHECK(!faulty.exceeded.empty());
        if (significant) t.at_layer += at == i;
      }
    }
  }
}

template <class S> void run(Faults::Kind kind) {
  Tally t;
  inject<S>(kind, t);
  INFO(t.injected << " faults injected, " << t.significant << " significant, " << t.at_layer
                  << " of those reported at their own layer");
  // No vacuous pass: most faults of size √u must matter.
  CHECK(2 * t.significant > t.injected);
  if (kind != Faults::Kind::fragment) CHECK(2 * t.at_layer > t.significant);
}

}  // namespace

TEST_CASE("moonwalk_mixed: a biased vijp is caught at its layer (float)", "[certificate][vijp][float]") {
  run<float>(Faults::Kind::vijp_bias);
}
TEST_CASE("moonwalk_mixed: a biased vijp is caught at its layer (double)", "[certificate][vijp][double]") {
  run<double>(Faults::Kind::vijp_bias);
}
TEST_CASE("moonwalk_mixed: a wrong fragment is caught at or after its layer (float)", "[certificate][fragment][float]") {
  run<float>(Faults::Kind::fragment);
}
TEST_CASE("moonwalk_mixed: a wrong fragment is caught at or after its layer (double)", "[certificate][fragment][double]") {
  run<double>(Faults::Kind::fragment);
}
TEST_CASE("moonwalk_mixed: a perturbed anchor is caught at its layer (float)", "[certificate][anchor][float]") {
  run<float>(Faults::Kind::anchor);
}
TEST_CASE("moonwalk_mixed: a perturbed anchor is caught at its layer (double)", "[certificate][anchor][double]") {
  run<double>(Faults::Kind::anchor);
}

// Three dense layers W = R·diag(1e-4, 1)·Rᵀ (R a 45° rotation): Phase II
// shrinks the cotangent's component along the first axis of R by 1e-12, so
// its float rounding along it comes back from Phase III amplified 1e12 times,
// far beyond the cotangent's size. Every residual is small (each vijp solves
// its system well); the shadow grows as the error does, and where it passes
// the cotangent's own size the estimate must say that no digit is left.
TEST_CASE("moonwalk_mixed: a rebuilt cotangent with no correct digit leaves no correct digit in the estimate (float)",
          "[certificate][estimate][float]") {
  const double c = std::sqrt(0.5);
  Mat<double> R(2, 2);
  R << c, -c, c, c;
  const Mat<double> W = R * Vec<double>(Vec<double>::Ones(2) + Vec<double>::Unit(2, 0) * (1e-4 - 1)).asDiagonal() * R.transpose();
  std::vector<Layer<double>> layers;
  for (int k = 0; k < 3; ++k) layers.push_back(Dense<double>(W, Vec<double>::Zero(2)));
  Mat<double> target(2, 2);
  target << 1, -2, 3, 0.5;
  const Network<float> net = Network<double>(layers, Mse<double>(target)).cast<float>();
  const Mat<float> x0 = Mat<float>::Ones(2, 2);
  const Gradients<float> g = run_method(Method::moonwalk_mixed, net, x0);
  const Vec<mp50> exact = flatten(run_method(Method::backprop, net.cast<mp50>(), Mat<mp50>(x0.cast<mp50>())));
  const double error = to_double(tolerance::relative_error<mp50>((flatten(g) - exact).norm(), exact.norm()));
  INFO("error " << error << ", estimate " << g.estimate << ", " << g.exceeded);
  CHECK(error > 1);
  CHECK(error <= methods::kEstimateFactor * g.estimate);
  CHECK(g.estimate >= 1);
  CHECK(!g.trusted());
}
