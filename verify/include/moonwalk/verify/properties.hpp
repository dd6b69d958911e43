// The identities every registered operator must satisfy, evaluated on one
// case in scalar S. Each returns a Check (measured error, bound, verdict).
// Instantiated for float, double and mp50 in verify/src/properties_*.cpp.
#pragma once

#include "moonwalk/verify/cases.hpp"
#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <string>
#include <vector>

namespace moonwalk::verify {

enum class Property {
  vjp_dot,        // ⟨δ, J ẋ + K θ̇⟩ = ⟨vjp_input(δ), ẋ⟩ + ⟨vjp_params(δ), θ̇⟩
  jvp_fd,         // jvp against a 100-digit central difference
  jacobian,       // jacobian(x) e_j = jvp(x, e_j, 0)
  vijp_image,     // vjp(vijp(g, f)) = g for g = vjp(δ) on the image
  vijp_inverse,   // vijp(vjp(δ), fragment(δ)) = δ
  right_inverse,  // J R = I at submersive points, J R J = J elsewhere; R from vijp
  fragment_size,  // fragment size = dim coker J, rank measured in 50 digits
  fragment_residual,  // fragment(input_residual(x), δ) = fragment(x, δ), bit for bit
  inverse,        // inverse(forward(x)) = x, bijective operators only
};

const std::vector<Property>& all_properties();
std::string property_name(Property p);

template <template <class> class Op, class S> Check check(Property p, const OpCase<Op>& c, const Exact& e);

}  // namespace moonwalk::verify
