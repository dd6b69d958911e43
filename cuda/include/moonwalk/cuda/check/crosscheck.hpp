// The GPU against the 50-digit reference, from conformance vectors: every
// operator (DIR/<op>.json) and the device gradient methods on whole networks
// (DIR/networks.json), in float and double. The criterion is
// self-calibrating (docs/cuda.md): the GPU's relative error against 50 digits
// must not exceed twice the CPU reference's own error in the same precision
// plus the rounding any correct evaluation may make — n·u for an operator
// (n the rounded operations that reach one entry), and for a method the
// vectors' model bound 4·N·u·κ (κ the network's condition estimate when the
// method inverts layers). A method's arena peaks must equal the ledger
// formula's, category by category, and nothing it kept may outlive it.
// Used by the cuda tests, `moonwalk crosscheck` and moonwalk_crosscheck.
#pragma once

#include "moonwalk/cuda/check/json.hpp"

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace moonwalk::cuda::check {

// One line of the table: an operator (or operator/strategy), or
// networks/<method>, in one precision, one output, over every case.
struct Row {
  std::string subject, precision, output;
  int cases = 0, failures = 0;
  double max_error = 0, reference_error = 0, tolerance = 0;  // at the worst case (error / tolerance)
  std::string first_failure;
  bool passed() const { return failures == 0 && cases > 0; }
};

class Table {
public:
  // One case's error against its tolerance (error ≤ tolerance passes).
  void add(const std::string& subject, const std::string& precision, const std::string& output,
           const std::string& case_name, double error, double reference_error, double tolerance);
  // One case's outcome with no error to report (a refusal that had to
  // happen, a byte count that had to match).
  void add(const std::string& subject, const std::string& precision, const std::string& output,
           const std::string& case_name, bool ok, const std::string& why);
  std::vector<Row> rows() const;
  int failures() const;

private:
  Row& at(const std::string& subject, const std::string& precision, const std::string& output);
  void fail(Row& r, const std::string& what);
  std::map<std::string, Row> rows_;
  std::vector<std::string> order_;
};

// The cases of an <op>.json document in S (those of one conv strategy when
// `strategy` is not empty); returns how many were run.
template <class S>
int check_operator(Context& ctx, const std::string& op, const json& doc, const std::string& strategy, Table& t);
// A vectors file of the given format ("moonwalk-vectors" or
// "moonwalk-network-vectors"), version 1.
json read_vectors(const std::string& path, const char* format);

// Every case of a networks.json document in S: backprop, checkpointed,
// moonwalk_mixed and its anchored run, gradients and memory.
template <class S> void check_networks(Context& ctx, const json& doc, Table& t);

// Every <op>.json and networks.json found in dir and in dir/extra (where
// `moonwalk crosscheck --export` puts the extra vectors), float and double.
void crosscheck_directory(Context& ctx, const std::string& dir, Table& t);

void print_table(const std::vector<Row>& rows, const std::string& device, std::ostream& out);
json table_json(const std::vector<Row>& rows, const std::string& device);

// sysexits' EX_UNAVAILABLE: there is no device to check, so nothing was checked.
inline constexpr int kNoDeviceExitCode = 69;
// Every directory's vectors on device 0, the table (or its JSON) on out.
// Returns 0 when every row passes, 1 otherwise, kNoDeviceExitCode (with the
// runtime's reason on err) when there is no device; throws on unreadable
// vectors (callers exit 2).
int run_crosscheck(const std::vector<std::string>& dirs, bool as_json, std::ostream& out, std::ostream& err);

}  // namespace moonwalk::cuda::check
