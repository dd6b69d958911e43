// `moonwalk vectors export DIR` and `moonwalk vectors check DIR`.
#include "commands.hpp"

#include "moonwalk/verify/vectors.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace moonwalk::tools {

void add_vectors_command(CLI::App& app) {
  auto* sub = app.add_subcommand("vectors", "conformance vectors for ports: export or check");
  sub->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto* exp = sub->add_subcommand("export", "write DIR/<op>.json for every operator and DIR/networks.json");
  exp->add_option("dir", *dir, "output directory")->required();
  run_with_exit_code(exp, [dir] {
    for (const auto& p : verify::export_vectors(*dir)) std::cout << "wrote " << p << "\n";
    return 0;
  });
  auto* chk = sub->add_subcommand("check", "check the reference at float and double against DIR");
  chk->add_option("dir", *dir, "vectors directory")->required();
  run_with_exit_code(chk, [dir] {
    const auto rows = verify::check_vectors(*dir);
    int failures = 0;
    std::cout << fmt::format("{:<26} {:<7} {:<11} {:>5} {:>11} {:>11}  {}\n", "operator or networks/method",
                             "prec", "output", "cases", "max rel err", "tolerance", "verdict");
    for (const auto& r : rows) {
      failures += r.failures;
      std::cout << fmt::format("{:<26} {:<7} {:<11} {:>5} {:>11.3e} {:>11.3e}  {}\n", r.op, r.precision, r.output,
                               r.cases, r.max_error, r.tolerance_at_max, r.failures ? "FAIL" : "pass");
      if (!r.first_failure.empty()) std::cout << "    " << r.first_failure << "\n";
    }
    std::cout << fmt::format("{} rows, {} failing cases\n", rows.size(), failures);
    return failures ? 1 : 0;
  });
}

}  // namespace moonwalk::tools
