// The failure path of `moonwalk verify`: with every bound scaled to zero, any
// nonzero error fails; the case must be shrunk, replayable and dumped.
#include "moonwalk/verify/conformance.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace moonwalk::verify;

TEST_CASE("verify: a failing case is shrunk, replayable and dumped", "[verify][failure]") {
  const auto dir = std::filesystem::temp_directory_path() / "moonwalk-verify-failure";
  std::filesystem::create_directories(dir);
  ConformanceOptions o;
  o.cases = 6;
  o.seed = 5;
  o.op = "tanh";
  o.precisions = {"double"};
  o.property = "jvp_fd";
  o.bound_scale = 0;
  o.dump_dir = dir.string();
  const auto rows = run_conformance(o);
  REQUIRE(rows.size() == 1);
  const ConformanceRow& r = rows[0];
  REQUIRE(r.failures > 0);
  CHECK_THAT(r.first_failure, Catch::Contains("seed 5") && Catch::Contains("shrunk to"));
  CHECK_THAT(r.replay, Catch::StartsWith("moonwalk verify --op tanh --precision double --property jvp_fd --shape "));

  // tanh's jvp rounds at any size, so shrinking reaches one unit, batch 1.
  const std::string shape = r.replay.substr(r.replay.find("--shape ") + 8);
  const Shape s = parse_shape(shape.substr(0, shape.find(' ')));
  CHECK(s.a == 1);
  CHECK(s.batch == 1);

  const nlohmann::json dump = nlohmann::json::parse(std::ifstream(r.dump));
  CHECK(dump.at("operator") == "tanh");
  CHECK(dump.at("error").get<double>() > 0);
  CHECK(dump.at("computed").contains("jvp"));
  CHECK(dump.at("exact").contains("jvp_central_difference"));

  // Replaying the shrunk shape alone reproduces the failure.
  ConformanceOptions replay = o;
  replay.shape = s;
  CHECK(run_conformance(replay)[0].failures == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("verify: shapes round-trip through their text form, and bad text is refused", "[verify]") {
  const Shape s{3, 1, 4, 2, 1, 1234567890123ull};
  const Shape t = parse_shape(format_shape(s));
  CHECK(t.a == 3);
  CHECK(t.c == 4);
  CHECK(t.seed == 1234567890123ull);
  CHECK_THROWS_WITH(parse_shape("3,1,4"), Catch::Contains("expected a,b,c,batch,flavor,seed"));
  CHECK_THROWS_WITH(parse_shape("0,1,1,1,0,1"), Catch::Contains("dimensions must be positive"));
}
