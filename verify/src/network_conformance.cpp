// The network rows of `moonwalk verify`: every network property over random
// networks of every class, at every precision. The 50-digit facts of a
// network and each precision's method runs are computed once per case and
// shared by the properties.
#include "moonwalk/verify/conformance.hpp"

#include "moonwalk/verify/network_properties.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <type_traits>

namespace moonwalk::verify {

const std::vector<NetProperty>& all_net_properties() {
  static const std::vector<NetProperty> all{NetProperty::gradient_agreement, NetProperty::ledger_consistency,
                                            NetProperty::loss_scaling,       NetProperty::batch_additivity,
                                            NetProperty::error_estimate,     NetProperty::certificate};
  return all;
}

std::string net_property_name(NetProperty p) {
  switch (p) {
    case NetProperty::gradient_agreement: return "gradient_agreement";
    case NetProperty::ledger_consistency: return "ledger_consistency";
    case NetProperty::loss_scaling: return "loss_scaling";
    case NetProperty::batch_additivity: return "batch_additivity";
    case NetProperty::error_estimate: return "error_estimate";
    case NetProperty::certificate: return "certificate";
  }
  return "?";
}

namespace {

// "dense relu conv1d/banded ..., batch 2": what a failing network is.
std::string prob_summary(const Problem& p) {
  std::string out = "network";
  for (std::size_t i = 0; i < p.net.depth(); ++i) {
    out += " " + p.net.layer_name(i);
    if (const auto* conv = std::get_if<reference::Conv1d<double>>(&p.net.layers[i]))
      out += std::string("/") + reference::conv_strategy_name(conv->spec().strategy);
    if (const auto* conv = std::get_if<reference::Conv2d<double>>(&p.net.layers[i]))
      out += std::string("/") + reference::conv_strategy_name(conv->spec().strategy);
  }
  return out + ", batch " + std::to_string(p.x0.cols());
}

template <class S>
std::vector<NetCheck> evaluate(NetProperty p, const Problem& prob, const NetFacts& f, const MethodRuns<S>& runs,
                               const Shape& s, double bound_scale) {
  // In 50 digits the yardstick is itself a 50-digit computation with an error
  // of the estimate's own size: the estimate is tested in float and double.
  if (p == NetProperty::error_estimate && std::is_same_v<S, mp50>) return {};
  std::vector<NetCheck> checks = check_network<S>(p, prob, f, runs, s);
  for (auto& c : checks) c.check.bound *= bound_scale;
  return checks;
}

template <class S> bool fails(NetProperty p, NetClass cls, const Shape& s, double bound_scale) {
  const Problem prob = make_network(cls, s);
  const NetFacts f = net_facts(prob);
  for (const auto& c : evaluate<S>(p, prob, f, run_methods<S>(prob), s, bound_scale))
    if (!c.check.pass()) return true;
  return false;
}

template <class S>
void record_failure(ConformanceRow& row, NetProperty p, NetClass cls, const Shape& found, const ConformanceOptions& o) {
  const Shape s = shrink_shape(found, [&](const Shape& t) {
    try {
      return fails<S>(p, cls, t, o.bound_scale);
    } catch (const std::exception&) {
      return false;  // a smaller network that cannot be built is not a counterexample
    }
  });
  const Problem prob = make_network(cls, s);
  const NetFacts f = net_facts(prob);
  const MethodRuns<S> runs = run_methods<S>(prob);
  const auto checks = evaluate<S>(p, prob, f, runs, s, o.bound_scale);
  nlohmann::json results = nlohmann::json::array();
  std::string first;
  for (const auto& c : checks) {
    results.push_back({{"method", c.method}, {"applicable", c.check.applicable}, {"error", c.check.error},
                       {"bound", c.check.bound}, {"pass", c.check.pass()}, {"detail", c.check.detail}});
    if (first.empty() && !c.check.pass()) first = c.method + ": " + c.check.describe();
  }
  row.first_failure = "seed " + std::to_string(o.seed) + ", shrunk to " + describe(s) + ", " + prob_summary(prob) + ": " + first;
  row.replay = "moonwalk verify --net " + row.op + " --precision " + row.precision + " --property " + row.property +
               " --shape " + format_shape(s) + (o.bound_scale != 1 ? " --bound-scale " + std::to_string(o.bound_scale) : "");
  row.dump = o.dump_dir + "/moonwalk-failure-" + row.op + "-" + row.precision + "-" + row.property + ".json";
  nlohmann::json j = dump_network<S>(prob, f, runs);
  j["network_class"] = row.op;
  j["property"] = row.property;
  j["shape"] = format_shape(s);
  j["results"] = results;
  j["replay"] = row.replay;
  std::ofstream(row.dump) << j.dump(2) << "\n";
}

template <class S>
void accumulate(ConformanceRow& row, NetProperty p, NetClass cls, const Problem& prob, const NetFacts& f,
                const MethodRuns<S>& runs, const Shape& s, const ConformanceOptions& o) {
  for (const NetCheck& c : evaluate<S>(p, prob, f, runs, s, o.bound_scale)) {
    ConformancePart& part = row.parts[c.method];
    if (!c.check.applicable) {
      ++row.not_applicable;
      ++part.discarded;
      if (part.reason.empty()) part.reason = c.check.detail;
      continue;
    }
    ++row.cases;
    ++part.cases;
    row.trivial += c.check.trivial;
    if (std::isfinite(c.check.sample)) row.samples.push_back(c.check.sample);
    row.at_floor += c.check.at_floor;
    const double ratio = c.check.bound > 0 ? c.check.error / c.check.bound : (c.check.error > 0 ? INFINITY : 0);
    if (!c.check.pass()) {
      ++part.failures;
      if (row.failures++ == 0) record_failure<S>(row, p, cls, s, o);
    }
    if (c.check.error >= row.max_error) row.max_error = c.check.error, row.bound_at_max = c.check.bound;
    row.max_ratio = std::max(row.max_ratio, ratio);
    part.max_ratio = std::max(part.max_ratio, ratio);
  }
}

}  // namespace

void run_network_conformance(const ConformanceOptions& o, std::vector<ConformanceRow>& rows) {
  if (!o.op.empty() && o.net.empty()) return;
  std::vector<NetClass> classes;
  for (NetClass c : all_net_classes())
    if (o.net.empty() || net_class_name(c) == o.net) classes.push_back(c);
  if (classes.empty()) parse_net_class(o.net);  // throws, naming the classes
  std::vector<NetProperty> props;
  for (NetProperty p : all_net_properties())
    if (o.property.empty() || net_property_name(p) == o.property) props.push_back(p);
  if (props.empty()) return;

  for (NetClass cls : classes) {
    const std::string name = net_class_name(cls);
    std::vector<std::vector<ConformanceRow>> local;  // [precision][property]
    for (const std::string& prec : o.precisions) {
      local.emplace_back();
      for (NetProperty p : props) {
        ConformanceRow r;
        r.op = name, r.precision = prec, r.property = net_property_name(p), r.network = true;
        local.back().push_back(std::move(r));
      }
    }
    std::mt19937_64 g(o.seed);
    const int n = o.shape ? 1 : o.cases;
    for (int k = 0; k < n; ++k) {
      const Shape s = o.shape ? *o.shape : random_net_shape(g);
      const Problem prob = make_network(cls, s);
      const NetFacts f = net_facts(prob);
      for (std::size_t q = 0; q < o.precisions.size(); ++q) {
        auto run = [&](auto tag) {
          using S = decltype(tag);
          const MethodRuns<S> runs = run_methods<S>(prob);
          for (std::size_t i = 0; i < props.size(); ++i) accumulate<S>(local[q][i], props[i], cls, prob, f, runs, s, o);
        };
        if (o.precisions[q] == "float") run(float{});
        else if (o.precisions[q] == "double") run(double{});
        else run(mp50{});
      }
    }
    for (auto& by_prec : local)
      for (auto& r : by_prec) {
        const int total = r.cases + r.not_applicable;
        if (total == 0) continue;
        // No vacuous pass: most results must say something, and most must have run.
        if (!o.shape && 2 * r.trivial > r.cases && r.failures++ == 0)
          r.first_failure = "vacuous: " + std::to_string(r.trivial) + " of " + std::to_string(r.cases) +
                            " results were zero gradients or had a tolerance of 1 or more";
        if (!o.shape && 2 * r.not_applicable >= total && r.failures++ == 0)
          r.first_failure = "discards are not a minority: " + std::to_string(r.not_applicable) + " of " +
                            std::to_string(total) + " method runs refused the network";
        rows.push_back(std::move(r));
      }
  }
}

}  // namespace moonwalk::verify
