// One conformance vector as verify/src/vectors.cpp and extra_vectors.cpp
// write it (docs/porting.md, "Format"), and the explicit operators both files
// build: the tolerance rule and the record of the fragment's positions live
// here once.
#pragma once

#include "moonwalk/verify/cases.hpp"
#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/op_config.hpp"
#include "moonwalk/verify/tolerance.hpp"
#include "moonwalk/verify/vector_reader.hpp"
#include "moonwalk/verify/vectors.hpp"

#include <Eigen/SVD>

#include <fstream>
#include <map>

namespace moonwalk::verify::detail {

// As the generators (verify/src/cases.cpp): integers in [−8, 8] / 2^(3 + ⌈log4 fan_in⌉).
inline int weight_shift(Index fan_in) {
  int s = 3;
  for (Index f = 1; f < fan_in; f *= 4) ++s;
  return s;
}

// The largest numerical cond of J over the batch: the explicit cases are far
// from singular on their row space.
template <template <class> class Op> double double_cond(const Op<double>& op, const Mat<double>& x) {
  double c = 1;
  for (Index b = 0; b < x.cols(); ++b) c = std::max(c, numerical_cond(op.jacobian(Vec<double>(x.col(b)))));
  return c;
}

inline nlohmann::json positions_json(const Mat<mp50>& p) {
  nlohmann::json a = nlohmann::json::array();
  for (Index i = 0; i < p.size(); ++i) a.push_back(static_cast<long long>(p(i)));
  return a;
}

// The vector of op at the exact inputs in (g and fragment are filled in from
// δ in 50 digits). Tolerances are self-calibrating: twice the reference's own
// error in that precision plus the model bound 4·n·ε·cond, n = in + out +
// params and cond (of J) for vijp alone.
template <template <class> class Op>
nlohmann::json operator_vector(const std::string& name, const Op<double>& op, VectorInputs in, double cond) {
  const Outputs image = vector_outputs<Op, mp50>(op, in);
  in.g = image.at("vjp_input");
  in.fragment = image.at("fragment");
  Outputs expected = vector_outputs<Op, mp50>(op, in);
  const Outputs out32 = vector_outputs<Op, float>(op, in);
  const Outputs out64 = vector_outputs<Op, double>(op, in);
  const nlohmann::json positions = positions_json(expected.at("fragment_positions"));
  expected.erase("fragment_positions");
  const double n = static_cast<double>(op.in_dim() + op.out_dim() + op.param_count());
  nlohmann::json exp, err, tol;
  for (const auto& [key, value] : expected) {
    exp[key] = matrix_json(value);
    const double e32 = relative_error(out32.at(key), value), e64 = relative_error(out64.at(key), value);
    err["float"][key] = e32;
    err["double"][key] = e64;
    const double c = key == "vijp" ? cond : 1.0;
    tol["float"][key] = self_calibrated(e32, bound<float>(n, 1.0, c));
    tol["double"][key] = self_calibrated(e64, bound<double>(n, 1.0, c));
  }
  return {{"name", name},
          {"config", op_config<Op>(op)},
          {"params", matrix_json(op.params())},
          {"x", matrix_json(in.x)},
          {"xdot", matrix_json(in.xdot)},
          {"pdot", matrix_json(in.pdot)},
          {"delta", matrix_json(in.delta)},
          {"g", matrix_json(in.g)},
          {"fragment", matrix_json(in.fragment)},
          {"fragment_positions", positions},
          {"expected", exp},
          {"reference_error", err},
          {"tolerance", tol}};
}

// An explicit operator at input x with tangents and cotangent drawn from r.
template <template <class> class Op>
nlohmann::json explicit_vector(const std::string& name, const Op<double>& op, ExactRng& r, Mat<double> x) {
  const Index B = x.cols();
  VectorInputs in{std::move(x), r.matrix(op.in_dim(), B, 16, 3), r.matrix(op.param_count(), 1, 16, 3),
                  r.nonzero_matrix(op.out_dim(), B, 16, 3), {}, {}};
  const double c = double_cond(op, in.x);
  return operator_vector<Op>(name, op, std::move(in), c);
}

// A loss's value (1 × 1) and gradient at x, computed in S.
template <template <class> class Loss, class S> Outputs loss_outputs(const Loss<double>& loss, const Mat<double>& x) {
  const Loss<S> l = loss.template cast<S>();
  const Mat<S> xs = x.template cast<S>();
  return {{"value", Mat<mp50>::Constant(1, 1, mp50(l.value(xs)))},
          {"gradient", Mat<mp50>(l.gradient(xs).template cast<mp50>())}};
}

// A loss vector: value and gradient at x in 50 digits and the reference's
// own errors at float and double; all rows·cols entries reach the value.
template <template <class> class Loss>
nlohmann::json loss_vector(const std::string& name, nlohmann::json config, const Loss<double>& loss, const Mat<double>& x) {
  const Outputs want = loss_outputs<Loss, mp50>(loss, x);
  const Outputs got32 = loss_outputs<Loss, float>(loss, x);
  const Outputs got64 = loss_outputs<Loss, double>(loss, x);
  const double n = static_cast<double>(x.size());
  nlohmann::json exp, err, tol;
  for (const auto& [key, value] : want) {
    exp[key] = matrix_json(value);
    const double e32 = relative_error(got32.at(key), value), e64 = relative_error(got64.at(key), value);
    err["float"][key] = e32;
    err["double"][key] = e64;
    tol["float"][key] = self_calibrated(e32, bound<float>(n, 1.0));
    tol["double"][key] = self_calibrated(e64, bound<double>(n, 1.0));
  }
  return {{"name", name}, {"config", std::move(config)}, {"x", matrix_json(x)},
          {"expected", exp}, {"reference_error", err},    {"tolerance", tol}};
}

// Convolution weights [I 0] on a dominant tap plus integers in [−8, 8] / 2^s
// with Σ_taps ‖E‖ ≤ (taps)·√(C_out·C_in)·2^(3−s) ≤ 3/4, so J has full row rank
// and blocked a small amplification. The dominant tap is the centre, or tap 0
// for blocked (the pivot tap); blocked with zero padding in 2-D puts [I 0] on
// the centre and ½[I 0] on the pivot tap (the generators' expanding flavor,
// verify/src/cases.cpp), since its first rows and columns miss the pivot tap.
inline reference::Conv1d<double> conv1d_op(ExactRng& r, const reference::Conv1dSpec& s) {
  int shift = 8;
  while (double(s.kernel) * std::sqrt(double(s.out_channels * s.in_channels)) * std::ldexp(1.0, 3 - shift) > 0.75)
    ++shift;
  Vec<double> w = r.matrix(s.out_channels * s.in_channels * s.kernel, 1, 8, shift).col(0);
  const Index dominant = s.strategy == reference::ConvStrategy::blocked ? 0 : (s.kernel - 1) / 2;
  for (Index o = 0; o < std::min(s.out_channels, s.in_channels); ++o) w((o * s.in_channels + o) * s.kernel + dominant) += 1;
  return reference::Conv1d<double>(s, w, r.matrix(s.out_channels, 1, 8, 3).col(0));
}

inline reference::Conv2d<double> conv2d_op(ExactRng& r, const reference::Conv2dSpec& s) {
  const bool blocked = s.strategy == reference::ConvStrategy::blocked;
  const bool expanding = blocked && s.padding == reference::Padding::zero;
  const Index k = s.kernel;
  int shift = expanding ? 9 : 8;
  while (double(k * k) * std::sqrt(double(s.out_channels * s.in_channels)) * std::ldexp(1.0, 3 - shift) > 0.75) ++shift;
  Vec<double> w = r.matrix(s.out_channels * s.in_channels * k * k, 1, 8, shift).col(0);
  auto tap = [&](Index o, Index i, Index a, Index b) { return ((o * s.in_channels + i) * k + a) * k + b; };
  const Index centre = (k - 1) / 2;
  for (Index o = 0; o < std::min(s.out_channels, s.in_channels); ++o) {
    if (blocked && !expanding) {
      w(tap(o, o, 0, 0)) += 1;
    } else {
      w(tap(o, o, centre, centre)) += 1;
      if (expanding) w(tap(o, o, 0, 0)) += 0.5;
    }
  }
  return reference::Conv2d<double>(s, w, r.matrix(s.out_channels, 1, 8, 3).col(0));
}

inline std::string write_vector_file(const std::string& dir, const std::string& op, const nlohmann::json& cases) {
  const std::string path = dir + "/" + op + ".json";
  nlohmann::json doc{{"format", kVectorFormat}, {"version", 1}, {"operator", op}, {"cases", cases}};
  std::ofstream(path) << doc.dump(1) << "\n";
  return path;
}

}  // namespace moonwalk::verify::detail
