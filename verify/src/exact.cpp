// The only translation unit that runs 50-digit SVDs and 100-digit central
// differences for the conformance suite.
#include "moonwalk/verify/exact.hpp"

#include <Eigen/SVD>

#include <algorithm>

namespace moonwalk::verify {

using namespace moonwalk::reference;

SpectrumSummary spectrum(const Mat<mp50>& J) {
  SpectrumSummary out;
  if (J.size() == 0) return out;
  // An element-wise operator's Jacobian is diagonal: its singular values are
  // the absolute diagonal, sorted; no 50-digit SVD needed.
  bool diagonal = true;
  for (Index j = 0; j < J.cols() && diagonal; ++j)
    for (Index i = 0; i < J.rows() && diagonal; ++i) diagonal = i == j || J(i, j) == 0;
  Vec<mp50> sv;
  if (diagonal) {
    sv = J.diagonal().cwiseAbs();
    std::sort(sv.data(), sv.data() + sv.size(), [](const mp50& a, const mp50& b) { return a > b; });
  } else {
    sv = Eigen::JacobiSVD<Mat<mp50>>(J).singularValues();
  }
  const mp50 smax = sv(0);
  out.sigma_max = to_double(smax);
  // Generated cases are exactly rank deficient or far from it; √u separates
  // the two regimes with room on both sides.
  using std::sqrt;
  const mp50 threshold = sqrt(eps<mp50>()) * smax;
  for (Index i = 0; i < sv.size(); ++i)
    if (sv(i) > threshold) {
      ++out.rank;
      out.sigma_min = to_double(sv(i));
    }
  return out;
}

namespace {

// The parameter Jacobian K (out_dim × P) at one sample, column j = jvp(x, 0, e_j).
template <class Op> Mat<mp50> param_jacobian(const Op& op, const Vec<mp50>& x) {
  Mat<mp50> K(op.out_dim(), op.param_count());
  const Mat<mp50> xm = x, zero = Mat<mp50>::Zero(x.size(), 1);
  for (Index j = 0; j < op.param_count(); ++j) {
    Vec<mp50> e = Vec<mp50>::Zero(op.param_count());
    e(j) = 1;
    K.col(j) = op.jvp(xm, zero, e);
  }
  return K;
}

}  // namespace

template <template <class> class Op> Exact exact_facts(const OpCase<Op>& c) {
  Exact e;
  const Op<mp50> op = c.op.template cast<mp50>();
  const Mat<mp50> x = c.x.template cast<mp50>();
  const Mat<mp50> xdot = c.xdot.template cast<mp50>();
  const Vec<mp50> pdot = c.pdot.template cast<mp50>();
  e.jvp_scale = Mat<double>::Zero(op.out_dim(), x.cols());
  for (Index b = 0; b < x.cols(); ++b) {
    const Vec<mp50> xb = x.col(b);
    e.jacobian.push_back(op.jacobian(xb));
    e.spectra.push_back(spectrum(e.jacobian.back()));
    const SpectrumSummary& s = e.spectra.back();
    e.cokernel_dim += op.out_dim() - s.rank;
    e.cond = std::max(e.cond, s.cond());
    e.jacobian_norm = std::max(e.jacobian_norm, s.sigma_max);
    Vec<mp50> scale = e.jacobian.back().cwiseAbs() * xdot.col(b).cwiseAbs();
    if (op.param_count()) scale += param_jacobian(op, xb).cwiseAbs() * pdot.cwiseAbs();
    e.jvp_scale.col(b) = scale.unaryExpr([](const mp50& v) { return to_double(v); });
  }
  // Central difference in 100 digits with step 2^-100: truncation ~ h² ≈ 1e-60,
  // cancellation ~ u_100 / h ≈ 1e-70, both far below 50-digit epsilon.
  const Op<mp100> hp = c.op.template cast<mp100>();
  const mp100 h = ldexp(mp100(1), -100);
  const Mat<mp100> x100 = c.x.template cast<mp100>(), xd100 = c.xdot.template cast<mp100>();
  const Vec<mp100> p100 = hp.params(), pd100 = c.pdot.template cast<mp100>();
  Op<mp100> plus = hp, minus = hp;
  if (hp.param_count()) {
    plus.set_params(p100 + h * pd100);
    minus.set_params(p100 - h * pd100);
  }
  const Mat<mp100> fd = (plus.forward(x100 + h * xd100) - minus.forward(x100 - h * xd100)) / (2 * h);
  e.jvp_fd = fd.unaryExpr([](const mp100& v) { return mp50(v); });
  return e;
}

#define MOONWALK_INSTANTIATE_EXACT(OP, stem) template Exact exact_facts<OP>(const OpCase<OP>&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_EXACT)

}  // namespace moonwalk::verify
