// Runs the conformance identities over every registered operator outside a
// test framework, for `moonwalk verify`: one row per operator × precision ×
// property. A failing case is shrunk (smaller dimensions, same values seed),
// reported with a replay command, and dumped as JSON.
#pragma once

#include "moonwalk/verify/properties.hpp"

#include <cstdint>
#include <optional>
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
  std::string first_failure;  // the shrunk failing case and its check
  std::string replay;         // command that reruns exactly that case
  std::string dump;           // path of the JSON dump
};

struct ConformanceOptions {
  int cases = 20;
  std::uint64_t seed = 1;
  std::vector<std::string> precisions{"float", "double", "mp50"};
  std::string op;              // empty: all
  std::string property;        // empty: all
  std::optional<Shape> shape;  // replay exactly this case
  std::string dump_dir = ".";  // where failing cases are written
  // Multiplies every bound: below 1 it shows how much headroom each identity
  // has (and exercises the failure path: shrinking, replay, dump).
  double bound_scale = 1.0;
};

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o);

// "a,b,c,batch,flavor,seed" as printed in replay commands.
Shape parse_shape(const std::string& text);
std::string format_shape(const Shape& s);

}  // namespace moonwalk::verify
