// Definitions of the conformance identities; included only by the
// translation units that instantiate them (verify/src/properties_*.cpp).
#pragma once

#include "moonwalk/verify/properties.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace moonwalk::verify {

namespace detail {

using namespace moonwalk::reference;

template <class S> double norm(const Mat<S>& m) { return to_double(m.norm()); }

// ‖a − b‖, evaluated in 50 digits so the comparison adds no rounding of its own.
template <class A, class B> double distance(const Mat<A>& a, const Mat<B>& b) {
  return to_double((a.template cast<mp50>() - b.template cast<mp50>()).norm());
}

template <class S> Mat<S> col(const Mat<S>& m, Index j) { return m.col(j); }

template <class S> mp50 dot(const Mat<S>& a, const Mat<S>& b) {
  return (a.template cast<mp50>().cwiseProduct(b.template cast<mp50>())).sum();
}

// Optional operator hooks, detected so that other operators need nothing:
// checkpoint_size(x), scalars of the fragment beyond the cokernel (stored
// state a vijp strategy restarts from), and vijp_amplification(), the error
// growth of a vijp strategy beyond cond(J), which the vijp bounds carry.
template <class Op, class M> auto checkpoint_size(const Op& op, const M& x, int) -> decltype(op.checkpoint_size(x)) {
  return op.checkpoint_size(x);
}
template <class Op, class M> Index checkpoint_size(const Op&, const M&, long) { return 0; }
template <class Op> auto amplification(const Op& op, int) -> decltype(op.vijp_amplification()) {
  return op.vijp_amplification();
}
template <class Op> double amplification(const Op&, long) { return 1.0; }

}  // namespace detail

