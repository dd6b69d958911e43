#include "moonwalk/verify/conformance.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/dump.hpp"
#include "moonwalk/verify/loss_properties.hpp"
#include "moonwalk/verify/network_properties.hpp"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

namespace moonwalk::verify {

Shape shrink_shape(Shape s, const std::function<bool(const Shape&)>& fails) {
  for (bool progress = true; progress;) {
    progress = false;
    for (int Shape::*field : {&Shape::a, &Shape::b, &Shape::c, &Shape::batch, &Shape::flavor}) {
      const int lowest = field == &Shape::flavor ? 0 : 1;
      while (s.*field > lowest) {
        Shape t = s;
        --(t.*field);
        if (!fails(t)) break;
        s = t;
        progress = true;
      }
    }
  }
  return s;
}

std::vector<std::string> all_property_names() {
  std::vector<std::string> names;
  for (Property p : all_properties()) names.push_back(property_name(p));
  for (LossProperty p : all_loss_properties()) names.push_back(loss_property_name(p));
  for (NetProperty p : all_net_properties()) names.push_back(net_property_name(p));
  return names;
}

Shape random_shape(std::mt19937_64& g) {
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  Shape s;
  s.a = in(1, 8), s.b = in(1, 8), s.c = in(1, 8), s.batch = in(1, 3), s.flavor = in(0, 3);
  s.seed = g();
  return s;
}

namespace {

template <template <class> class Op, class S>
Check evaluate(Property p, const OpCase<Op>& c, const Exact& e, double bound_scale) {
  Check r = check<Op, S>(p, c, e);
  r.bound *= bound_scale;
  return r;
}

template <template <class> class Op, class S> Check evaluate(Property p, const Shape& s, double bound_scale) {
  const OpCase<Op> c = make_case<Op>(s);
  return evaluate<Op, S>(p, c, exact_facts(c), bound_scale);
}

template <template <class> class Op, class S> Shape shrink(Property p, Shape s, double bound_scale) {
  return shrink_shape(s, [&](const Shape& t) {
    try {
      return !evaluate<Op, S>(p, t, bound_scale).pass();
    } catch (const std::exception&) {
      return false;  // a smaller shape the operator refuses is not a counterexample
    }
  });
}

template <template <class> class Op, class S>
void record_failure(ConformanceRow& row, Property p, const Shape& found, const ConformanceOptions& o) {
  const Shape s = shrink<Op, S>(p, found, o.bound_scale);
  const OpCase<Op> c = make_case<Op>(s);
  const Exact e = exact_facts(c);
  const Check r = evaluate<Op, S>(p, c, e, o.bound_scale);
  row.first_failure = "seed " + std::to_string(o.seed) + ", shrunk to " + describe(s) + ": " + r.describe();
  row.replay = "moonwalk verify --op " + row.op + " --precision " + row.precision + " --property " + row.property +
               " --shape " + format_shape(s) + (o.bound_scale != 1 ? " --bound-scale " + std::to_string(o.bound_scale) : "");
  row.dump = o.dump_dir + "/moonwalk-failure-" + row.op + "-" + row.precision + "-" + row.property + ".json";
  nlohmann::json j = dump_case<Op, S>(c, e);
  j["property"] = row.property;
  j["shape"] = format_shape(s);
  j["error"] = r.error;
  j["bound"] = r.bound;
  j["replay"] = row.replay;
  std::ofstream(row.dump) << j.dump(2) << "\n";
}

template <template <class> class Op, class S>
void accumulate(ConformanceRow& row, Property p, const OpCase<Op>& c, const Exact& e, const Shape& s,
                const ConformanceOptions& o) {
  const Check r = evaluate<Op, S>(p, c, e, o.bound_scale);
  if (!r.applicable) {
    ++row.not_applicable;
    return;
  }
  ++row.cases;
  row.trivial += r.trivial;
  if (!r.pass() && row.failures++ == 0) record_failure<Op, S>(row, p, s, o);
  const double ratio = r.bound > 0 ? r.error / r.bound : (r.error > 0 ? INFINITY : 0);
  if (r.error >= row.max_error) row.max_error = r.error, row.bound_at_max = r.bound;
  row.max_ratio = std::max(row.max_ratio, ratio);
}

struct Runner {
  const ConformanceOptions& o;
  std::vector<ConformanceRow>& rows;

