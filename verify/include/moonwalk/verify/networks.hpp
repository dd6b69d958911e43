// Network classes for the network properties and the network conformance
// vectors: small random networks, one class per regime the methods handle
// differently (relu fragments, convolution vijp strategies, bijective stacks,
// a mixture), built from exactly representable weights, inputs and targets.
// Also: a problem as an explicit JSON spec, and the one-sample problems of a
// batch.
#pragma once

#include "moonwalk/verify/methods.hpp"

#include <random>
#include <string>
#include <vector>

namespace moonwalk::verify {

enum class NetClass {
  dense_relu,  // dense → relu blocks, a tall dense now and then: relu and dense fragments
  conv_relu,   // conv1d → relu blocks (every vijp strategy), global_avg_pool, dense
  conv_leaky,  // conv1d → leaky_relu blocks, patch_downsample1d (rank-deficient for flavor bit 1), global_avg_pool, dense
  coupling,    // additive_coupling with leaky_relu or tanh, no dense: bijective
  mixed,       // dense, relu, leaky_relu, tanh, additive_coupling in random order
  conv2d_relu, // conv2d → relu blocks (every vijp strategy), patch_downsample2d, global_avg_pool, dense
};
const std::vector<NetClass>& all_net_classes();
std::string net_class_name(NetClass c);
NetClass parse_net_class(const std::string& name);

// A network of class c. The Shape's fields read: a = depth (blocks, ≤ 3),
// b = width (units, channels or coupling half), c = positions (convolutions)
// or hidden units (coupling), batch, flavor (class-specific: which
// convolution strategies, a tall layer, patch size), seed (values). Fields
// are clamped to their ranges, so lowering any field (shrinking) still gives
// a valid, smaller network.
Problem make_network(NetClass c, const Shape& s);
// A random network shape: a ∈ [1, 3], b ∈ [1, 4], c ∈ [1, 7], batch ∈ [2, 3].
Shape random_net_shape(std::mt19937_64& g);

// The problem as an explicit spec (docs/spec.md, "Network specification"):
// every parameter, the input, the targets or labels and the loss scale as
// 50-digit decimal strings; problem_from_json reads it back bit for bit.
nlohmann::json problem_json(const Problem& p);

// Sample b alone: its input column and its term of the loss (target column
// or label), with the same loss scale.
Problem sample_problem(const Problem& p, Index b);
// The same problem with its loss scale multiplied by c.
Problem scaled_problem(const Problem& p, double c);

// Scalars the conv1d or conv2d `blocked` strategy stores per sample (its
// seeds times C_out), from the seed rules of docs/spec.md; 0 for any other
// layer.
Index blocked_checkpoint_per_sample(const reference::Network<double>& net, std::size_t i);

}  // namespace moonwalk::verify
