// Test cases for one operator, generated in double from exactly representable
// values (small integers times powers of two), so that every precision starts
// from bit-identical data: casts go up (double → mp50), or down only where the
// value is exact in the narrower type (every generated value is exact in float).
#pragma once

#include "moonwalk/reference/ops.hpp"

#include <cstdint>
#include <random>
#include <string>

namespace moonwalk::verify {

using reference::Index;
using reference::Mat;
using reference::Vec;

// What a generator varies; RapidCheck shrinks these toward small values.
struct Shape {
  int a = 1, b = 1, c = 1;  // operator dimensions, each in [1, 8]
  int batch = 1;            // in [1, 3]
  int flavor = 0;           // in [0, 3]: operator-specific regime (see make_case)
  std::uint64_t seed = 0;   // values
};

std::string describe(const Shape& s);
// "a,b,c,batch,flavor,seed" as printed in replay commands: six unsigned
// decimal integers and nothing else, a, b, c, batch in [1, kMaxShapeDim],
// flavor in [0, 3], seed below 2^64. Anything else is refused
// (std::invalid_argument) with the text quoted.
inline constexpr int kMaxShapeDim = 64;
Shape parse_shape(const std::string& text);
std::string format_shape(const Shape& s);
// A random operator shape: a, b, c ∈ [1, 8], batch ∈ [1, 3], flavor ∈ [0, 3].
Shape random_shape(std::mt19937_64& g);

template <template <class> class Op> struct OpCase {
  Op<double> op;
  Mat<double> x;      // input, in_dim × B
  Mat<double> xdot;   // input tangent
  Vec<double> pdot;   // parameter tangent
  Mat<double> delta;  // output cotangent, out_dim × B
};

// Exactly representable draws: integers in [lo, hi] times 2^-shift.
class ExactRng {
public:
  explicit ExactRng(std::uint64_t seed) : g_(seed) {}
  double value(int lo, int hi, int shift) {
    return std::ldexp(static_cast<double>(std::uniform_int_distribution<int>(lo, hi)(g_)), -shift);
  }
  double nonzero(int hi, int shift) {
    const int v = std::uniform_int_distribution<int>(1, hi)(g_);
    return std::ldexp(static_cast<double>(coin() ? v : -v), -shift);
  }
  bool coin() { return std::uniform_int_distribution<int>(0, 1)(g_) == 1; }
  Mat<double> matrix(Index r, Index c, int hi, int shift) {
    Mat<double> m(r, c);
    for (Index j = 0; j < c; ++j)
      for (Index i = 0; i < r; ++i) m(i, j) = value(-hi, hi, shift);
    return m;
  }
  Mat<double> nonzero_matrix(Index r, Index c, int hi, int shift) {
    Mat<double> m(r, c);
    for (Index j = 0; j < c; ++j)
      for (Index i = 0; i < r; ++i) m(i, j) = nonzero(hi, shift);
    return m;
  }
  std::mt19937_64& engine() { return g_; }

private:
  std::mt19937_64 g_;
};

// The generator of each registered operator; defined in verify/src/cases.cpp.
template <template <class> class Op> OpCase<Op> make_case(const Shape& s);

}  // namespace moonwalk::verify
