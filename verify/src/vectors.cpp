#include "moonwalk/verify/vectors.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/op_config.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <filesystem>
#include <fstream>

namespace moonwalk::verify {

namespace {

using reference::Index;

// Several sizes per operator, odd ones and size 1 included; each flavor once.
const std::vector<Shape>& vector_shapes() {
  static const std::vector<Shape> shapes{
      {1, 1, 1, 1, 0, 11}, {3, 5, 2, 2, 0, 12}, {5, 3, 3, 3, 1, 13}, {4, 6, 2, 2, 2, 14}, {7, 7, 3, 1, 3, 15}};
  return shapes;
}

// Every quantity a vector compares is a few chained steps of one operator:
// n terms on its longest path, and cond for what inverts J.
template <template <class> class Op, class S>
double model_tolerance(const std::string& key, const Op<double>& op, double cond) {
  const double n = static_cast<double>(op.in_dim() + op.out_dim() + op.param_count());
  return bound<S>(n, 1.0, key == "vijp" ? cond : 1.0);
}

struct Exporter {
  const std::string& dir;
  std::vector<std::string>& written;

  template <template <class> class Op> void operator()() const {
    if constexpr (HasConfig<Op>::value) {
      nlohmann::json cases = nlohmann::json::array();
      int k = 0;
      for (const Shape& s : vector_shapes()) {
        const OpCase<Op> c = make_case<Op>(s);
        const Exact e = exact_facts(c);
        VectorInputs in{c.x, c.xdot, c.pdot, c.delta, {}, {}};
        const Outputs image = vector_outputs<Op, mp50>(c.op, in);
        in.g = image.at("vjp_input");
        in.fragment = image.at("fragment");
        const Outputs expected = vector_outputs<Op, mp50>(c.op, in);
        const Outputs out32 = vector_outputs<Op, float>(c.op, in);
        const Outputs out64 = vector_outputs<Op, double>(c.op, in);
        nlohmann::json exp, err, tol;
        for (const auto& [key, value] : expected) {
          exp[key] = matrix_json(value);
          const double e32 = relative_error(out32.at(key), value), e64 = relative_error(out64.at(key), value);
          err["float"][key] = e32;
          err["double"][key] = e64;
          // Self-calibrating: twice what the reference itself makes, plus the model bound.
          tol["float"][key] = 2 * e32 + model_tolerance<Op, float>(key, c.op, e.cond);
          tol["double"][key] = 2 * e64 + model_tolerance<Op, double>(key, c.op, e.cond);
        }
        cases.push_back({{"name", std::string(Op<double>::name) + "-" + std::to_string(k++)},
                         {"config", op_config<Op>(c.op)},
                         {"params", matrix_json(c.op.params())},
                         {"x", matrix_json(c.x)},
                         {"xdot", matrix_json(c.xdot)},
                         {"pdot", matrix_json(c.pdot)},
                         {"delta", matrix_json(c.delta)},
                         {"g", matrix_json(in.g)},
                         {"fragment", matrix_json(in.fragment)},
                         {"expected", exp},
                         {"reference_error", err},
                         {"tolerance", tol}});
      }
      const std::string path = dir + "/" + Op<double>::name + ".json";
      nlohmann::json doc{{"format", "moonwalk-vectors"}, {"version", 1}, {"operator", Op<double>::name}, {"cases", cases}};
      std::ofstream(path) << doc.dump(1) << "\n";
      written.push_back(path);
    }
  }
};

struct Checker {
  const std::string& dir;
  std::vector<VectorRow>& rows;

  template <class S, template <class> class Op>
  void check_precision(const nlohmann::json& doc, const std::string& prec) const {
    std::map<std::string, VectorRow> by_key;
    for (const auto& c : doc.at("cases")) {
      const Op<double> op = op_from_config<Op>(c.at("config"), matrix_from_json<double>(c.at("params")));
      const VectorInputs in{matrix_from_json<double>(c.at("x")),     matrix_from_json<double>(c.at("xdot")),
                            matrix_from_json<double>(c.at("pdot")),  matrix_from_json<double>(c.at("delta")),
                            matrix_from_json<mp50>(c.at("g")),       matrix_from_json<mp50>(c.at("fragment"))};
      const Outputs got = vector_outputs<Op, S>(op, in);
      for (const auto& [key, value] : c.at("expected").items()) {
        VectorRow& r = by_key[key];
        r.op = Op<double>::name, r.precision = prec, r.output = key;
        const double err = relative_error(got.at(key), matrix_from_json<mp50>(value));
        const double tol = c.at("tolerance").at(prec).at(key).template get<double>();
        ++r.cases;
        if (!(err <= tol)) ++r.failures;
        if (err >= r.max_error) r.max_error = err, r.tolerance_at_max = tol;
      }
    }
    for (auto& [key, r] : by_key) rows.push_back(r);
  }

  template <template <class> class Op> void operator()() const {
    if constexpr (HasConfig<Op>::value) {
      const std::string path = dir + "/" + Op<double>::name + ".json";
      if (!std::filesystem::exists(path)) return;
      const nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
      if (doc.at("format") != "moonwalk-vectors" || doc.at("version") != 1)
        throw std::invalid_argument(path + ": not a moonwalk-vectors version 1 file");
      check_precision<float, Op>(doc, "float");
      check_precision<double, Op>(doc, "double");
    }
  }
};

}  // namespace

double relative_error(const Mat<mp50>& computed, const Mat<mp50>& expected) {
  if (computed.rows() != expected.rows() || computed.cols() != expected.cols())
    return std::numeric_limits<double>::infinity();
  const mp50 diff = (computed - expected).norm(), ref = expected.norm();
  return to_double(ref > 0 ? mp50(diff / ref) : diff);
}

std::vector<std::string> export_vectors(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> written;
  reference::for_each_op(reference::Operators{}, Exporter{dir, written});
  return written;
}

std::vector<VectorRow> check_vectors(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::invalid_argument("vectors: no directory '" + dir + "'");
  std::vector<VectorRow> rows;
  reference::for_each_op(reference::Operators{}, Checker{dir, rows});
  if (rows.empty()) throw std::invalid_argument("vectors: no operator files in '" + dir + "'");
  return rows;
}

}  // namespace moonwalk::verify
