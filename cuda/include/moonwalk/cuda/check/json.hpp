// Reading the conformance vectors (docs/porting.md) on the CUDA side: 50-digit
// decimal strings into long double, operators and networks built on a
// context from their JSON configuration and θ. Needs CUDA, Eigen and
// nlohmann-json only, so that it builds on a GPU machine.
#pragma once

#include "moonwalk/cuda/network.hpp"
#include "moonwalk/reference/ops/op_config.hpp"

#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

namespace moonwalk::cuda::check {

using json = nlohmann::json;

// 50-digit expectations are read in long double, which must be wider than
// double for the double errors to mean anything (x86-64: 64-bit mantissa).
static_assert(std::numeric_limits<long double>::digits >= 64,
              "long double must carry at least 64 bits to measure double-precision errors");
using Wide = long double;

// The scalar's name as the vectors key it (the reference's scalar_name).
template <class S> const char* scalar_name() { return sizeof(S) == 4 ? "float" : "double"; }

struct WideMatrix {
  Index rows = 0, cols = 0;
  std::vector<Wide> data;
};

// {"rows", "cols", "data": [decimal strings, column-major]}.
WideMatrix read_matrix(const json& j);
// A decimal string or a number.
Wide scalar(const json& j);
template <class S> HostMatrix<S> narrow(const WideMatrix& m);
template <class S> std::vector<S> column(const WideMatrix& m) { return narrow<S>(m).data; }

// ‖computed − expected‖_F / ‖expected‖_F (absolute when expected is zero);
// infinite for a shape mismatch or a non-finite entry.
template <class S> double relative_error(const HostMatrix<S>& got, const WideMatrix& want);

// The operator named by `op` with configuration `cfg` (the keys of
// docs/porting.md) and parameters θ in the reference's order.
template <class S> Layer<S> make_layer(Context& ctx, const std::string& op, const json& cfg, const std::vector<S>& theta);
// A network spec as networks.json holds it: layers with explicit params, the
// loss with its target or labels and scale, and the input batch.
template <class S> Network<S> make_network(Context& ctx, const json& spec);
template <class S> HostMatrix<S> network_input(const json& spec);

}  // namespace moonwalk::cuda::check
