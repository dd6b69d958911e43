// The right inverse every linear operator with a possible cokernel shares
// (dense, the patch maps through dense, and the convolutions' dense strategy):
// for a Jacobian A (m × n), a column-pivoted QR of Aᵀ,
//   Aᵀ P = Q [R11 R12; 0 0],  rank r (Eigen's threshold),
// so that with v = Pᵀ h the equation Aᵀ h = g reads R11 v₁ + R12 v₂ = (Qᵀ g)₁.
//   fragment(δ): v₂ = (Pᵀ δ)₂, the m − r entries of δ at the pivot-excluded
//     columns of Aᵀ, column by column; empty when A has full row rank.
//   solve(g, f): v₂ = f, v₁ = R11⁻¹((Qᵀ g)₁ − R12 v₂), h = P v. At full row
//     rank this is h = (Aᵀ)⁺ g; in general vjp(solve(vjp(δ), fragment(δ))) = vjp(δ)
//     and solve(vjp(δ), fragment(δ)) = δ.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference {

template <class S> class PivotedRightInverse {
public:
  PivotedRightInverse() = default;
  explicit PivotedRightInverse(const Mat<S>& A) : qr_(A.transpose()), rank_(qr_.rank()) {}

  Index rows() const { return qr_.cols(); }  // m
  Index rank() const { return rank_; }
  Index cokernel() const { return rows() - rank_; }  // fragment scalars per column

  Vec<S> fragment(const Mat<S>& delta) const {
    const Index k = cokernel();
    Vec<S> out(k * delta.cols());
    if (k == 0) return out;
    const Mat<S> v = qr_.colsPermutation().transpose() * delta;
    for (Index j = 0; j < delta.cols(); ++j) out.segment(j * k, k) = v.col(j).tail(k);
    return out;
  }

  Mat<S> solve(const Mat<S>& g, const Vec<S>& frag) const {
    const Index m = rows(), r = rank_, k = m - r;
    const Mat<S> qtg = qr_.householderQ().transpose() * g;
    Mat<S> v(m, g.cols());
    for (Index j = 0; j < g.cols(); ++j) v.col(j).tail(k) = frag.segment(j * k, k);
    const auto R = qr_.matrixR();
    const Mat<S> rhs = qtg.topRows(r) - R.topRightCorner(r, k) * v.bottomRows(k);
    v.topRows(r) = R.topLeftCorner(r, r).template triangularView<Eigen::Upper>().solve(rhs);
    return qr_.colsPermutation() * v;
  }

private:
  Eigen::ColPivHouseholderQR<Mat<S>> qr_;
  Index rank_ = 0;
};

}  // namespace moonwalk::reference
