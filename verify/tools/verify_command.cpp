// `moonwalk verify`: every identity of every registered operator and of the
// two losses, and every network property of every network class, at float,
// double and 50 digits, as a table of cases, discards, largest error, its bound and a verdict.
// Non-zero exit on any failure, with a replay command and a dump.
#include "commands.hpp"

#include "moonwalk/verify/conformance.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace moonwalk::tools {

namespace {

int run_verify(const verify::ConformanceOptions& o, bool json) {
  const auto rows = verify::run_conformance(o);
  int failures = 0;
  nlohmann::json j = nlohmann::json::array();
  if (!json)
    std::cout << fmt::format("{:<18} {:<7} {:<18} {:>5} {:>9} {:>11} {:>11} {:>9}  {}\n", "operator/network",
                             "prec", "property", "cases", "discarded", "max error", "its bound", "err/bound", "verdict");
  for (const auto& r : rows) {
    failures += r.failures;
    if (json) {
      nlohmann::json row{{r.network ? "network" : "operator", r.op}, {"precision", r.precision},
                         {"property", r.property}, {"cases", r.cases}, {"discarded", r.not_applicable},
                         {"trivial", r.trivial}, {"failures", r.failures}, {"max_error", r.max_error},
                         {"bound_at_max", r.bound_at_max}, {"max_ratio", r.max_ratio},
                         {"first_failure", r.first_failure}, {"replay", r.replay}, {"dump", r.dump}};
      if (!r.samples.empty()) row["actual_over_estimate"] = r.samples, row["at_floor"] = r.at_floor;
      for (const auto& [method, part] : r.parts) {
        row["methods"][method] = {{"cases", part.cases}, {"discarded", part.discarded}, {"failures", part.failures},
                                  {"max_ratio", part.max_ratio}};
        if (!part.reason.empty()) row["methods"][method]["discard_reason"] = part.reason;
      }
      j.push_back(row);
      continue;
    }
    std::cout << fmt::format("{:<18} {:<7} {:<18} {:>5} {:>9} {:>11.3e} {:>11.3e} {:>9.2e}  {}\n",
                             (r.network ? "net/" : "") + r.op, r.precision, r.property, r.cases, r.not_applicable,
                             r.max_error, r.bound_at_max, r.max_ratio, r.failures ? "FAIL" : "pass");
    if (r.not_applicable && !r.parts.empty()) {
      std::string by;
      for (const auto& [method, part] : r.parts)
        if (part.discarded) by += fmt::format("{}{} {}", by.empty() ? "" : ", ", method, part.discarded);
      std::cout << "    discarded (refused by the method, --json for reasons): " << by << "\n";
    }
    if (!r.samples.empty()) {
      std::vector<double> q = r.samples;
      std::sort(q.begin(), q.end());
      std::cout << fmt::format("    actual/estimate over {} results: min {:.2e}, median {:.2e}, max {:.2e}; {} at the floor\n",
                               q.size(), q.front(), q[q.size() / 2], q.back(), r.at_floor);
    }
    if (r.failures) {
      std::cout << "    " << r.first_failure << "\n";
      if (!r.replay.empty()) std::cout << "    replay: " << r.replay << "\n    dump: " << r.dump << "\n";
    }
  }
  if (json) std::cout << j.dump(2) << "\n";
  else std::cout << fmt::format("{} rows, {} failing cases\n", rows.size(), failures);
  return failures ? 1 : 0;
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto o = std::make_shared<verify::ConformanceOptions>();
  auto json = std::make_shared<bool>(false);
  auto shape = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "verify", "run every operator identity and network property at float, double and 50 digits");
  sub->add_option("--cases", o->cases, "cases per operator or network class, and precision")
      ->check(CLI::PositiveNumber);
  sub->add_option("--seed", o->seed, "seed of the case generator");
  sub->add_option("--precision", o->precisions, "precisions to run (float, double, mp50)");
  sub->add_option("--op", o->op, "run only this operator or loss (mse, softmax_cross_entropy)");
  sub->add_option("--net", o->net,
                  "run only this network class (dense_relu, conv_relu, conv_leaky, coupling, mixed)");
  sub->add_option("--property", o->property,
                  "run only this property (operators: vjp_dot, jvp_fd, jacobian, vijp_image, vijp_inverse, "
                  "right_inverse, fragment_size, inverse; losses: gradient, gradient_fd; networks: "
                  "gradient_agreement, ledger_consistency, loss_scaling, batch_additivity, error_estimate, "
                  "certificate)");
  sub->add_option("--shape", *shape, "replay one case: a,b,c,batch,flavor,seed");
  sub->add_option("--dump-dir", o->dump_dir, "where failing cases are written");
  sub->add_option("--bound-scale", o->bound_scale, "multiply every bound (below 1: show the headroom)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--json", *json, "print the table as JSON");
  run_with_exit_code(sub, [o, json, shape] {
    if (!shape->empty()) o->shape = verify::parse_shape(*shape);
    return run_verify(*o, *json);
  });
}

}  // namespace moonwalk::tools
