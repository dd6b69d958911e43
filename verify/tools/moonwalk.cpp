// The moonwalk command-line tool.
#include "moonwalk/verify/conformance.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace {

int conformance(const moonwalk::verify::ConformanceOptions& o, bool json) {
  const auto rows = moonwalk::verify::run_conformance(o);
  int failures = 0;
  nlohmann::json j = nlohmann::json::array();
  if (!json)
    std::cout << fmt::format("{:<18} {:<7} {:<14} {:>5} {:>11} {:>11} {:>9}  {}\n", "operator", "prec", "property",
                             "cases", "max error", "its bound", "err/bound", "verdict");
  for (const auto& r : rows) {
    failures += r.failures;
    const char* verdict = r.failures ? "FAIL" : "pass";
    if (json) {
      j.push_back({{"operator", r.op}, {"precision", r.precision}, {"property", r.property}, {"cases", r.cases},
                   {"failures", r.failures}, {"max_error", r.max_error}, {"bound_at_max", r.bound_at_max},
                   {"max_ratio", r.max_ratio}, {"first_failure", r.first_failure}});
    } else {
      std::cout << fmt::format("{:<18} {:<7} {:<14} {:>5} {:>11.3e} {:>11.3e} {:>9.2e}  {}\n", r.op, r.precision,
                               r.property, r.cases, r.max_error, r.bound_at_max, r.max_ratio, verdict);
      if (r.failures) std::cout << "    first failure: " << r.first_failure << "\n";
    }
  }
  if (json) std::cout << j.dump(2) << "\n";
  else std::cout << fmt::format("{} rows, {} failing cases\n", rows.size(), failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moonwalk: a numerically verified reference of inverse-forward differentiation"};
  app.require_subcommand(1);

  moonwalk::verify::ConformanceOptions co;
  bool json = false;
  auto* conf = app.add_subcommand("conformance", "run every operator identity at float, double and 50 digits");
  conf->add_option("--cases", co.cases, "cases per operator and precision")->check(CLI::PositiveNumber);
  conf->add_option("--seed", co.seed, "seed of the case generator");
  conf->add_option("--precision", co.precisions, "precisions to run (float, double, mp50)");
  conf->add_option("--op", co.op, "run only this operator");
  conf->add_flag("--json", json, "print the table as JSON");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*conf) return conformance(co, json);
  } catch (const std::exception& e) {
    std::cerr << "moonwalk: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
