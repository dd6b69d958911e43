// `moonwalk vectors export DIR`, `moonwalk vectors check DIR` and
// `moonwalk vectors judge DIR RESULTS...`.
#include "commands.hpp"

#include "moonwalk/verify/vectors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

namespace moonwalk::tools {

namespace {

// The table of check and judge: worst error and its tolerance, the worst
// error/tolerance, and Σ error / Σ the reference's own error in that
// precision ("vs ref": about 1 for a port as accurate as the reference, far
// below 1 for one that computes in a higher precision than it names).
int print_rows(const std::vector<verify::VectorRow>& rows) {
  int failures = 0;
  std::cout << fmt::format("{:<26} {:<7} {:<18} {:>5} {:>11} {:>11} {:>9} {:>9}  {}\n", "operator or networks/method",
                           "prec", "output", "cases", "max rel err", "tolerance", "err/tol", "vs ref", "verdict");
  for (const auto& r : rows) {
    failures += r.failures;
    const double v = r.versus_reference();
    std::cout << fmt::format("{:<26} {:<7} {:<18} {:>5} {:>11.3e} {:>11.3e} {:>9.2e} {:>9}  {}\n", r.op, r.precision,
                             r.output, r.cases, r.max_error, r.tolerance_at_max, r.worst_ratio,
                             std::isnan(v) ? std::string("-") : fmt::format("{:.2e}", v), r.failures ? "FAIL" : "pass");
    if (!r.first_failure.empty()) std::cout << "    " << r.first_failure << "\n";
  }
  std::cout << fmt::format("{} rows, {} failing cases\n", rows.size(), failures);
  return failures;
}

}  // namespace

void add_vectors_command(CLI::App& app) {
  auto* sub = app.add_subcommand("vectors", "conformance vectors for ports: export, check, or judge a port's results");
  sub->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto results = std::make_shared<std::vector<std::string>>();
  auto* exp = sub->add_subcommand("export", "write DIR/<op>.json for every operator, DIR/losses.json and DIR/networks.json");
  exp->add_option("dir", *dir, "output directory")->required();
  run_with_exit_code(exp, [dir] {
    for (const auto& p : verify::export_vectors(*dir)) std::cout << "wrote " << p << "\n";
    return 0;
  });
  auto* chk = sub->add_subcommand("check", "check the reference at float and double against DIR");
  chk->add_option("dir", *dir, "vectors directory")->required();
  run_with_exit_code(chk, [dir] { return print_rows(verify::check_vectors(*dir)) ? 1 : 0; });
  auto* judge = sub->add_subcommand(
      "judge", "grade a port's results files (docs/porting.md, \"Judging a port\") against the vectors in DIR; "
               "exit 1 on a failure, a missing case or output, a wrong shape or an unmatched result");
  judge->add_option("dir", *dir, "vectors directory")->required();
  judge->add_option("results", *results, "results files (format moonwalk-results)")->required();
  run_with_exit_code(judge, [dir, results] { return print_rows(verify::judge_results(*dir, *results)) ? 1 : 0; });
}

}  // namespace moonwalk::tools
