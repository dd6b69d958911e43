// mse: ℓ(y) = c · (1/B) Σ_b ½ ‖y_b − t_b‖², a batch of B columns with targets t
//   and a loss scale c (default 1; a power of two scales every gradient exactly).
//   h_L = ∂ℓ/∂y = c · (y − t) / B
//   domain: finite y and t of equal shape, finite c.
#pragma once

#include "moonwalk/reference/tensor.hpp"

namespace moonwalk::reference {

template <class S> struct Mse {
  static constexpr const char* name = "mse";

  explicit Mse(Mat<S> target, S scale = S(1)) : target_(std::move(target)), scale_(scale) {
    require(target_.size() > 0, name, "target must be non-empty");
    require_finite(target_, name, "target");
    require(is_finite(scale_), name, "loss scale must be finite");
  }
  const Mat<S>& target() const { return target_; }
  const S& scale() const { return scale_; }
  template <class T> Mse<T> cast() const { return Mse<T>(target_.template cast<T>(), T(scale_)); }

  S value(const Mat<S>& y) const {
    check(y);
    return scale_ * ((y - target_).squaredNorm() / S(2 * y.cols()));
  }
  Mat<S> gradient(const Mat<S>& y) const {
    check(y);
    return scale_ * ((y - target_) / S(y.cols()));
  }

private:
  void check(const Mat<S>& y) const {
    require_same_shape(y, target_, name, "prediction and target");
    require_finite(y, name, "prediction");
  }
  Mat<S> target_;
  S scale_;
};

}  // namespace moonwalk::reference
