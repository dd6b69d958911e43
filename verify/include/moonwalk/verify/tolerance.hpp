// The tolerance model. A computed quantity is compared with an exact one (or
// two computed quantities with each other) under a bound
//     safety · n · u · scale · cond
// where u = epsilon<S>() is the unit of the working precision, n the number of
// terms accumulated on the longest path (γ_n ≈ n·u is the classical worst-case
// error of an n-term inner product), scale the magnitude of what was summed
// (|J||ẋ|, ‖δ‖·‖J‖·‖t‖, ...), and cond a condition estimate of the map that
// was inverted (1 when nothing was solved). safety = 4 absorbs elementary-
// function errors (≤ 1 ulp each) and the two or three chained steps of one
// operator. Nothing in a bound is a literal chosen to make a test pass.
#pragma once

#include "moonwalk/reference/scalar.hpp"
#include "moonwalk/reference/tolerance_rules.hpp"

#include <cmath>
#include <sstream>
#include <string>

namespace moonwalk::verify {

using tolerance::numerical_cond;
using tolerance::relative_error;
using tolerance::self_calibrated;
using tolerance::terms;

inline constexpr double kSafety = 4.0;

template <class S> double unit_roundoff() { return to_double(eps<S>()); }

template <class S> double bound(double n_terms, double scale, double cond = 1.0) {
  return kSafety * n_terms * unit_roundoff<S>() * scale * cond;
}

// One evaluated property on one case.
struct Check {
  double error = 0;  // measured, in the units of `bound`
  double bound = 0;
  bool applicable = true;
  // Exactly zero on both sides (a relu with every unit inactive has J = 0):
  // passes only with error 0, and a suite where most cases are trivial fails.
  bool trivial = false;
  std::string detail;
  double sample = NAN;    // a value for the row's distribution (error_estimate: actual / estimate)
  bool at_floor = false;  // judged against the precision's floor, not the estimate
  bool pass() const { return !applicable || (std::isfinite(error) && std::isfinite(bound) && error <= bound); }
  std::string describe() const {
    std::ostringstream s;
    s << "error " << error << " vs bound " << bound;
    if (!detail.empty()) s << " (" << detail << ")";
    return s.str();
  }
};

}  // namespace moonwalk::verify
