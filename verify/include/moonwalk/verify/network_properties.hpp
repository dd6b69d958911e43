// Properties of the gradient methods on whole networks, the network half of
// the property registry that `moonwalk verify` runs (operators: properties.hpp):
//   gradient_agreement  every method against 50-digit backprop (tolerance policy of docs/spec.md, "Methods")
//   ledger_consistency  every method's ledger against its formula in docs/spec.md, from the network's shapes
//   loss_scaling        loss scale × 2^e scales loss and gradients by exactly 2^e
//   batch_additivity    a batch's loss and gradients are the mean of its samples'
//   error_estimate      every method's own error estimate within a factor 10 of its error against 50 digits
//   certificate         Moonwalk's certificates stay within their bounds on the correct run
// Each check yields one result per method; a method that refuses the network
// (reversible on a non-bijective layer, moonwalk_forward at a non-submersive
// point) is a discarded result with the refusal as its reason. Instantiated
// for float, double and mp50 in verify/src/methods_{float,double,mp50}.cpp.
#pragma once

#include "moonwalk/verify/networks.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace moonwalk::verify {

enum class NetProperty {
  gradient_agreement,
  ledger_consistency,
  loss_scaling,
  batch_additivity,
  error_estimate,
  certificate
};
const std::vector<NetProperty>& all_net_properties();
std::string net_property_name(NetProperty p);

// 50-digit facts about one network, computed once and shared by every precision.
struct NetFacts {
  Vec<mp50> gradients;           // backprop in 50 digits, flattened (flatten(): θ_1..θ_L, ∂ℓ/∂x_0)
  mp50 loss = 0;
  double reference_estimate = 0; // 50-digit backprop's own error estimate: the floor of any error measured against it
  double amplification = 1;      // A = Π_i max_b cond(J_i), the tolerance's condition estimate
  double terms = 0;              // N = Σ_i (in_i + out_i)
  std::vector<Index> cokernel;   // per layer: Σ_b dim coker J_i (50-digit rank)
  std::vector<Index> checkpoint; // per layer: scalars the blocked conv strategy stores, whole batch
};
NetFacts net_facts(const Problem& p);

// Every method of all_methods() run once on one problem in precision S.
template <class S> struct MethodRuns {
  std::vector<reference::Gradients<S>> result;  // indexed like all_methods()
  std::vector<std::string> refused;             // empty where the method ran
  std::vector<bool> broke;                      // the refusal was a NaN or Inf inside the method, not a design limit
};
template <class S> MethodRuns<S> run_methods(const Problem& p, const MethodOptions& o = {});

struct NetCheck {
  std::string method;
  Check check;
};

// The property on one problem, one result per method (ledger_consistency adds
// moonwalk_mixed with depth anchors); `runs` are the problem's own runs in S.
template <class S>
std::vector<NetCheck> check_network(NetProperty p, const Problem& prob, const NetFacts& f, const MethodRuns<S>& runs,
                                    const Shape& s);

// A method's ledger as docs/spec.md's formula gives it from the network's
// shapes, its relu activity in S and the 50-digit cokernels: the peak bytes
// per category (working_set left 0: it is not part of the formula) and of
// what is stored. anchor_every: moonwalk_mixed's depth anchors.
struct LedgerFormula {
  std::array<std::size_t, reference::kCategories> peak{};
  std::size_t stored = 0;
};
template <class S>
LedgerFormula ledger_formula(Method m, std::size_t anchor_every, const reference::Network<S>& net, const Mat<S>& x0,
                             const NetFacts& f);

// A failing network case written out: the network as an explicit spec, the
// 50-digit gradients, and every method's loss and gradients in S.
template <class S> nlohmann::json dump_network(const Problem& p, const NetFacts& f, const MethodRuns<S>& runs);

// The power of two a loss_scaling case multiplies the loss scale by: 2^±(1..6), from the case seed.
inline double loss_scale_factor(const Shape& s) {
  const int e = 1 + static_cast<int>(s.seed % 6);
  return std::ldexp(1.0, (s.seed >> 3) & 1 ? e : -e);
}

}  // namespace moonwalk::verify
