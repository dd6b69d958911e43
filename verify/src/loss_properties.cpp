#include "moonwalk/verify/loss_properties.hpp"

#include <algorithm>

namespace moonwalk::verify {

using namespace moonwalk::reference;

const std::vector<LossProperty>& all_loss_properties() {
  static const std::vector<LossProperty> all{LossProperty::gradient, LossProperty::gradient_fd};
  return all;
}

std::string loss_property_name(LossProperty p) {
  switch (p) {
    case LossProperty::gradient: return "gradient";
    case LossProperty::gradient_fd: return "gradient_fd";
  }
  return "?";
}

namespace {

struct Drawn {
  Index rows, cols;
  double scale;
  int shift;  // y = integers in [−16, 16] / 2^shift
};

// Loss scales 1, 1/2, 8 and 3/16 (not a power of two: it rounds).
Drawn draw(const Shape& s) {
  static const double scales[] = {1.0, 0.5, 8.0, 0.1875};
  const int flavor = std::clamp(s.flavor, 0, 3);
  return {std::clamp<Index>(s.a, 1, 8), std::clamp<Index>(s.batch, 1, 3), scales[flavor], flavor == 3 ? -2 : 2};
}

}  // namespace

template <> LossCase<Mse> make_loss_case<Mse>(const Shape& s) {
  const Drawn d = draw(s);
  ExactRng r(s.seed);
  const Mat<double> y = r.matrix(d.rows, d.cols, 16, d.shift), t = r.matrix(d.rows, d.cols, 16, d.shift);
  return {Mse<double>(t, d.scale), y, r.matrix(d.rows, d.cols, 16, 3)};
}

template <> LossCase<SoftmaxCrossEntropy> make_loss_case<SoftmaxCrossEntropy>(const Shape& s) {
  const Drawn d = draw(s);
  ExactRng r(s.seed);
  const Mat<double> y = r.matrix(d.rows, d.cols, 16, d.shift);
  std::vector<Index> labels;
  for (Index j = 0; j < d.cols; ++j) labels.push_back(static_cast<Index>(r.value(0, static_cast<int>(d.rows) - 1, 0)));
  return {SoftmaxCrossEntropy<double>(d.rows, labels, d.scale), y, r.matrix(d.rows, d.cols, 16, 3)};
}

template <template <class> class Loss> LossExact loss_exact(const LossCase<Loss>& c) {
  const Loss<mp100> loss = c.loss.template cast<mp100>();
  const Mat<mp100> y = c.y.template cast<mp100>();
  // Truncation h²·ℓ''' ≈ 2⁻²⁰⁰ and cancellation ε(mp100)/h ≈ 2⁻²³⁰: far below 50 digits.
  const mp100 h = ldexp(mp100(1), -100);
  auto difference = [&](const Mat<mp100>& d) { return mp50((loss.value(y + h * d) - loss.value(y - h * d)) / (2 * h)); };
  LossExact e;
  e.gradient.resize(y.rows(), y.cols());
  for (Index i = 0; i < y.size(); ++i) {
    Mat<mp100> d = Mat<mp100>::Zero(y.rows(), y.cols());
    d(i) = 1;
    e.gradient(i) = difference(d);
  }
  e.directional = difference(c.ydot.template cast<mp100>());
  const double s = std::abs(to_double(loss.scale())) / static_cast<double>(y.cols());
  if constexpr (std::is_same_v<Loss<double>, Mse<double>>) {
    e.scale = s * (c.y.cwiseAbs() + c.loss.target().cwiseAbs());
  } else {
    Mat<double> softmax(y.rows(), y.cols()), onehot = Mat<double>::Zero(y.rows(), y.cols());
    for (Index j = 0; j < y.cols(); ++j) {
      const mp100 m = y.col(j).maxCoeff();
      mp100 z = 0;
      for (Index i = 0; i < y.rows(); ++i) z += exp(y(i, j) - m);
      for (Index i = 0; i < y.rows(); ++i) softmax(i, j) = to_double(mp100(exp(y(i, j) - m) / z));
      onehot(c.loss.labels()[static_cast<std::size_t>(j)], j) = 1;
    }
    e.scale = s * (softmax + onehot);
  }
  return e;
}

template LossExact loss_exact<Mse>(const LossCase<Mse>&);
template LossExact loss_exact<SoftmaxCrossEntropy>(const LossCase<SoftmaxCrossEntropy>&);

}  // namespace moonwalk::verify
