#include "moonwalk/reference/tensor.hpp"

#include <catch2/catch.hpp>

#include <iostream>

using namespace moonwalk;
using reference::Mat;
using reference::Vec;

TEMPLATE_TEST_CASE("scalar: epsilon, digits and a QR solve to working precision", "[scalar]", float, double, mp50,
                   mp100) {
  using S = TestType;
  std::cout << scalar_name<S>() << ": epsilon " << to_double(eps<S>()) << ", digits10 " << digits10<S>() << "\n";
  CHECK(eps<S>() > 0);
  CHECK(eps<S>() < 1);

  // A Hilbert-like system with an exactly representable solution: A = I·4 + 1/(i+j+1)
  // has cond ≈ 2, so the solve must land within a few epsilon.
  const int n = 12;
  Mat<S> A(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) A(i, j) = S(1) / S(i + j + 1) + (i == j ? S(4) : S(0));
  Vec<S> x(n);
  for (int i = 0; i < n; ++i) x(i) = S(i - 5) / S(8);
  const Vec<S> b = A * x;
  const Vec<S> solved = A.colPivHouseholderQr().solve(b);
  // cond only scales the bound, so double's SVD serves every S (an SVD in
  // 50 and 100 digits would triple this file's compile time).
  Eigen::JacobiSVD<Mat<double>> svd(A.template cast<double>());
  const S cond = S(svd.singularValues()(0) / svd.singularValues()(n - 1));
  const S rel = (solved - x).norm() / x.norm();
  std::cout << "  cond " << to_double(cond) << ", relative error " << to_double(rel) << "\n";
  // Backward-stable QR: forward error ≤ c · n · u · cond with a modest c.
  CHECK(rel <= S(4 * n) * eps<S>() * cond);
  const Vec<S> lu = A.partialPivLu().solve(b);
  CHECK((lu - x).norm() / x.norm() <= S(4 * n) * eps<S>() * cond);
}

TEST_CASE("scalar: multiprecision epsilon is near the digits it names", "[scalar]") {
  CHECK(to_double(eps<mp50>()) < 1e-49);
  CHECK(to_double(eps<mp100>()) < 1e-99);
  CHECK(digits10<mp50>() >= 50);
  CHECK(digits10<mp100>() >= 100);
}
