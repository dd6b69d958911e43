#include "moonwalk/verify/conformance.hpp"

#include "moonwalk/verify/dump.hpp"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

namespace moonwalk::verify {

Shape parse_shape(const std::string& text) {
  Shape s;
  char c1, c2, c3, c4, c5;
  std::istringstream in(text);
  if (!(in >> s.a >> c1 >> s.b >> c2 >> s.c >> c3 >> s.batch >> c4 >> s.flavor >> c5 >> s.seed) ||
      c1 != ',' || c2 != ',' || c3 != ',' || c4 != ',' || c5 != ',')
    throw std::invalid_argument("shape '" + text + "': expected a,b,c,batch,flavor,seed");
  if (s.a < 1 || s.b < 1 || s.c < 1 || s.batch < 1 || s.flavor < 0)
    throw std::invalid_argument("shape '" + text + "': dimensions must be positive");
  return s;
}

std::string format_shape(const Shape& s) {
  std::ostringstream o;
  o << s.a << "," << s.b << "," << s.c << "," << s.batch << "," << s.flavor << "," << s.seed;
  return o.str();
}

namespace {

Shape random_shape(std::mt19937_64& g) {
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  Shape s;
  s.a = in(1, 8), s.b = in(1, 8), s.c = in(1, 8), s.batch = in(1, 3), s.flavor = in(0, 3);
  s.seed = g();
  return s;
}

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

// Greedy shrinking: lower one dimension at a time while the case still fails.
template <template <class> class Op, class S> Shape shrink(Property p, Shape s, double bound_scale) {
  for (bool progress = true; progress;) {
    progress = false;
    for (int* field : {&s.a, &s.b, &s.c, &s.batch, &s.flavor}) {
      const int lowest = field == &s.flavor ? 0 : 1;
      while (*field > lowest) {
        Shape t = s;
        --*(field - &s.a + &t.a);
        bool fails = false;
        try {
          fails = !evaluate<Op, S>(p, t, bound_scale).pass();
        } catch (const std::exception&) {
          fails = false;  // a smaller shape the operator refuses is not a counterexample
        }
        if (!fails) break;
        s = t;
        progress = true;
      }
    }
  }
  return s;
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
    for (const std::string& prec : o.precisions) {
      if (prec != "float" && prec != "double" && prec != "mp50")
        throw std::invalid_argument("unknown precision '" + prec + "' (float, double, mp50)");
      std::vector<Property> props;
      for (Property p : all_properties())
        if (o.property.empty() || property_name(p) == o.property) props.push_back(p);
      std::vector<ConformanceRow> local;
      for (Property p : props) local.push_back(ConformanceRow{name, prec, property_name(p)});
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

}  // namespace

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o) {
  if (!o.property.empty()) {
    const auto& all = all_properties();
    if (std::none_of(all.begin(), all.end(), [&](Property p) { return property_name(p) == o.property; }))
      throw std::invalid_argument("unknown property '" + o.property + "'");
  }
  std::vector<ConformanceRow> rows;
  reference::for_each_op(reference::Operators{}, Runner{o, rows});
  if (rows.empty()) throw std::invalid_argument("no operator matched '" + o.op + "'");
  return rows;
}

}  // namespace moonwalk::verify
