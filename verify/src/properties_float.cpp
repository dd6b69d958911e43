// Conformance identities instantiated in float for every registered operator.
#include "moonwalk/verify/dump_impl.hpp"
#include "moonwalk/verify/properties_impl.hpp"

namespace moonwalk::verify {

#define MOONWALK_INSTANTIATE_CHECK(OP) \
  template Check check<reference::OP, float>(Property, const OpCase<reference::OP>&, const Exact&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_CHECK)

#define MOONWALK_INSTANTIATE_DUMP(OP) \
  template nlohmann::json dump_case<reference::OP, float>(const OpCase<reference::OP>&, const Exact&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_DUMP)

}  // namespace moonwalk::verify
