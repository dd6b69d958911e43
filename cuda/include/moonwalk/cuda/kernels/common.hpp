// Per-element math of the CUDA kernels, written as __host__ __device__
// functions of an index and raw column-major arrays: a kernel calls them for
// each index, and a CPU test calls them in a loop and compares with the
// reference, so the index math is checked without a GPU. Plain C++ when not
// compiled by nvcc.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>

#ifndef MOONWALK_HD  // also defined, identically, by reference/ops/conv_geometry.hpp
#if defined(__CUDACC__)
#define MOONWALK_HD __host__ __device__
#else
#define MOONWALK_HD
#endif
#endif

namespace moonwalk::cuda::kernels {

using Index = std::ptrdiff_t;

// Elementary functions by precision, the same names on host and device.
MOONWALK_HD inline float tanh_of(float x) { return tanhf(x); }
MOONWALK_HD inline double tanh_of(double x) { return tanh(x); }
MOONWALK_HD inline float cosh_of(float x) { return coshf(x); }
MOONWALK_HD inline double cosh_of(double x) { return cosh(x); }
MOONWALK_HD inline float exp_of(float x) { return expf(x); }
MOONWALK_HD inline double exp_of(double x) { return exp(x); }
MOONWALK_HD inline float log_of(float x) { return logf(x); }
MOONWALK_HD inline double log_of(double x) { return log(x); }
MOONWALK_HD inline float sqrt_of(float x) { return sqrtf(x); }
MOONWALK_HD inline double sqrt_of(double x) { return sqrt(x); }
MOONWALK_HD inline float cos_of(float x) { return cosf(x); }
MOONWALK_HD inline double cos_of(double x) { return cos(x); }
MOONWALK_HD inline float sin_of(float x) { return sinf(x); }
MOONWALK_HD inline double sin_of(double x) { return sin(x); }
MOONWALK_HD inline float abs_of(float x) { return fabsf(x); }
MOONWALK_HD inline double abs_of(double x) { return fabs(x); }
template <class S> MOONWALK_HD bool finite_of(S x) {
#if defined(__CUDA_ARCH__)
  return isfinite(x);
#else
  return std::isfinite(x);
#endif
}

// The smallest positive normal number (std::numeric_limits is host-only).
template <class S> struct Limits;
template <> struct Limits<float> {
  MOONWALK_HD static float min() { return FLT_MIN; }
};
template <> struct Limits<double> {
  MOONWALK_HD static double min() { return DBL_MIN; }
};

MOONWALK_HD inline int popcount(std::uint64_t w) {
#if defined(__CUDA_ARCH__)
  return __popcll(w);
#else
  return __builtin_popcountll(w);
#endif
}

// ---- bit masks --------------------------------------------------------------

MOONWALK_HD inline bool mask_bit(const std::uint64_t* words, Index k) { return (words[k >> 6] >> (k & 63)) & 1u; }

// Word w of the mask of the n entries of a column-major array: bit b set when
// pred(entry 64·w + b) holds.
template <class Pred> MOONWALK_HD std::uint64_t pack_word(Index w, Index n, Pred pred) {
  std::uint64_t word = 0;
  const Index first = w * 64;
  const Index last = first + 64 < n ? first + 64 : n;
  for (Index k = first; k < last; ++k)
    if (pred(k)) word |= std::uint64_t{1} << (k - first);
  return word;
}

// Entries of word w that are clear, among the n the mask covers.
MOONWALK_HD inline int clear_bits(const std::uint64_t* words, Index w, Index n) {
  const Index valid = n - w * 64 < 64 ? n - w * 64 : 64;
  const std::uint64_t in_range = valid == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << valid) - 1;
  return popcount(~words[w] & in_range);
}

// Rank of clear entry k among the clear entries of the mask, given the
// exclusive prefix sum `before` of clear_bits over the words.
MOONWALK_HD inline Index clear_rank(const std::uint64_t* words, const Index* before, Index k) {
  const Index w = k >> 6;
  const int b = static_cast<int>(k & 63);
  const std::uint64_t below = b == 0 ? 0 : ~words[w] & ((std::uint64_t{1} << b) - 1);
  return before[w] + popcount(below);
}

}  // namespace moonwalk::cuda::kernels
