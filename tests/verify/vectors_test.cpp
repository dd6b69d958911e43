#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/vectors.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <unistd.h>

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

namespace {
// The cases of a vector file (kept alive for a range-for over them).
nlohmann::json cases_of(const std::string& path) { return nlohmann::json::parse(std::ifstream(path)).at("cases"); }

// One export per test process (ctest runs them in parallel), removed at exit.
const std::string& exported() {
  static const struct Dir {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("moonwalk-vectors-coverage-test-" + std::to_string(::getpid()))).string();
    Dir() {
      std::filesystem::remove_all(path);
      export_vectors(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
  } dir;
  return dir.path;
}
}  // namespace

TEST_CASE("vectors: every fragment is delta at its recorded positions", "[vectors][fragments]") {
  const std::string dir = exported();
  int with_fragment = 0;
  for (const char* op : {"dense", "relu", "conv1d", "conv2d", "patch_downsample1d", "patch_downsample2d", "tanh"}) {
    for (const auto& c : cases_of(dir + "/" + op + ".json")) {
      INFO(c.at("name"));
      const auto& positions = c.at("fragment_positions");
      const auto fragment = matrix_from_json<mp50>(c.at("expected").at("fragment"));
      const auto delta = matrix_from_json<mp50>(c.at("delta"));
      REQUIRE(static_cast<Index>(positions.size()) == fragment.size());
      std::set<long long> distinct;
      for (std::size_t q = 0; q < positions.size(); ++q) {
        const long long p = positions[q].get<long long>();
        REQUIRE(p >= 0);
        REQUIRE(p < delta.size());
        distinct.insert(p);
        CHECK(fragment(static_cast<Index>(q)) == delta(static_cast<Index>(p)));
      }
      CHECK(distinct.size() == positions.size());
      with_fragment += positions.empty() ? 0 : 1;
    }
  }
  CHECK(with_fragment > 0);
}

TEST_CASE("vectors: dense: a case whose left-out positions are not ascending in pivot order", "[vectors][fragments]") {
  int descending = 0;
  for (const auto& c : cases_of(exported() + "/dense.json")) {
    const auto& p = c.at("fragment_positions");
    const auto m = c.at("config").at("out").get<long long>();
    const auto per_sample = static_cast<std::size_t>(p.size()) / static_cast<std::size_t>(c.at("x").at("cols").get<long long>());
    // Within a sample (row index = position mod m), some later entry precedes an earlier one.
    for (std::size_t q = 1; q < per_sample; ++q)
      if (p[q].get<long long>() % m < p[q - 1].get<long long>() % m) ++descending;
  }
  CHECK(descending > 0);
}

TEST_CASE("vectors: conv1d and conv2d cover every strategy, kernels 3 and 5, both paddings where allowed",
          "[vectors][conv]") {
  for (const char* op : {"conv1d", "conv2d"}) {
    INFO(op);
    std::set<std::string> seen;
    int blocked_zero_seeded_nondividing = 0;
    for (const auto& c : cases_of(exported() + "/" + op + ".json")) {
      const auto& cfg = c.at("config");
      const std::string strategy = cfg.at("strategy"), padding = cfg.at("padding");
      const long long k = cfg.at("kernel");
      seen.insert(strategy + "/" + padding + "/" + std::to_string(k));
      // Blocks run along the width in 1-D, along the rows in 2-D.
      const long long along = cfg.at(std::string(op) == "conv1d" ? "width" : "height");
      if (strategy == "blocked" && padding == "zero" && along % cfg.at("block").get<long long>() != 0 &&
          !c.at("fragment_positions").empty())
        ++blocked_zero_seeded_nondividing;
    }
    for (const char* k : {"3", "5"})
      for (const char* sp : {"dense/zero", "dense/circular", "banded/zero", "fft/circular", "blocked/zero", "blocked/circular"})
        CHECK(seen.count(std::string(sp) + "/" + k) == 1);
    CHECK(blocked_zero_seeded_nondividing >= 2);
  }
}

TEST_CASE("vectors: losses.json covers both losses; network specs are explicit, with no seed", "[vectors][networks]") {
  std::set<std::string> losses;
  for (const auto& c : cases_of(exported() + "/losses.json")) losses.insert(c.at("loss").get<std::string>());
  CHECK(losses == std::set<std::string>{"mse", "softmax_cross_entropy"});
  for (const auto& c : cases_of(exported() + "/networks.json")) {
    const auto& spec = c.at("network");
    CHECK_FALSE(spec.contains("seed"));
    CHECK(spec.contains("input"));
    CHECK((spec.at("loss").contains("target") || spec.at("loss").contains("labels")));
    for (const auto& layer : spec.at("layers")) CHECK(layer.contains("params"));
  }
}

namespace {
// In a subdirectory of the export: the judge reads only the top level.
std::string write_results(const nlohmann::json& results, const std::string& name) {
  std::filesystem::create_directories(exported() + "/results");
  const auto path = exported() + "/results/" + name;
  std::ofstream(path) << results.dump();
  return path;
}

nlohmann::json& entry(nlohmann::json& results, const std::string& case_name, const std::string& output,
                      const std::string& prec) {
  for (auto& r : results.at("results"))
    if (r.at("case") == case_name && r.at("output") == output && r.at("precision") == prec) return r;
  throw std::runtime_error("no result " + case_name + " " + output + " " + prec);
}

const VectorRow* find_row(const std::vector<VectorRow>& rows, const std::string& op, const std::string& prec,
                          const std::string& output) {
  for (const auto& r : rows)
    if (r.op == op && r.precision == prec && r.output == output) return &r;
  return nullptr;
}
}  // namespace

namespace {
// The reference's own results for the exported vectors, computed once.
const nlohmann::json& own_results() {
  static const nlohmann::json results = reference_results(exported());
  return results;
}
}  // namespace

TEST_CASE("vectors judge: the reference's own results pass at its own error", "[vectors][judge]") {
  const nlohmann::json& results = own_results();
  const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-own.json")});
  CHECK(failures(rows) == 0);
  // Every row check grades, judge grades too, on as many cases.
  const auto checked = check_vectors(exported());
  for (const auto& c : checked) {
    INFO(c.op << " " << c.precision << " " << c.output);
    if (c.output == "memory") continue;  // the reference's ledger, not a port's output
    const VectorRow* r = find_row(rows, c.op, c.precision, c.output);
    REQUIRE(r != nullptr);
    CHECK(r->cases == c.cases);
    // The same computation: each error is the reference's own, up to the
    // final rounding to double (the results carry 50 digits).
    if (r->reference_error_sum > 0)
      CHECK(r->versus_reference() == Approx(1.0).epsilon(4 * std::numeric_limits<double>::epsilon()));
  }
}

TEST_CASE("vectors judge: a wrong value, a missing output, a wrong shape and an unknown case fail",
          "[vectors][judge]") {
  nlohmann::json results = own_results();

  SECTION("a value off by a relative 2^-10") {
    for (auto& v : entry(results, "dense-1", "vijp", "float")["values"]["data"])
      v = decimal(mp50(v.get<std::string>()) * (1 + mp50(1) / 1024));
    const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-wrong.json")});
    CHECK(failures(rows) == 1);
    CHECK(find_row(rows, "dense", "float", "vijp")->failures == 1);
  }
  SECTION("a missing output") {
    auto& all = results["results"];
    const auto before = all.size();
    for (auto it = all.begin(); it != all.end(); ++it)
      if ((*it)["case"] == "relu-2" && (*it)["output"] == "forward" && (*it)["precision"] == "double") {
        all.erase(it);
        break;
      }
    REQUIRE(all.size() == before - 1);
    const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-missing.json")});
    CHECK(failures(rows) == 1);
    const VectorRow* r = find_row(rows, "relu", "double", "forward");
    CHECK(r->failures == 1);
    CHECK(r->first_failure.find("missing") != std::string::npos);
  }
  SECTION("a missing network method case") {
    auto& all = results["results"];
    std::size_t removed = 0;
    for (auto it = all.begin(); it != all.end();)
      if ((*it)["case"] == "dense_relu-0" && it->value("method", "") == "backprop" && (*it)["precision"] == "float")
        it = all.erase(it), ++removed;
      else
        ++it;
    REQUIRE(removed == 3);  // loss, params, input
    const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-missing-net.json")});
    CHECK(failures(rows) == 3);
  }
  SECTION("a wrong shape") {
    auto& values = entry(results, "conv1d-1", "jvp", "double")["values"];
    std::swap(values["rows"], values["cols"]);
    REQUIRE(values["rows"] != values["cols"]);
    const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-shape.json")});
    CHECK(failures(rows) == 1);
    const VectorRow* r = find_row(rows, "conv1d", "double", "jvp");
    CHECK(r->failures == 1);
    CHECK(r->first_failure.find("shape") != std::string::npos);
  }
  SECTION("a result that matches no vector") {
    nlohmann::json extra = entry(results, "tanh-0", "forward", "float");
    extra["case"] = "tanh-999";
    results["results"].push_back(extra);
    const auto rows = judge_results(exported(), {write_results(results, "moonwalk-judge-unmatched.json")});
    CHECK(failures(rows) == 1);
    CHECK(find_row(rows, "results", "float", "unmatched")->failures == 1);
  }
}

TEST_CASE("vectors judge: a partial port is graded on what it names; float computed in double shows in vs ref",
          "[vectors][judge]") {
  const nlohmann::json& all = own_results();
  // A port of dense alone whose "float" results are the reference's double ones.
  nlohmann::json port{{"format", "moonwalk-results"}, {"version", 1}, {"results", nlohmann::json::array()}};
  for (const auto& r : all.at("results"))
    if (r.at("case").get<std::string>().rfind("dense-", 0) == 0 && r.at("precision") == "double") {
      nlohmann::json f = r;
      f["precision"] = "float";
      port["results"].push_back(f);
    }
  const auto rows = judge_results(exported(), {write_results(port, "moonwalk-judge-dense.json")});
  CHECK(failures(rows) == 0);
  bool any = false;
  for (const auto& r : rows) {
    INFO(r.op << " " << r.precision << " " << r.output);
    CHECK(r.op == "dense");
    CHECK(r.precision == "float");
    // The reference's float error is about 2^29 times its double error.
    if (r.reference_error_sum > 0) {
      CHECK(r.versus_reference() < 1.0 / 1024);
      any = true;
    }
  }
  CHECK(any);
}

TEST_CASE("vectors: decimal text reads back bit for bit", "[vectors]") {
  const double d = std::ldexp(-13.0, -7);
  CHECK(static_cast<double>(mp50(decimal(d))) == d);
  const float f = 0.1f;
  CHECK(static_cast<float>(mp50(decimal(f))) == f);
  const mp50 third = mp50(1) / 3;
  CHECK(abs(mp50(decimal(third)) - third) <= 4 * eps<mp50>() * third);
}
