// softmax_cross_entropy: logits y (K × B), labels c_b ∈ [0, K), loss scale s
//   (default 1; a power of two scales every gradient exactly);
//   ℓ(y) = s · (1/B) Σ_b [ logsumexp(y_b) − y_b[c_b] ]
//   h_L = s · (softmax(y) − onehot(c)) / B, computed with the column maximum
//   subtracted so that exp never overflows.
//   domain: finite y and s; labels in range.
#pragma once

#include "moonwalk/reference/tensor.hpp"

#include <vector>

namespace moonwalk::reference {

template <class S> struct SoftmaxCrossEntropy {
  static constexpr const char* name = "softmax_cross_entropy";

  SoftmaxCrossEntropy(Index classes, std::vector<Index> labels, S scale = S(1))
      : K_(classes), labels_(std::move(labels)), scale_(scale) {
    require(classes > 0, name, "needs at least one class");
    require(is_finite(scale_), name, "loss scale must be finite");
    require(!labels_.empty(), name, "needs at least one label");
    for (Index c : labels_) require(c >= 0 && c < classes, name, "label " + std::to_string(c) + " out of range");
  }
  const std::vector<Index>& labels() const { return labels_; }
  Index classes() const { return K_; }
  const S& scale() const { return scale_; }
  template <class T> SoftmaxCrossEntropy<T> cast() const { return SoftmaxCrossEntropy<T>(K_, labels_, T(scale_)); }

  S value(const Mat<S>& y) const {
    check(y);
    using std::exp;
    using std::log;
    S total = 0;
    for (Index j = 0; j < y.cols(); ++j) {
      const S m = y.col(j).maxCoeff();
      S z = 0;
      for (Index i = 0; i < K_; ++i) z += exp(y(i, j) - m);
      total += m + log(z) - y(labels_[static_cast<std::size_t>(j)], j);
    }
    return scale_ * (total / S(y.cols()));
  }
  Mat<S> gradient(const Mat<S>& y) const {
    check(y);
    using std::exp;
    Mat<S> h(y.rows(), y.cols());
    for (Index j = 0; j < y.cols(); ++j) {
      const S m = y.col(j).maxCoeff();
      for (Index i = 0; i < K_; ++i) h(i, j) = exp(y(i, j) - m);
      h.col(j) /= h.col(j).sum();
      h(labels_[static_cast<std::size_t>(j)], j) -= 1;
    }
    return scale_ * (h / S(y.cols()));
  }

private:
  void check(const Mat<S>& y) const {
    require_rows(y, K_, name, "logits");
    require(static_cast<std::size_t>(y.cols()) == labels_.size(), name, "logits and labels differ in batch size");
    require_finite(y, name, "logits");
  }
  Index K_;
  std::vector<Index> labels_;
  S scale_;
};

}  // namespace moonwalk::reference
