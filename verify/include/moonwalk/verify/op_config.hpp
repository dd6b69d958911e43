// An operator's configuration as JSON (what, besides its flat parameter
// vector θ, a port needs to rebuild it), and the way back. Used by the
// conformance vectors; the keys are documented in docs/porting.md.
#pragma once

#include "moonwalk/verify/cases.hpp"

#include <nlohmann/json.hpp>

#include <type_traits>

namespace moonwalk::verify {

// Operators with a configuration reader; only these are exported as vectors.
template <template <class> class Op> struct HasConfig : std::false_type {};
#define MOONWALK_HAS_CONFIG(OP) \
  template <> struct HasConfig<reference::OP> : std::true_type {};
MOONWALK_HAS_CONFIG(Dense)
MOONWALK_HAS_CONFIG(LeakyRelu)
MOONWALK_HAS_CONFIG(Relu)
MOONWALK_HAS_CONFIG(Tanh)
MOONWALK_HAS_CONFIG(AdditiveCoupling)
MOONWALK_HAS_CONFIG(GlobalAvgPool)
MOONWALK_HAS_CONFIG(Conv1d)
MOONWALK_HAS_CONFIG(PatchDownsample1d)
MOONWALK_HAS_CONFIG(Conv2d)
MOONWALK_HAS_CONFIG(PatchDownsample2d)
#undef MOONWALK_HAS_CONFIG

template <template <class> class Op> nlohmann::json op_config(const Op<double>& op);
// The operator with every parameter zero, then with the given parameters.
template <template <class> class Op> Op<double> op_shell(const nlohmann::json& config);
template <template <class> class Op> Op<double> op_from_config(const nlohmann::json& config, const Vec<double>& params) {
  Op<double> op = op_shell<Op>(config);
  op.set_params(params);
  return op;
}

}  // namespace moonwalk::verify
