// mse: ℓ(y) = (1/B) Σ_b ½ ‖y_b − t_b‖², a batch of B columns with targets t.
//   h_L = ∂ℓ/∂y = (y − t) / B
//   domain: finite y and t of equal shape.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference {

template <class S> struct Mse {
  static constexpr const char* name = "mse";

  explicit Mse(Mat<S> target) : target_(std::move(target)) {
    require(target_.size() > 0, name, "target must be non-empty");
    require_finite(target_, name, "target");
  }
  const Mat<S>& target() const { return target_; }
  template <class T> Mse<T> cast() const { return Mse<T>(target_.template cast<T>()); }

  S value(const Mat<S>& y) const {
    check(y);
    return (y - target_).squaredNorm() / S(2 * y.cols());
  }
  Mat<S> gradient(const Mat<S>& y) const {
    check(y);
    return (y - target_) / S(y.cols());
  }

private:
  void check(const Mat<S>& y) const {
    require_same_shape(y, target_, name, "prediction and target");
    require_finite(y, name, "prediction");
  }
  Mat<S> target_;
};

}  // namespace moonwalk::reference