  template <template <class> class Op> void operator()() const {
    const std::string name = Op<double>::name;
    if (!o.op.empty() && o.op != name) return;
    if (o.op.empty() && !o.net.empty()) return;
    for (const std::string& prec : o.precisions) {
      if (prec != "float" && prec != "double" && prec != "mp50")
        throw std::invalid_argument("unknown precision '" + prec + "' (float, double, mp50)");
      std::vector<Property> props;
      for (Property p : all_properties())
        if (o.property.empty() || property_name(p) == o.property) props.push_back(p);
      if (props.empty()) return;
      std::vector<ConformanceRow> local;
      for (Property p : props) {
        ConformanceRow r;
        r.op = name, r.precision = prec, r.property = property_name(p);
        local.push_back(std::move(r));
      }
      std::mt19937_64 g(o.seed);
      const int n = o.shape ? 1 : o.cases;
      for (int k = 0; k < n; ++k) {
        const Shape s = o.shape ? *o.shape : random_shape(g);
        const OpCase<Op> c = make_case<Op>(s);
        const Exact e = exact_facts(c);
        for (std::size_t i = 0; i < props.size(); ++i) {
          if (prec == "float") accumulate<Op, float>(local[i], props[i], c, e, s, o);
          else if (prec == "double") accumulate<Op, double>(local[i], props[i], c, e, s, o);
          else accumulate<Op, mp50>(local[i], props[i], c, e, s, o);
        }
      }
      for (auto& r : local) {
        if (r.cases == 0) continue;
        // No vacuous pass: a property whose cases were mostly exact zeros proves nothing.
        if (!o.shape && 2 * r.trivial > r.cases && r.failures++ == 0)
          r.first_failure = "vacuous: " + std::to_string(r.trivial) + " of " + std::to_string(r.cases) +
                            " cases were exactly zero on both sides";
        rows.push_back(std::move(r));
      }
    }
  }
};

// The loss rows: the same options, a row per loss, precision and loss
// property; a failing case is shrunk, replayed and dumped as for operators.
template <template <class> class Loss, class S> Check evaluate_loss(LossProperty p, const Shape& s, double bound_scale) {
  const LossCase<Loss> c = make_loss_case<Loss>(s);
  Check r = check_loss<Loss, S>(p, c, loss_exact(c));
  r.bound *= bound_scale;
  return r;
}

template <template <class> class Loss, class S>
void accumulate_loss(ConformanceRow& row, LossProperty p, const Shape& s, const ConformanceOptions& o) {
  const Check r = evaluate_loss<Loss, S>(p, s, o.bound_scale);
  ++row.cases;
  row.trivial += r.trivial;
  if (!r.pass() && row.failures++ == 0) {
    const Shape small = shrink_shape(s, [&](const Shape& t) { return !evaluate_loss<Loss, S>(p, t, o.bound_scale).pass(); });
    const LossCase<Loss> c = make_loss_case<Loss>(small);
    const Check f = evaluate_loss<Loss, S>(p, small, o.bound_scale);
    row.first_failure = "seed " + std::to_string(o.seed) + ", shrunk to " + describe(small) + ": " + f.describe();
    row.replay = "moonwalk verify --op " + row.op + " --precision " + row.precision + " --property " + row.property +
                 " --shape " + format_shape(small) +
                 (o.bound_scale != 1 ? " --bound-scale " + std::to_string(o.bound_scale) : "");
    row.dump = o.dump_dir + "/moonwalk-failure-" + row.op + "-" + row.precision + "-" + row.property + ".json";
    const LossExact e = loss_exact(c);
    nlohmann::json j{{"loss", row.op},
                     {"property", row.property},
                     {"shape", format_shape(small)},
                     {"y", matrix_json(c.y)},
                     {"ydot", matrix_json(c.ydot)},
                     {"gradient", matrix_json(c.loss.template cast<S>().gradient(c.y.template cast<S>()))},
                     {"exact", {{"gradient_central_difference", matrix_json(e.gradient)}, {"directional", decimal(e.directional)}}},
                     {"error", f.error},
                     {"bound", f.bound},
                     {"replay", row.replay}};
    std::ofstream(row.dump) << j.dump(2) << "\n";
  }
  const double ratio = r.bound > 0 ? r.error / r.bound : (r.error > 0 ? INFINITY : 0);
  if (r.error >= row.max_error) row.max_error = r.error, row.bound_at_max = r.bound;
  row.max_ratio = std::max(row.max_ratio, ratio);
}

template <template <class> class Loss> void run_loss(const ConformanceOptions& o, std::vector<ConformanceRow>& rows) {
  const std::string name = Loss<double>::name;
  if (!o.op.empty() && o.op != name) return;
  if (o.op.empty() && !o.net.empty()) return;
  std::vector<LossProperty> props;
  for (LossProperty p : all_loss_properties())
    if (o.property.empty() || loss_property_name(p) == o.property) props.push_back(p);
  for (const std::string& prec : o.precisions) {
    std::vector<ConformanceRow> local;
    for (LossProperty p : props) {
      ConformanceRow r;
      r.op = name, r.precision = prec, r.property = loss_property_name(p);
      local.push_back(std::move(r));
    }
    std::mt19937_64 g(o.seed);
    const int n = o.shape ? 1 : o.cases;
    for (int k = 0; k < n; ++k) {
      const Shape s = o.shape ? *o.shape : random_shape(g);
      for (std::size_t i = 0; i < props.size(); ++i) {
        if (prec == "float") accumulate_loss<Loss, float>(local[i], props[i], s, o);
        else if (prec == "double") accumulate_loss<Loss, double>(local[i], props[i], s, o);
        else accumulate_loss<Loss, mp50>(local[i], props[i], s, o);
      }
    }
    for (auto& r : local) {
      if (!o.shape && 2 * r.trivial > r.cases && r.failures++ == 0)
        r.first_failure = "vacuous: " + std::to_string(r.trivial) + " of " + std::to_string(r.cases) +
                          " cases were exactly zero on both sides";
      rows.push_back(std::move(r));
    }
  }
}

struct NameMatch {
  const std::string& name;
  bool& found;
  template <template <class> class Op> void operator()() const { found = found || name == Op<double>::name; }
};

}  // namespace

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o) {
  if (!o.property.empty()) {
    const auto all = all_property_names();
    if (std::find(all.begin(), all.end(), o.property) == all.end())
      throw std::invalid_argument("unknown property '" + o.property + "'");
  }
  for (const std::string& prec : o.precisions)
    if (prec != "float" && prec != "double" && prec != "mp50")
      throw std::invalid_argument("unknown precision '" + prec + "' (float, double, mp50)");
  std::vector<ConformanceRow> rows;
  reference::for_each_op(reference::Operators{}, Runner{o, rows});
  run_loss<reference::Mse>(o, rows);
  run_loss<reference::SoftmaxCrossEntropy>(o, rows);
  if (!o.op.empty()) {
    bool known = o.op == reference::Mse<double>::name || o.op == reference::SoftmaxCrossEntropy<double>::name;
    reference::for_each_op(reference::Operators{}, NameMatch{o.op, known});
    if (!known) throw std::invalid_argument("no operator matched '" + o.op + "'");
  }
  run_network_conformance(o, rows);
  if (rows.empty()) throw std::invalid_argument("no operator or network class matched the filters");
  return rows;
}

}  // namespace moonwalk::verify
