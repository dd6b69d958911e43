#include "moonwalk/verify/properties.hpp"

namespace moonwalk::verify {

const std::vector<Property>& all_properties() {
  static const std::vector<Property> all{Property::vjp_dot,      Property::jvp_fd,        Property::jacobian,
                                         Property::vijp_image,   Property::vijp_inverse,  Property::right_inverse,
                                         Property::fragment_size, Property::fragment_residual,
                                         Property::inverse};
  return all;
}

std::string property_name(Property p) {
  switch (p) {
    case Property::vjp_dot: return "vjp_dot";
    case Property::jvp_fd: return "jvp_fd";
    case Property::jacobian: return "jacobian";
    case Property::vijp_image: return "vijp_image";
    case Property::vijp_inverse: return "vijp_inverse";
    case Property::right_inverse: return "right_inverse";
    case Property::fragment_size: return "fragment_size";
    case Property::fragment_residual: return "fragment_residual";
    case Property::inverse: return "inverse";
  }
  return "?";
}

}  // namespace moonwalk::verify