template <template <class> class Op, class S> Check check(Property p, const OpCase<Op>& c, const Exact& e) {
  using namespace detail;
  const Op<S> op = c.op.template cast<S>();
  const Mat<S> x = c.x.template cast<S>();
  const Mat<S> xdot = c.xdot.template cast<S>();
  const Vec<S> pdot = c.pdot.template cast<S>();
  const Mat<S> delta = c.delta.template cast<S>();
  const double n = terms(op);
  const double amp = amplification(op, 0);
  Check out;

  switch (p) {
    case Property::vjp_dot: {
      const Mat<S> t = op.jvp(x, xdot, pdot);
      const Mat<S> hx = op.vjp_input(op.input_residual(x), delta);
      const Vec<S> hp = op.vjp_params(x, delta);
      const mp50 lhs = dot(delta, t);
      const mp50 rhs = dot(hx, xdot) + (op.param_count() ? dot(Mat<S>(hp), Mat<S>(pdot)) : mp50(0));
      out.error = to_double(abs(lhs - rhs));
      const double scale = (c.delta.cwiseAbs().cwiseProduct(e.jvp_scale)).sum();
      out.bound = bound<S>(n, scale);
      out.trivial = scale == 0;
      break;
    }
    case Property::jvp_fd: {
      const Mat<S> t = op.jvp(x, xdot, pdot);
      out.error = distance(t, e.jvp_fd);
      out.bound = bound<S>(n, e.jvp_scale.norm());
      out.trivial = e.jvp_scale.norm() == 0;
      break;
    }
    case Property::jacobian: {
      double worst = 0;
      for (Index b = 0; b < x.cols(); ++b) {
        const Vec<S> xb = x.col(b);
        const Mat<S> J = op.jacobian(xb);
        Mat<S> Jv(op.out_dim(), op.in_dim());
        for (Index j = 0; j < op.in_dim(); ++j) {
          Mat<S> ej = Mat<S>::Zero(op.in_dim(), 1);
          ej(j) = 1;
          Jv.col(j) = op.jvp(Mat<S>(xb), ej, Vec<S>(0));
        }
        worst = std::max(worst, distance(J, Jv));
      }
      out.error = worst;
      out.bound = bound<S>(n, e.jacobian_norm * std::sqrt(static_cast<double>(op.in_dim())));
      break;
    }
    case Property::vijp_image: {
      const Mat<S> g = op.vjp_input(op.input_residual(x), delta);
      const Mat<S> h = op.vijp(x, g, op.fragment(x, delta));
      const Mat<S> g2 = op.vjp_input(op.input_residual(x), h);
      out.error = distance(g2, g);
      // vjp(h) rounds at the scale ‖J‖·‖h‖, which stays positive when g = 0
      // (δ in the cokernel: h is then the fragment's part alone).
      out.bound = bound<S>(n, norm(g) + e.jacobian_norm * norm(h), e.cond * amp);
      out.trivial = norm(g) == 0;
      break;
    }
    case Property::vijp_inverse: {
      const Mat<S> g = op.vjp_input(op.input_residual(x), delta);
      const Mat<S> h = op.vijp(x, g, op.fragment(x, delta));
      out.error = distance(h, delta);
      out.bound = bound<S>(n, norm(delta), e.cond * amp);
      break;
    }
    case Property::right_inverse: {
      double worst = 0, worst_bound = 0;
      for (Index b = 0; b < x.cols(); ++b) {
        const Mat<S> xb = x.col(b);
        const Mat<S> J = op.jacobian(Vec<S>(xb));
        if (checkpoint_size(op, xb, 0) > 0) {
          // A checkpointed fragment is not a cokernel coordinate, so R is
          // built from whole cotangents: column j = vijp(Jᵀ e_j, fragment(e_j)) = e_j.
          const Index m = op.out_dim();
          Mat<S> R(m, m);
          for (Index j = 0; j < m; ++j) {
            Mat<S> ej = Mat<S>::Zero(m, 1);
            ej(j) = 1;
            R.col(j) = op.vijp(xb, op.vjp_input(op.input_residual(xb), ej), op.fragment(xb, ej));
          }
          worst = std::max(worst, distance(R, Mat<S>(Mat<S>::Identity(m, m))));
          worst_bound = std::max(worst_bound, bound<S>(n, std::sqrt(static_cast<double>(m)), e.spectra[b].cond() * amp));
          continue;
        }
        reference::Fragment<S> zero;
        zero.values = Vec<S>::Zero(op.fragment_size(xb));
        Mat<S> R(op.in_dim(), op.out_dim());  // row convention: h_out = h_in R
        for (Index j = 0; j < op.in_dim(); ++j) {
          Mat<S> ej = Mat<S>::Zero(op.in_dim(), 1);
          ej(j) = 1;
          R.row(j) = op.vijp(xb, ej, zero).transpose();
        }
        const double nJ = norm(J), nR = norm(R);
        if (zero.size() == 0) {
          worst = std::max(worst, distance(Mat<S>(J * R), Mat<S>(Mat<S>::Identity(op.out_dim(), op.out_dim()))));
          worst_bound = std::max(worst_bound, bound<S>(n, nJ * nR, e.spectra[b].cond()));
        } else {
          worst = std::max(worst, distance(Mat<S>(J * R * J), J));
          worst_bound = std::max(worst_bound, bound<S>(n, nJ * nR * nJ, e.spectra[b].cond()));
        }
      }
      out.error = worst;
      out.bound = worst_bound;
      break;
    }
    case Property::fragment_size: {
      const Index claimed = op.fragment_size(x);
      const Index given = op.fragment(x, delta).size();
      const Index checkpoint = checkpoint_size(op, x, 0);
      const Index expected = e.cokernel_dim + checkpoint;
      out.error = static_cast<double>(std::abs(claimed - expected) + std::abs(given - expected));
      out.bound = 0;
      std::ostringstream s;
      s << "fragment_size " << claimed << ", fragment " << given << ", dim coker J " << e.cokernel_dim
        << ", checkpoint " << checkpoint;
      out.detail = s.str();
      break;
    }
    case Property::fragment_residual: {
      // Phase II has only the residual; what it computes must be what the
      // vijp's own fragment(x, δ) would be, exactly: one computation, two routes.
      const reference::Fragment<S> from_x = op.fragment(x, delta);
      const reference::Fragment<S> from_r = op.fragment(op.input_residual(x), delta);
      out.error = from_x.size() != from_r.size() ? std::numeric_limits<double>::infinity()
                                                   : distance(Mat<S>(from_x.values), Mat<S>(from_r.values));
      out.bound = 0;
      std::ostringstream s;
      s << "fragment(x, δ) has " << from_x.size() << " scalars, fragment(residual, δ) " << from_r.size();
      out.detail = s.str();
      break;
    }
    case Property::inverse: {
      if constexpr (Op<S>::bijective) {
        const Mat<S> y = op.forward(x);
        const Mat<S> back = op.inverse(y);
        out.error = distance(back, x);
        out.bound = bound<S>(n, norm(x) + norm(y), e.cond);
      } else {
        out.applicable = false;
        out.detail = "not bijective";
      }
      break;
    }
  }
  return out;
}

}  // namespace moonwalk::verify
