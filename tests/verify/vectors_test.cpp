#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/vectors.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

using namespace moonwalk;
using namespace moonwalk::verify;

namespace {
int failures(const std::vector<VectorRow>& rows) {
  int f = 0;
  for (const auto& r : rows) f += r.failures;
  return f;
}
}  // namespace

TEST_CASE("vectors: exported vectors check clean, and a perturbed expectation is caught", "[vectors]") {
  const auto dir = (std::filesystem::temp_directory_path() / "moonwalk-vectors-test").string();
  std::filesystem::remove_all(dir);
  const auto written = export_vectors(dir);
  REQUIRE(written.size() >= 6);
  const auto rows = check_vectors(dir);
  CHECK(failures(rows) == 0);
  for (const auto& r : rows) CHECK(r.cases > 0);

  // Move one expected vijp entry of dense by a relative 2^-10: far outside any tolerance.
  const std::string path = dir + "/dense.json";
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
  auto& entry = doc["cases"][1]["expected"]["vijp"]["data"][0];
  const mp50 v(entry.get<std::string>());
  entry = decimal(mp50(v + (v == 0 ? mp50(1) : v) / 1024));
  std::ofstream(path) << doc.dump();
  const auto tampered = check_vectors(dir);
  int dense_vijp_failures = 0;
  for (const auto& r : tampered)
    if (r.op == "dense" && r.output == "vijp") dense_vijp_failures += r.failures;
  CHECK(dense_vijp_failures == 2);  // float and double both see it
  CHECK(failures(tampered) == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("vectors: network vectors check clean for every method, and a perturbed gradient is caught",
          "[vectors][networks]") {
  const auto dir = (std::filesystem::temp_directory_path() / "moonwalk-network-vectors-test").string();
  std::filesystem::remove_all(dir);
  export_vectors(dir);
  const std::string path = dir + "/networks.json";
  REQUIRE(std::filesystem::exists(path));
  nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
  CHECK(doc.at("cases").size() >= 5);
  for (const auto& c : doc.at("cases")) {
    INFO(c.at("name"));
    // Every case is a real test: a nonzero expected gradient, backprop and moonwalk_mixed in both precisions.
    CHECK(c.at("expected").at("params").size() == c.at("network").at("layers").size());
    for (const char* prec : {"float", "double"})
      for (const char* m : {"backprop", "moonwalk_mixed"}) CHECK(c.at("tolerance").at(prec).contains(m));
  }

  std::map<std::string, int> cases;
  for (const auto& r : check_vectors(dir))
    if (r.op.rfind("networks/", 0) == 0) {
      INFO(r.op << " " << r.precision << " " << r.output << ": " << r.first_failure);
      CHECK(r.failures == 0);
      cases[r.op + " " + r.precision + (r.output == "memory" ? " memory" : "")] += r.cases;
    }
  const int n = static_cast<int>(doc.at("cases").size());
  for (const std::string prec : {"float", "double"}) {
    CHECK(cases["networks/backprop " + prec] == 3 * n);
    CHECK(cases["networks/moonwalk_mixed " + prec] == 3 * n);
    // The ledger numbers the CUDA arena is held to, for every device method.
    for (const char* m : {"backprop", "checkpointed", "moonwalk_mixed", "moonwalk_mixed_anchored"})
      CHECK(cases["networks/" + std::string(m) + " " + prec + " memory"] == n);
  }

  // Scale the first network's expected parameter gradients by 1 + 2^-10: a
  // relative error of 2^-10, far outside its tolerances.
  for (auto& m : doc["cases"][0]["expected"]["params"])
    for (auto& entry : m["data"]) entry = decimal(mp50(entry.get<std::string>()) * (1 + mp50(1) / 1024));
  std::ofstream(path) << doc.dump();
  int caught = 0;
  for (const auto& r : check_vectors(dir))
    if (r.op.rfind("networks/", 0) == 0) caught += r.failures;
  // Every method that ran on that network, in float and double, sees it in "params" alone.
  const auto& tolerance = doc["cases"][0]["tolerance"];
  CHECK(caught == static_cast<int>(tolerance["float"].size() + tolerance["double"].size()));

  // One ledger number off by 8 bytes is one more failing case.
  auto& inputs = doc["cases"][0]["ledger"]["double"]["checkpointed"]["layer_inputs"];
  inputs = inputs.get<std::size_t>() + 8;
  std::ofstream(path) << doc.dump();
  int caught_ledger = 0;
  for (const auto& r : check_vectors(dir))
    if (r.op == "networks/checkpointed" && r.output == "memory") caught_ledger += r.failures;
  CHECK(caught_ledger == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("vectors: decimal text reads back bit for bit", "[vectors]") {
  const double d = std::ldexp(-13.0, -7);
  CHECK(static_cast<double>(mp50(decimal(d))) == d);
  const float f = 0.1f;
  CHECK(static_cast<float>(mp50(decimal(f))) == f);
  const mp50 third = mp50(1) / 3;
  CHECK(abs(mp50(decimal(third)) - third) <= 4 * eps<mp50>() * third);
}
