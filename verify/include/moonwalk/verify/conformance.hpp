// Runs the conformance identities over every registered operator outside a
// test framework, for the command-line tool: one row per operator ×
// precision × property.
#pragma once

#include "moonwalk/verify/properties.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace moonwalk::verify {

struct ConformanceRow {
  std::string op, precision, property;
  int cases = 0;           // evaluated
  int not_applicable = 0;  // e.g. inverse of a non-bijective operator
  int trivial = 0;         // both sides exactly zero
  int failures = 0;
  double max_error = 0;    // largest measured error
  double bound_at_max = 0; // its bound
  double max_ratio = 0;    // largest error / bound (0 when every bound is 0 and every error is 0)
  std::string first_failure;  // shape and check of the first failing case
};

struct ConformanceOptions {
  int cases = 20;
  std::uint64_t seed = 1;
  std::vector<std::string> precisions{"float", "double", "mp50"};
  std::string op;  // empty: all
};

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o);

}  // namespace moonwalk::verify
