// Conformance identities, dumps and vector outputs instantiated in double for every registered operator.
#include "moonwalk/verify/dump_impl.hpp"
#include "moonwalk/verify/properties_impl.hpp"
#include "moonwalk/verify/vectors_impl.hpp"

namespace moonwalk::verify {

#define MOONWALK_INSTANTIATE_CHECK(OP) \
  template Check check<reference::OP, double>(Property, const OpCase<reference::OP>&, const Exact&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_CHECK)

#define MOONWALK_INSTANTIATE_DUMP(OP) \
  template nlohmann::json dump_case<reference::OP, double>(const OpCase<reference::OP>&, const Exact&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_DUMP)

#define MOONWALK_INSTANTIATE_OUTPUTS(OP) \
  template Outputs vector_outputs<reference::OP, double>(const reference::OP<double>&, const VectorInputs&);
MOONWALK_OPERATORS(MOONWALK_INSTANTIATE_OUTPUTS)

}  // namespace moonwalk::verify
