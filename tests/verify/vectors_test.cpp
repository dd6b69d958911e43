#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/vectors.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

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

TEST_CASE("vectors: decimal text reads back bit for bit", "[vectors]") {
  const double d = std::ldexp(-13.0, -7);
  CHECK(static_cast<double>(mp50(decimal(d))) == d);
  const float f = 0.1f;
  CHECK(static_cast<float>(mp50(decimal(f))) == f);
  const mp50 third = mp50(1) / 3;
  CHECK(abs(mp50(decimal(third)) - third) <= 4 * eps<mp50>() * third);
}
