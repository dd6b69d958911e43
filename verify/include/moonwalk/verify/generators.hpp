// RapidCheck generators: shapes shrink toward the smallest dimensions, batch
// 1 and flavor 0; the seed fixes the (exactly representable) values.
#pragma once

#include "moonwalk/verify/cases.hpp"

#include <rapidcheck.h>

#include <ostream>

namespace moonwalk::verify {

inline rc::Gen<Shape> gen_shape(int max_dim = 8) {
  return rc::gen::apply(
      [](int a, int b, int c, int batch, int flavor, std::uint64_t seed) {
        return Shape{a, b, c, batch, flavor, seed};
      },
      rc::gen::inRange(1, max_dim + 1), rc::gen::inRange(1, max_dim + 1), rc::gen::inRange(1, max_dim + 1),
      rc::gen::inRange(1, 4), rc::gen::inRange(0, 4), rc::gen::arbitrary<std::uint64_t>());
}

inline void showValue(const Shape& s, std::ostream& os) { os << describe(s); }

}  // namespace moonwalk::verify

namespace rc {
template <> struct Arbitrary<moonwalk::verify::Shape> {
  static Gen<moonwalk::verify::Shape> arbitrary() { return moonwalk::verify::gen_shape(); }
};
}  // namespace rc
