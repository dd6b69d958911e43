#include "moonwalk/verify/conformance.hpp"

#include <algorithm>
#include <random>

namespace moonwalk::verify {

namespace {

Shape random_shape(std::mt19937_64& g) {
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  Shape s;
  s.a = in(1, 8), s.b = in(1, 8), s.c = in(1, 8), s.batch = in(1, 3), s.flavor = in(0, 3);
  s.seed = g();
  return s;
}

template <template <class> class Op, class S>
void accumulate(ConformanceRow& row, Property p, const OpCase<Op>& c, const Exact& e, const Shape& s) {
  const Check r = check<Op, S>(p, c, e);
  if (!r.applicable) {
    ++row.not_applicable;
    return;
  }
  ++row.cases;
  row.trivial += r.trivial;
  if (!r.pass()) {
    if (row.failures++ == 0) row.first_failure = describe(s) + ": " + r.describe();
  }
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
      std::vector<ConformanceRow> local;
      for (Property p : all_properties()) local.push_back(ConformanceRow{name, prec, property_name(p)});
      std::mt19937_64 g(o.seed);
      for (int k = 0; k < o.cases; ++k) {
        const Shape s = random_shape(g);
        const OpCase<Op> c = make_case<Op>(s);
        const Exact e = exact_facts(c);
        for (std::size_t i = 0; i < all_properties().size(); ++i) {
          const Property p = all_properties()[i];
          if (prec == "float") accumulate<Op, float>(local[i], p, c, e, s);
          else if (prec == "double") accumulate<Op, double>(local[i], p, c, e, s);
          else if (prec == "mp50") accumulate<Op, mp50>(local[i], p, c, e, s);
          else throw std::invalid_argument("unknown precision '" + prec + "' (float, double, mp50)");
        }
      }
      for (auto& r : local) {
        if (r.cases == 0) continue;
        if (2 * r.trivial > r.cases && r.failures++ == 0) r.first_failure = "vacuous: most cases were trivial";
        rows.push_back(std::move(r));
      }
    }
  }
};

}  // namespace

std::vector<ConformanceRow> run_conformance(const ConformanceOptions& o) {
  std::vector<ConformanceRow> rows;
  reference::for_each_op(reference::Operators{}, Runner{o, rows});
  return rows;
}

}  // namespace moonwalk::verify
