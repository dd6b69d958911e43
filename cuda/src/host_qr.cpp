#include "moonwalk/cuda/detail/host_qr.hpp"

#include <Eigen/QR>

namespace moonwalk::cuda::detail {

namespace {
template <class S> Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic> to_eigen(const HostMatrix<S>& A) {
  return Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>(A.data.data(), A.rows, A.cols);
}
}  // namespace

template <class S> PivotedQR<S> pivoted_qr(const HostMatrix<S>& A) {
  const Eigen::ColPivHouseholderQR<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>> qr(to_eigen(A));
  PivotedQR<S> out;
  out.rank = qr.rank();
  // Pᵀ applied to the index vector gives, at i, the index that Pᵀ moves to i.
  const Eigen::Matrix<Index, Eigen::Dynamic, 1> ids = Eigen::Matrix<Index, Eigen::Dynamic, 1>::LinSpaced(A.cols, 0, A.cols - 1);
  const Eigen::Matrix<Index, Eigen::Dynamic, 1> moved = qr.colsPermutation().transpose() * ids;
  out.perm.assign(moved.data(), moved.data() + moved.size());
  out.qr = HostMatrix<S>(A.rows, A.cols);
  Eigen::Map<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>(out.qr.data.data(), A.rows, A.cols) = qr.matrixQR();
  out.tau.assign(qr.hCoeffs().data(), qr.hCoeffs().data() + qr.hCoeffs().size());
  return out;
}

template <class S> Index pivoted_rank(const HostMatrix<S>& A) {
  return Eigen::ColPivHouseholderQR<Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>>(to_eigen(A)).rank();
}

template PivotedQR<float> pivoted_qr(const HostMatrix<float>&);
template PivotedQR<double> pivoted_qr(const HostMatrix<double>&);
template Index pivoted_rank(const HostMatrix<float>&);
template Index pivoted_rank(const HostMatrix<double>&);

}  // namespace moonwalk::cuda::detail
