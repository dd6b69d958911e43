// Conformance vectors: a language-neutral JSON set per operator with inputs,
// 50-digit expected outputs, the reference's own error in float and double,
// and the tolerance each precision must meet (docs/porting.md). Export writes
// DIR/<op>.json, and DIR/networks.json with whole networks (weights, input,
// targets; expected loss, parameter gradients and input gradient, with a
// tolerance per precision and gradient method, and the ledger formula's
// peak bytes per category for the methods with a device driver); check recomputes with the
// reference at float and double.
#pragma once

#include "moonwalk/verify/cases.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace moonwalk::verify {

// The inputs of one vector: exact values (x, ẋ, θ̇, δ) and the 50-digit image
// cotangent g = vjp_input(δ) with fragment f = fragment(x, δ).
struct VectorInputs {
  Mat<double> x, xdot, pdot, delta;
  Mat<mp50> g, fragment;
};

using Outputs = std::map<std::string, Mat<mp50>>;

// forward, jvp, vjp_input, vjp_params, fragment, vijp computed in S (and
// raised to 50 digits for comparison). vijp is vijp(g, f), which equals δ;
// it is left out when g is empty. fragment_positions: the flat column-major
// indices into δ that the fragment takes, in its order (a column of integers).
template <template <class> class Op, class S> Outputs vector_outputs(const Op<double>& op, const VectorInputs& in);

struct VectorRow {
  std::string op, precision, output;  // network rows: op "networks/<method>", output loss, params or input
  int cases = 0, failures = 0;
  double max_error = 0, tolerance_at_max = 0;  // relative
  double worst_ratio = 0;                      // max over the cases of error / tolerance
  // Σ error and Σ the reference's own error in this precision over the cases
  // whose reference error is above the 50-digit text's resolution: their
  // quotient tells a port whether it computes in the precision it names.
  double error_sum = 0, reference_error_sum = 0;
  std::string first_failure;  // the case and what went wrong
  // Σ error / Σ reference error; NaN where the reference made no error.
  double versus_reference() const;
};

// What export_vectors writes beyond the fixed set: `cases` more random shapes
// per operator and `networks` more random networks (classes in turn), drawn
// from `seed` (moonwalk crosscheck's generated cases).
struct ExportOptions {
  int cases = 0, networks = 0;
  std::uint64_t seed = 1;
};
// Writes one file per registered operator, losses.json and networks.json;
// returns the paths written.
std::vector<std::string> export_vectors(const std::string& dir, const ExportOptions& o = {});
// The vectors the GPU needs beyond those: sizes just off the kernels' tiles
// (64-bit mask words, 256-thread blocks, the blocked strategy's B), size 1,
// odd sizes, batch 1, rank-deficient weights, every conv1d and conv2d
// strategy at sizes the generators do not reach, and the two losses (their
// expectations "value" and "gradient", the prediction "x", the loss scale in
// the config). Writes DIR/<op>.json; returns the paths written.
std::vector<std::string> export_extra_vectors(const std::string& dir);
// Checks every <op>.json (and losses.json, networks.json) found in dir at
// float and double.
std::vector<VectorRow> check_vectors(const std::string& dir);

// Grades a port's results files (docs/porting.md, "Judging a port") against
// the vectors in dir by check_vectors' rule. A file, precision (and network
// method) that the results touch must be complete: a missing case or output,
// a wrong shape or an error above the tolerance fails its row; results that
// match no vector fail a row of their own ("results", "unmatched").
std::vector<VectorRow> judge_results(const std::string& dir, const std::vector<std::string>& results);
// The reference's own outputs at float and double for every vector in dir,
// in the results format judge_results reads.
nlohmann::json reference_results(const std::string& dir);

double relative_error(const Mat<mp50>& computed, const Mat<mp50>& expected);

}  // namespace moonwalk::verify
