// A failing case written out in full: the shape, the inputs, every quantity
// the identities compare (computed in the failing precision) and the exact
// references (50 digits), so that a failure can be studied without rerunning.
#pragma once

#include "moonwalk/verify/exact.hpp"

#include <nlohmann/json.hpp>

namespace moonwalk::verify {

template <template <class> class Op, class S> nlohmann::json dump_case(const OpCase<Op>& c, const Exact& e);

}  // namespace moonwalk::verify
