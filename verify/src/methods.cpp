#include "moonwalk/verify/methods.hpp"

#include "moonwalk/verify/network_properties.hpp"

#include "moonwalk/verify/exact.hpp"

#include <cmath>
#include <limits>
#include <optional>

namespace moonwalk::verify {

using namespace moonwalk::reference;

const std::vector<Method>& all_methods() {
  static const std::vector<Method> all{Method::backprop,      Method::backprop_minimal, Method::checkpointed,
                                       Method::reversible,    Method::naive_forward,    Method::moonwalk_forward,
                                       Method::moonwalk_mixed};
  return all;
}

std::string method_name(Method m) {
  switch (m) {
    case Method::backprop: return "backprop";
    case Method::backprop_minimal: return "backprop_minimal";
    case Method::checkpointed: return "checkpointed";
    case Method::reversible: return "reversible";
    case Method::naive_forward: return "naive_forward";
    case Method::moonwalk_forward: return "moonwalk_forward";
    case Method::moonwalk_mixed: return "moonwalk_mixed";
  }
  return "?";
}

namespace {

// Per layer, the 50-digit spectrum of J at every sample. A Jacobian that does
// not depend on the sample (dense, convolutions, pooling) is decomposed once.
template <class F> void for_each_layer_spectra(const Problem& p, F&& f) {
  Mat<mp50> x = p.x0.cast<mp50>();
  const Network<mp50> net = p.net.cast<mp50>();
  for (std::size_t i = 0; i < net.depth(); ++i) {
    std::vector<SpectrumSummary> spectra;
    Mat<mp50> previous;
    for (Index b = 0; b < x.cols(); ++b) {
      const Vec<mp50> xb = x.col(b);
      Mat<mp50> J = std::visit([&](const auto& op) { return op.jacobian(xb); }, net.layers[i]);
      spectra.push_back(b > 0 && J == previous ? spectra.back() : spectrum(J));
      previous = std::move(J);
    }
    f(i, spectra);
    x = net.forward(i, x);
  }
}

template <class Op> auto restart_amplification(const Op& op, int)
    -> decltype(op.checkpoint_size(Mat<double>()), op.vijp_amplification(), std::optional<double>()) {
  if (op.checkpoint_size(Mat<double>::Zero(op.in_dim(), 1)) == 0) return std::nullopt;
  return op.vijp_amplification();
}
template <class Op> std::optional<double> restart_amplification(const Op&, long) { return std::nullopt; }

// What layer i's vijp may amplify rounding by: cond(J), largest over the
// batch, for a vijp that solves with J (backward stable, error ≈ u·cond(J)).
// A strategy that restarts from stored checkpoints (conv1d blocked) never
// solves with the whole J, whose condition its seeds bypass (with zero padding
// the first rows of J miss the pivot tap, and cond(J) is huge while the vijp
// is accurate); its error growth is its own vijp_amplification().
double layer_condition(const Layer<double>& layer, const std::vector<SpectrumSummary>& spectra) {
  if (const auto a = std::visit([](const auto& op) { return restart_amplification(op, 0); }, layer)) return *a;
  double worst = 1;
  for (const auto& s : spectra) worst = std::max(worst, s.cond());
  return worst;
}

}  // namespace

double amplification(const Problem& p) {
  double a = 1;
  for_each_layer_spectra(p, [&](std::size_t i, const std::vector<SpectrumSummary>& spectra) {
    a *= layer_condition(p.net.layers[i], spectra);
  });
  return a;
}

NetFacts net_facts(const Problem& p) {
  NetFacts f;
  const auto g = run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>()));
  f.gradients = flatten(g);
  f.loss = g.loss;
  f.reference_estimate = g.estimate;
  for_each_layer_spectra(p, [&](std::size_t i, const std::vector<SpectrumSummary>& spectra) {
    Index cokernel = 0;
    for (const auto& s : spectra) cokernel += p.net.out_dim(i) - s.rank;
    f.amplification *= layer_condition(p.net.layers[i], spectra);
    f.terms += static_cast<double>(p.net.in_dim(i) + p.net.out_dim(i));
    f.cokernel.push_back(cokernel);
    f.checkpoint.push_back(blocked_checkpoint_per_sample(p.net, i) * p.x0.cols());
  });
  return f;
}

}  // namespace moonwalk::verify
