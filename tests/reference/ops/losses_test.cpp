// The losses against 100-digit central differences of their values.
#include "moonwalk/reference/ops/mse.hpp"
#include "moonwalk/reference/ops/softmax_cross_entropy.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace moonwalk;
using namespace moonwalk::reference;

namespace {

template <class Loss> double gradient_error(const Loss& loss, const Mat<double>& y) {
  const auto hp = loss.template cast<mp100>();
  const Mat<mp100> y100 = y.cast<mp100>();
  const mp100 h = ldexp(mp100(1), -100);
  const Mat<double> g = loss.gradient(y);
  double worst = 0;
  for (Index j = 0; j < y.cols(); ++j)
    for (Index i = 0; i < y.rows(); ++i) {
      Mat<mp100> p = y100, m = y100;
      p(i, j) += h;
      m(i, j) -= h;
      const mp100 fd = (hp.value(p) - hp.value(m)) / (2 * h);
      worst = std::max(worst, std::abs(g(i, j) - to_double(fd)));
    }
  return worst;
}

Mat<double> logits() {
  Mat<double> y(3, 2);
  y << 0.5, -1.25, 2, 0.75, -0.5, 3;
  return y;
}

}  // namespace

TEST_CASE("mse: gradient equals a 100-digit central difference", "[mse][gradient]") {
  const Mse<double> loss(Mat<double>::Constant(3, 2, 0.25));
  const Mat<double> y = logits();
  // (y − t)/B: one subtraction and one division, a few ulps of |y| + |t|.
  CHECK(gradient_error(loss, y) <= 4 * std::numeric_limits<double>::epsilon() * (y.cwiseAbs().maxCoeff() + 0.25));
  CHECK_THROWS_WITH(loss.value(Mat<double>::Ones(2, 2)), Catch::Contains("mse: prediction and target"));
}

TEST_CASE("softmax_cross_entropy: gradient equals a 100-digit central difference", "[softmax_cross_entropy][gradient]") {
  const SoftmaxCrossEntropy<double> loss(3, {2, 0});
  // Each entry of softmax − onehot is a sum of K exponentials, normalised: n = K terms.
  CHECK(gradient_error(loss, logits()) <= 4 * 3 * std::numeric_limits<double>::epsilon());
  CHECK_THROWS_WITH(SoftmaxCrossEntropy<double>(3, {3}), Catch::Contains("softmax_cross_entropy: label 3 out of range"));
  Mat<double> y = logits();
  y(0, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(loss.gradient(y), Catch::Contains("softmax_cross_entropy: logits holds a non-finite"));
}
