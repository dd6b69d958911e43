#include "moonwalk/cuda/check/crosscheck.hpp"

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <ostream>

namespace moonwalk::cuda::check {

Row& Table::at(const std::string& subject, const std::string& precision, const std::string& output) {
  const std::string key = subject + "\n" + precision + "\n" + output;
  auto it = rows_.find(key);
  if (it == rows_.end()) {
    order_.push_back(key);
    Row r;
    r.subject = subject, r.precision = precision, r.output = output;
    it = rows_.emplace(key, r).first;
  }
  return it->second;
}

void Table::fail(Row& r, const std::string& what) {
  if (r.failures++ == 0) r.first_failure = what;
}

void Table::add(const std::string& subject, const std::string& precision, const std::string& output,
                const std::string& case_name, double error, double reference_error, double tolerance) {
  Row& r = at(subject, precision, output);
  ++r.cases;
  const bool ok = error <= tolerance;  // false for NaN
  if (!ok) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ": error %.3e > %.3e", error, tolerance);
    fail(r, case_name + buf);
  }
  // The worst case is the one nearest its tolerance.
  const double ratio = tolerance > 0 ? error / tolerance : (error > 0 ? INFINITY : 0);
  const double worst = r.tolerance > 0 ? r.max_error / r.tolerance : (r.max_error > 0 ? INFINITY : 0);
  if (r.cases == 1 || !(ratio <= worst)) r.max_error = error, r.reference_error = reference_error, r.tolerance = tolerance;
}

void Table::add(const std::string& subject, const std::string& precision, const std::string& output,
                const std::string& case_name, bool ok, const std::string& why) {
  Row& r = at(subject, precision, output);
  ++r.cases;
  if (!ok) fail(r, case_name + ": " + why);
}

std::vector<Row> Table::rows() const {
  std::vector<Row> out;
  for (const std::string& k : order_) out.push_back(rows_.at(k));
  return out;
}

int Table::failures() const {
  int f = 0;
  for (const auto& [k, r] : rows_) f += r.failures;
  return f;
}

void print_table(const std::vector<Row>& rows, const std::string& device, std::ostream& out) {
  char line[256];
  out << "device: " << device << "\n";
  std::snprintf(line, sizeof line, "%-34s %-7s %-16s %5s %11s %11s %11s  %s\n", "operator or networks/method", "prec",
                "output", "cases", "gpu error", "cpu error", "tolerance", "verdict");
  out << line;
  int failures = 0, cases = 0;
  for (const Row& r : rows) {
    failures += r.failures;
    cases += r.cases;
    std::snprintf(line, sizeof line, "%-34s %-7s %-16s %5d %11.3e %11.3e %11.3e  %s\n", r.subject.c_str(),
                  r.precision.c_str(), r.output.c_str(), r.cases, r.max_error, r.reference_error, r.tolerance,
                  r.passed() ? "pass" : "FAIL");
    out << line;
    if (!r.first_failure.empty()) out << "    " << r.first_failure << "\n";
  }
  out << rows.size() << " rows, " << cases << " checks, " << failures << " failing\n";
}

json table_json(const std::vector<Row>& rows, const std::string& device) {
  json r = json::array();
  int failures = 0;
  for (const Row& row : rows) {
    failures += row.failures;
    r.push_back({{"subject", row.subject},
                 {"precision", row.precision},
                 {"output", row.output},
                 {"cases", row.cases},
                 {"failures", row.failures},
                 {"max_error", row.max_error},
                 {"reference_error", row.reference_error},
                 {"tolerance", row.tolerance},
                 {"passed", row.passed()},
                 {"first_failure", row.first_failure}});
  }
  return {{"device", device}, {"rows", r}, {"failures", failures}, {"passed", failures == 0 && !rows.empty()}};
}

int run_crosscheck(const std::vector<std::string>& dirs, bool as_json, std::ostream& out, std::ostream& err) {
  const DeviceInfo info = query_device();
  if (!info.available) {
    err << "crosscheck: no CUDA device (" << info.reason << "); nothing was checked\n";
    return kNoDeviceExitCode;
  }
  std::unique_ptr<Context> ctx;
  try {
    ctx = std::make_unique<Context>();
  } catch (const NoDevice& e) {
    err << "crosscheck: no CUDA device (" << e.what() << "); nothing was checked\n";
    return kNoDeviceExitCode;
  }
  Table t;
  for (const std::string& dir : dirs) crosscheck_directory(*ctx, dir, t);
  const std::vector<Row> rows = t.rows();
  const std::string device = ctx->device().name;
  if (as_json) out << std::setw(1) << table_json(rows, device) << "\n";
  else print_table(rows, device, out);
  return t.failures() == 0 && !rows.empty() ? 0 : 1;
}

}  // namespace moonwalk::cuda::check
