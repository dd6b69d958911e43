// Gradient methods run by name, networks from JSON, and the agreement of every
// method with 50-digit backprop. Instantiated per precision in
// verify/src/methods_{float,double,mp50}.cpp.
#pragma once

#include "moonwalk/reference/methods.hpp"
#include "moonwalk/reference/ops/op_config.hpp"
#include "moonwalk/verify/cases.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace moonwalk::verify {

enum class Method { backprop, backprop_minimal, checkpointed, reversible, naive_forward, moonwalk_forward, moonwalk_mixed };
const std::vector<Method>& all_methods();
std::string method_name(Method m);

struct MethodOptions {
  std::size_t anchor_every = 0;        // moonwalk_mixed's depth anchors
  reference::methods::Faults faults;   // moonwalk_mixed: a fault for its certificate to catch
  double anchor_error = 0;             // moonwalk_mixed: anchors by error budget instead (> 0)
};

template <class S>
reference::Gradients<S> run_method(Method m, const reference::Network<S>& net, const Mat<S>& x0, const MethodOptions& o = {});

// A network and its input batch, in double from exactly representable values.
struct Problem {
  reference::Network<double> net;
  Mat<double> x0;
};

// From a JSON spec (docs/spec.md, "Network specification"): layers by operator
// configuration, a loss, a batch size and a seed for the exact weights,
// inputs and labels that the spec does not give. A refusal (config::ConfigError)
// names the JSON path of the offending value; a spec whose tensors would need
// more than max_bytes (counted in 50-digit scalars, which every check runs) is
// refused with the bytes it needs, before anything is allocated.
std::size_t default_max_bytes();  // half the machine's physical memory
Problem problem_from_json(const nlohmann::json& spec, std::size_t max_bytes = default_max_bytes());
// What one layer of operator `op` configured by `layer` holds in 50-digit
// scalars (parameters, a materialised Jacobian, its input and output batch),
// from the configuration alone (refusals name its path), saturating; 0 for a
// name that is not an operator.
std::size_t layer_bytes(const config::Node& layer, const std::string& op, Index batch);
// A random network of the registered element-wise, dense and coupling
// operators: depth in [1, max_depth] before the final dense layer, widths ≤ 8,
// submersive or not.
Problem random_problem(std::uint64_t seed, int max_depth = 12);

// All gradients of a method as one vector, in 50 digits: θ_1, ..., θ_L, ∂ℓ/∂x_0.
template <class S> Vec<mp50> flatten(const reference::Gradients<S>& g);

// The product over layers of each layer's condition number (largest over the
// batch, 50-digit SVD): what an inverse-forward sweep may amplify rounding by.
// A layer whose vijp restarts from stored checkpoints (conv1d blocked)
// contributes its strategy's own error growth, vijp_amplification(), instead.
double amplification(const Problem& p);

}  // namespace moonwalk::verify
