// Scalar types of the reference: float, double, and 50- and 100-digit binary
// floats from Boost.Multiprecision without expression templates, so that
// Eigen's decompositions (LU, QR, SVD) work on them unchanged.
#pragma once

#include <boost/math/special_functions/fpclassify.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/eigen.hpp>

#include <cmath>
#include <limits>
#include <string>

namespace moonwalk {

using mp50 = boost::multiprecision::number<boost::multiprecision::backends::cpp_bin_float<50>,
                                           boost::multiprecision::et_off>;
using mp100 = boost::multiprecision::number<boost::multiprecision::backends::cpp_bin_float<100>,
                                            boost::multiprecision::et_off>;

template <class S> S eps() { return std::numeric_limits<S>::epsilon(); }

template <class S> int digits10() { return std::numeric_limits<S>::digits10; }

template <class S> std::string scalar_name();
template <> inline std::string scalar_name<float>() { return "float"; }
template <> inline std::string scalar_name<double>() { return "double"; }
template <> inline std::string scalar_name<mp50>() { return "mp50"; }
template <> inline std::string scalar_name<mp100>() { return "mp100"; }

template <class S> bool is_finite(const S& x) { return (boost::math::isfinite)(x); }

template <class S> double to_double(const S& x) { return static_cast<double>(x); }

}  // namespace moonwalk
