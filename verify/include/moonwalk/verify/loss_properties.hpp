// The identities of the two losses, for `moonwalk verify`: every gradient
// method starts from ∂ℓ/∂y, so a wrong loss gradient moves all methods alike
// and no agreement between them can see it. The gradient is held against
// 100-digit central differences of the loss value instead.
#pragma once

#include "moonwalk/verify/cases.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <string>
#include <vector>

namespace moonwalk::verify {

enum class LossProperty {
  gradient,     // ∇ℓ(y) against a 100-digit central difference along every coordinate
  gradient_fd,  // ⟨∇ℓ(y), ẏ⟩ against a 100-digit central difference of ℓ along ẏ
};

const std::vector<LossProperty>& all_loss_properties();
std::string loss_property_name(LossProperty p);

template <template <class> class Loss> struct LossCase {
  Loss<double> loss;
  Mat<double> y, ydot;  // prediction (rows × batch) and a direction, exact in float
};

// From a shape: a = rows (classes), batch = columns, flavor the loss scale
// and the logit range (flavor 3: |y| up to 64, where exp overflows float
// without the column maximum subtracted). Defined for Mse and
// SoftmaxCrossEntropy in verify/src/loss_properties.cpp.
template <template <class> class Loss> LossCase<Loss> make_loss_case(const Shape& s);

struct LossExact {
  Mat<mp50> gradient;   // central differences, coordinate by coordinate
  mp50 directional = 0; // central difference along ẏ
  // Entrywise magnitude a gradient entry is rounded against: |s|/B·(|a| + |b|)
  // for ∇ℓ = s/B·(a − b) (mse: a = y, b = t; cross-entropy: a = softmax(y),
  // b = onehot).
  Mat<double> scale;
};

// Always from the correct loss, so that a wrong one cannot move its own goalposts.
template <template <class> class Loss> LossExact loss_exact(const LossCase<Loss>& c);

// The check of one property in S. n counts a column's accumulation (the K
// terms of a softmax sum) plus the roundings around it (difference, exp,
// division, 1/B, the scale).
template <template <class> class Loss, class S> Check check_loss(LossProperty p, const LossCase<Loss>& c, const LossExact& e) {
  const Loss<S> loss = c.loss.template cast<S>();
  const Mat<S> y = c.y.template cast<S>();
  const Mat<mp50> g = loss.gradient(y).template cast<mp50>();
  const double n = static_cast<double>(c.y.rows() + 4);
  Check out;
  switch (p) {
    case LossProperty::gradient: {
      out.error = to_double((g - e.gradient).norm());
      out.bound = bound<S>(n, e.scale.norm());
      out.trivial = e.scale.norm() == 0;
      break;
    }
    case LossProperty::gradient_fd: {
      const mp50 jvp = g.cwiseProduct(c.ydot.template cast<mp50>()).sum();
      const double scale = e.scale.cwiseProduct(c.ydot.cwiseAbs()).sum();
      out.error = to_double(abs(jvp - e.directional));
      out.bound = bound<S>(n, scale);
      out.trivial = scale == 0;
      break;
    }
  }
  return out;
}

}  // namespace moonwalk::verify
