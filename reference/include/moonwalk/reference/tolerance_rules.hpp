// The rules every comparison of a computed result with an exact (or
// reference) one follows, in one place: the reference's property suite, the
// conformance vectors' tolerances, the CUDA path's checks and the tests all
// use these. Needs Eigen only (no Boost), so a CUDA-only build can use it.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>

namespace moonwalk::tolerance {

// n in the model bound n·u·scale·cond: the scalars one operator application
// reads per sample (input, output, parameters), an upper bound on the terms of
// the longest sum that reaches one entry.
template <class Op> double terms(const Op& op) {
  return static_cast<double>(op.in_dim() + op.out_dim() + op.param_count());
}

// A self-calibrated tolerance: another implementation in the same precision
// may be off by this many times the reference's own error (the cancellation
// and conditioning both meet), plus the model bound for a different but
// equally valid order of the same sums where the reference happened to be exact.
inline constexpr double kSelfCalibration = 2.0;
inline double self_calibrated(double reference_error, double model_bound) {
  return kSelfCalibration * reference_error + model_bound;
}

// ‖computed − expected‖ / ‖expected‖ from the two norms. Where the expected
// value is zero a relative error is undefined and the absolute error ‖computed‖
// is returned: the tolerance at that scale is absolute too (n·u·scale).
template <class T> T relative_error(const T& difference_norm, const T& expected_norm) {
  return expected_norm > 0 ? T(difference_norm / expected_norm) : difference_norm;
}

// The numerical rank's cut-off, relative to the largest singular value:
// singular values below √ε·σ_max count as zero. Generated cases are exactly
// rank deficient or far from it, and √ε separates the two with room on both
// sides (a rounding-level singular value is ~ε·σ_max).
template <class T> T rank_cutoff() {
  using std::sqrt;
  return sqrt(std::numeric_limits<T>::epsilon());
}

// σ_max / σ_min over the singular values above the cut-off, in double: the
// condition number of J on its row space (1 for J = 0).
template <class Derived> double numerical_cond(const Eigen::MatrixBase<Derived>& J) {
  const Eigen::MatrixXd A = J.template cast<double>();
  if (A.size() == 0) return 1;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(A);
  const Eigen::VectorXd& s = svd.singularValues();
  if (s(0) == 0) return 1;
  double smin = s(0);
  for (Eigen::Index i = 0; i < s.size(); ++i)
    if (s(i) > rank_cutoff<double>() * s(0)) smin = s(i);
  return s(0) / smin;
}

}  // namespace moonwalk::tolerance
