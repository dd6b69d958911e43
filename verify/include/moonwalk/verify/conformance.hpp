// Runs the conformance identities over every registered operator, and the
// network properties over every network class, outside a test framework, for
// `moonwalk verify`: one row per operator (or network class) × precision ×
// property. A failing case is shrunk (smaller dimensions, same values seed),
// reported with a replay command, and dumped as JSON.
#pragma once

#include "moonwalk/verify/properties.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moonwalk::verify {

// A network row's results for one method.
struct ConformancePart {
  int cases = 0, discarded = 0, failures = 0;
  double max_ratio = 0;
  std::string reason;  // the first refusal, when discarded
};

struct ConformanceRow {
  std::string op, precision, property;  // op: an operator, or a network class when `network`
  bool network = false;
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
  std::map<std::string, ConformancePart> parts;  // network rows: per method
  std::vector<double> samples;  // error_estimate: actual error / estimate, one per evaluated result
  int at_floor = 0;             // error_estimate: results judged against the precision's floor
};

struct ConformanceOptions {
  int cases = 20;
  std::uint64_t seed = 1;
  std::vector<std::string> precisions{"float", "double", "mp50"};
  std::string op;              // run only this operator (and no network unless `net` is set)
  std::string net;             // run only this network class (and no operator unless `op` is set)
  std::string property;        // empty: all, operator and network properties alike
  std::optional<Shape> shape;  // replay exactly this case
  std::string dump_dir = ".";  // where failing cases are written
  // Multiplies every bound: below 1 it shows how much headroom each identity
  // has (and exercises the failure path: shrinking, replay, dump).
  double bound_scale = 1.0;
};

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o);
// The network rows alone (verify/src/network_conformance.cpp).
void run_network_conformance(const ConformanceOptions& o, std::vector<ConformanceRow>& rows);

// Every property name, operator properties first.
std::vector<std::string> all_property_names();

// Greedy shrinking: lower one field at a time (a, b, c, batch to 1, flavor
// to 0) while `fails` still holds.
Shape shrink_shape(Shape s, const std::function<bool(const Shape&)>& fails);

}  // namespace moonwalk::verify
