// The crosscheck's host-side logic (cuda/include/moonwalk/cuda/check/), on
// the CPU: 50-digit decimals read wider than double, the relative error, the
// table's verdicts and worst cases, its JSON, and the refusal without a
// device. What needs a device (operators, methods) is left to the GPU tests.
#include "moonwalk/cuda/check/crosscheck.hpp"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

using namespace moonwalk::cuda;
using namespace moonwalk::cuda::check;

TEST_CASE("check: decimal strings are read wider than double", "[check]") {
  const WideMatrix m = read_matrix(json{{"rows", 1}, {"cols", 2}, {"data", {"0.1", "-3"}}});
  REQUIRE(m.data.size() == 2);
  // The long double nearest 0.1 is not the double nearest 0.1.
  CHECK(m.data[0] != static_cast<long double>(0.1));
  CHECK(std::abs(m.data[0] - 0.1L) <= LDBL_EPSILON * 0.1L);
  CHECK(m.data[1] == -3.0L);
  CHECK(scalar(json(2.5)) == 2.5L);
  CHECK_THROWS_WITH(read_matrix(json{{"rows", 2}, {"cols", 2}, {"data", {"1"}}}), Catch::Contains("data size differs"));
}

TEST_CASE("check: relative error, infinite on a shape mismatch or a non-finite entry", "[check]") {
  const WideMatrix want{2, 1, {3.0L, 4.0L}};
  CHECK(relative_error(HostMatrix<double>(2, 1, {3.0, 4.0}), want) == 0.0);
  CHECK(relative_error(HostMatrix<double>(2, 1, {3.0, 4.5}), want) == Approx(0.1).epsilon(1e-12));
  CHECK(std::isinf(relative_error(HostMatrix<double>(1, 2, {3.0, 4.0}), want)));
  CHECK(std::isinf(relative_error(HostMatrix<float>(2, 1, {3.0f, std::numeric_limits<float>::quiet_NaN()}), want)));
  // Against zero the error is absolute.
  CHECK(relative_error(HostMatrix<double>(2, 1, {0.0, 0.5}), WideMatrix{2, 1, {0.0L, 0.0L}}) == 0.5);
}

TEST_CASE("check: a table row keeps its worst case and counts its failures", "[check]") {
  Table t;
  t.add("dense", "float", "forward", "dense-0", 1e-7, 1e-8, 1e-6);
  t.add("dense", "float", "forward", "dense-1", 5e-7, 1e-7, 1e-6);  // the worst: 0.5 of its tolerance
  t.add("dense", "float", "forward", "dense-2", 3e-7, 1e-7, 1e-5);
  t.add("dense", "double", "forward", "dense-0", 1e-15, 1e-16, 1e-14);
  std::vector<Row> rows = t.rows();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].cases == 3);
  CHECK(rows[0].max_error == 5e-7);
  CHECK(rows[0].tolerance == 1e-6);
  CHECK(rows[0].passed());
  CHECK(t.failures() == 0);

  t.add("dense", "float", "forward", "dense-3", 2e-6, 1e-7, 1e-6);
  t.add("dense", "float", "forward", "dense-4", std::numeric_limits<double>::quiet_NaN(), 1e-7, 1e-6);
  t.add("networks/backprop", "double", "memory", "mixed-0", false, "fragments peak 8 bytes, formula 0");
  rows = t.rows();
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].failures == 2);
  CHECK_THAT(rows[0].first_failure, Catch::StartsWith("dense-3: error"));
  CHECK(!rows[0].passed());
  CHECK(rows[2].failures == 1);
  CHECK_THAT(rows[2].first_failure, Catch::Contains("mixed-0: fragments peak"));
  CHECK(t.failures() == 3);

  const json j = table_json(rows, "none");
  CHECK(j.at("failures") == 3);
  CHECK(j.at("passed") == false);
  CHECK(j.at("rows").size() == 3);
  CHECK(j.at("rows")[1].at("passed") == true);
  std::ostringstream out;
  print_table(rows, "none", out);
  CHECK_THAT(out.str(), Catch::Contains("3 rows, 7 checks, 3 failing"));
  // An empty table is no pass.
  CHECK(table_json({}, "none").at("passed") == false);
}

TEST_CASE("check: crosscheck refuses without a device, and an empty directory is no pass", "[check]") {
  const auto dir = std::filesystem::temp_directory_path() / "moonwalk-check-empty";
  std::filesystem::create_directories(dir);
  std::ostringstream out, err;
  const int rc = run_crosscheck({dir.string()}, false, out, err);
  if (query_device().available) {
    CHECK(rc == 1);
  } else {
    CHECK(rc == kNoDeviceExitCode);
    CHECK_THAT(err.str(), Catch::Contains("no CUDA device") && Catch::Contains("nothing was checked"));
    CHECK(out.str().empty());
  }
  std::filesystem::remove_all(dir);
}
