// A reference operator's configuration as JSON and the way back, through the
// one configuration reader (reference/ops/op_config.hpp) that the CUDA path
// shares. Used by the conformance vectors and network specs; the keys are
// documented in docs/porting.md. Every operator of the list has one.
#pragma once

#include "moonwalk/reference/ops/op_config.hpp"
#include "moonwalk/verify/cases.hpp"

#include <nlohmann/json.hpp>

namespace moonwalk::verify {

template <template <class> class Op> nlohmann::json op_config(const Op<double>& op);
// The operator with every parameter zero (refusals name the node's path),
// then with the given parameters.
template <template <class> class Op> Op<double> op_shell(const config::Node& config);
template <template <class> class Op> Op<double> op_shell(const nlohmann::json& config) {
  return op_shell<Op>(config::Node(config, ""));
}
template <template <class> class Op> Op<double> op_from_config(const nlohmann::json& config, const Vec<double>& params) {
  Op<double> op = op_shell<Op>(config);
  op.set_params(params);
  return op;
}

}  // namespace moonwalk::verify
