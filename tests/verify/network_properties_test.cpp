// The network half of `moonwalk verify`: every network property passes on a
// few networks of every class, every method is exercised somewhere, a failure
// is shrunk, replayable and dumped, and the helpers the properties rest on
// (explicit specs, one-sample problems, the loss scale) do what they claim.
#include "moonwalk/verify/conformance.hpp"
#include "moonwalk/verify/network_properties.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

using namespace moonwalk;
using namespace moonwalk::verify;

namespace {

std::vector<ConformanceRow> network_rows(const std::string& property, int cases) {
  ConformanceOptions o;
  o.cases = cases;
  o.seed = 11;
  o.property = property;
  return run_conformance(o);
}

}  // namespace

TEST_CASE("verify: every network property passes on every class", "[verify][networks]") {
  for (NetProperty p : all_net_properties()) {
    const auto rows = network_rows(net_property_name(p), 4);
    // error_estimate runs in float and double only: in 50 digits its yardstick is itself a 50-digit result.
    const std::size_t precisions = p == NetProperty::error_estimate ? 2 : 3;
    CHECK(rows.size() == all_net_classes().size() * precisions);
    for (const auto& r : rows) {
      INFO(r.op << " " << r.precision << " " << r.property << ": " << r.first_failure);
      CHECK(r.network);
      CHECK(r.failures == 0);
      CHECK(r.cases > r.not_applicable);
    }
  }
}

TEST_CASE("verify: every gradient method is exercised by some network class", "[verify][networks]") {
  std::set<std::string> exercised;
  for (const auto& r : network_rows("gradient_agreement", 3))
    for (const auto& [method, part] : r.parts)
      if (part.cases > 0) exercised.insert(method);
  for (Method m : all_methods()) CHECK(exercised.count(method_name(m)) == 1);
}

TEST_CASE("verify: a failing network case is shrunk, replayable and dumped", "[verify][networks][failure]") {
  const auto dir = std::filesystem::temp_directory_path() / "moonwalk-verify-network-failure";
  std::filesystem::create_directories(dir);
  ConformanceOptions o;
  o.cases = 3;
  o.seed = 5;
  o.net = "coupling";
  o.precisions = {"float"};
  o.property = "gradient_agreement";
  o.bound_scale = 0;  // any rounding error fails
  o.dump_dir = dir.string();
  const auto rows = run_conformance(o);
  REQUIRE(rows.size() == 1);
  const ConformanceRow& r = rows[0];
  REQUIRE(r.failures > 0);
  CHECK_THAT(r.first_failure, Catch::Contains("seed 5") && Catch::Contains("shrunk to"));
  CHECK_THAT(r.replay, Catch::StartsWith("moonwalk verify --net coupling --precision float --property "
                                         "gradient_agreement --shape "));
  const nlohmann::json dump = nlohmann::json::parse(std::ifstream(r.dump));
  CHECK(dump.at("network_class") == "coupling");
  CHECK(dump.at("computed").contains("moonwalk_mixed"));
  CHECK(dump.at("exact").contains("gradients"));
  // The dumped network is an explicit spec: it rebuilds the same problem.
  const Problem p = problem_from_json(dump.at("network"));
  const std::string shape = r.replay.substr(r.replay.find("--shape ") + 8);
  const Shape s = parse_shape(shape.substr(0, shape.find(' ')));
  const Problem q = make_network(NetClass::coupling, s);
  CHECK(p.x0 == q.x0);
  CHECK(flatten(run_method(Method::backprop, p.net, p.x0)) == flatten(run_method(Method::backprop, q.net, q.x0)));

  ConformanceOptions replay = o;
  replay.shape = s;
  CHECK(run_conformance(replay)[0].failures > 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("networks: an explicit spec reads back bit for bit", "[verify][networks]") {
  std::mt19937_64 g(3);
  for (NetClass c : all_net_classes()) {
    const Problem p = make_network(c, random_net_shape(g));
    const Problem q = problem_from_json(nlohmann::json::parse(problem_json(p).dump()));
    INFO(net_class_name(c));
    CHECK(q.x0 == p.x0);
    REQUIRE(q.net.depth() == p.net.depth());
    const auto a = run_method(Method::backprop, p.net, p.x0), b = run_method(Method::backprop, q.net, q.x0);
    CHECK(a.loss == b.loss);
    CHECK(flatten(a) == flatten(b));
  }
}

TEST_CASE("networks: a batch's loss is the mean of its samples' losses", "[verify][networks][losses]") {
  std::mt19937_64 g(4);
  for (NetClass c : all_net_classes()) {
    const Problem p = make_network(c, random_net_shape(g));
    const Index B = p.x0.cols();
    const mp50 batch = run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>())).loss;
    mp50 sum = 0;
    for (Index b = 0; b < B; ++b) {
      const Problem s = sample_problem(p, b);
      CHECK(s.x0.cols() == 1);
      sum += run_method(Method::backprop, s.net.cast<mp50>(), Mat<mp50>(s.x0.cast<mp50>())).loss;
    }
    INFO(net_class_name(c));
    CHECK(to_double(abs(batch - sum / B)) <= 8 * to_double(eps<mp50>()) * to_double(abs(batch)));
  }
}

TEST_CASE("networks: a power-of-two loss scale scales loss and gradients exactly", "[verify][networks][losses]") {
  std::mt19937_64 g(5);
  const Problem p = make_network(NetClass::conv_relu, random_net_shape(g));
  const Problem q = scaled_problem(p, 0.125);
  const auto a = run_method(Method::moonwalk_mixed, p.net.cast<float>(), Mat<float>(p.x0.cast<float>()));
  const auto b = run_method(Method::moonwalk_mixed, q.net.cast<float>(), Mat<float>(q.x0.cast<float>()));
  CHECK(b.loss == a.loss * 0.125f);
  CHECK(flatten(b) == Vec<mp50>(flatten(a) * mp50(0.125)));
}
