#include "moonwalk/verify/vectors.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/network_properties.hpp"
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
  const ExportOptions& options;
  std::vector<std::string>& written;

  template <template <class> class Op> void operator()() const {
    if constexpr (HasConfig<Op>::value) {
      nlohmann::json cases = nlohmann::json::array();
      int k = 0;
      std::vector<Shape> shapes = vector_shapes();
      std::mt19937_64 g(options.seed);
      for (int i = 0; i < options.cases; ++i) shapes.push_back(random_shape(g));
      for (const Shape& s : shapes) {
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

// Several small networks, one per class; odd sizes and a batch of one
// included, and between them every conv1d vijp strategy (conv_relu: blocked
// and dense; conv_leaky: banded and fft), and conv2d's blocked and dense
// strategies with patch_downsample2d (conv2d_relu).
struct NetworkVector {
  NetClass cls;
  Shape shape;
};
const std::vector<NetworkVector>& network_vectors() {
  static const std::vector<NetworkVector> nets{{NetClass::dense_relu, {2, 2, 1, 3, 2, 101}},
                                               {NetClass::conv_relu, {2, 3, 5, 2, 3, 102}},
                                               {NetClass::conv_leaky, {2, 3, 3, 3, 1, 103}},
                                               {NetClass::coupling, {2, 3, 2, 1, 0, 104}},
                                               {NetClass::mixed, {3, 3, 1, 3, 1, 109}},
                                               {NetClass::conv2d_relu, {2, 2, 2, 2, 3, 110}}};
  return nets;
}

// Methods whose Phase III (or rebuilt activations) inverts each layer: their
// model bound carries the network's condition estimate A; the others none.
bool inverts(Method m) {
  return m == Method::reversible || m == Method::moonwalk_forward || m == Method::moonwalk_mixed;
}

// A method's results split as the vectors store them.
struct NetOutputs {
  Mat<mp50> loss, params, input;
};
template <class S> NetOutputs net_outputs(const reference::Gradients<S>& g) {
  NetOutputs o;
  o.loss = Mat<mp50>::Constant(1, 1, mp50(g.loss));
  Index n = 0;
  for (const auto& p : g.params) n += p.size();
  o.params.resize(n, 1);
  Index k = 0;
  for (const auto& p : g.params)
    for (Index i = 0; i < p.size(); ++i) o.params(k++, 0) = mp50(p(i));
  o.input = g.input.template cast<mp50>();
  return o;
}
const char* const kNetKeys[] = {"loss", "params", "input"};
const Mat<mp50>& net_output(const NetOutputs& o, const std::string& key) {
  return key == "loss" ? o.loss : key == "params" ? o.params : o.input;
}

// The depth anchors of the anchored moonwalk_mixed run the vectors also carry.
constexpr std::size_t kVectorAnchorEvery = 2;

// Methods the CUDA path drives, the anchored mixed run under its own name:
// their ledger formula (peak bytes per category and stored) in S.
nlohmann::json ledger_json(const LedgerFormula& f) {
  nlohmann::json j;
  for (std::size_t k = 0; k < reference::kCategories; ++k) {
    const auto c = static_cast<reference::Category>(k);
    if (c != reference::Category::working_set) j[reference::category_name(c)] = f.peak[k];
  }
  j["stored"] = f.stored;
  return j;
}

template <class S>
void export_network_precision(const Problem& p, const NetFacts& f, const NetOutputs& expected, nlohmann::json& c) {
  const std::string prec = scalar_name<S>();
  const MethodRuns<S> runs = run_methods<S>(p);
  // Self-calibrating, as for operators: twice the reference's own error plus
  // the model bound 4·N·u·κ (κ = A for the gradients of a method that inverts layers).
  auto record = [&](const std::string& name, Method m, const reference::Gradients<S>& g) {
    const NetOutputs got = net_outputs(g);
    for (const std::string key : kNetKeys) {
      const double e = relative_error(net_output(got, key), net_output(expected, key));
      const double kappa = key != "loss" && inverts(m) ? f.amplification : 1.0;
      c["reference_error"][prec][name][key] = e;
      c["tolerance"][prec][name][key] = 2 * e + bound<S>(f.terms, 1.0, kappa);
    }
  };
  for (std::size_t k = 0; k < all_methods().size(); ++k) {
    const Method m = all_methods()[k];
    const std::string name = method_name(m);
    if (!runs.refused[k].empty()) {
      c["refused"][name] = runs.refused[k];
      continue;
    }
    record(name, m, runs.result[k]);
  }
  const reference::Network<S> net = p.net.template cast<S>();
  const Mat<S> x0 = p.x0.template cast<S>();
  for (Method m : {Method::backprop, Method::checkpointed, Method::moonwalk_mixed})
    c["ledger"][prec][method_name(m)] = ledger_json(ledger_formula<S>(m, 0, net, x0, f));
  const std::string anchored = "moonwalk_mixed_anchored";
  MethodOptions o;
  o.anchor_every = kVectorAnchorEvery;
  record(anchored, Method::moonwalk_mixed, run_method<S>(Method::moonwalk_mixed, net, x0, o));
  c["ledger"][prec][anchored] = ledger_json(ledger_formula<S>(Method::moonwalk_mixed, kVectorAnchorEvery, net, x0, f));
}

void export_networks(const std::string& dir, const ExportOptions& o, std::vector<std::string>& written) {
  nlohmann::json cases = nlohmann::json::array();
  std::vector<NetworkVector> nets = network_vectors();
  std::mt19937_64 g(o.seed);
  for (int i = 0; i < o.networks; ++i) {
    const auto& classes = all_net_classes();
    nets.push_back({classes[static_cast<std::size_t>(i) % classes.size()], random_net_shape(g)});
  }
  for (const NetworkVector& v : nets) {
    const Problem p = make_network(v.cls, v.shape);
    const NetFacts f = net_facts(p);
    const auto exact = run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>()));
    const NetOutputs expected = net_outputs(exact);
    nlohmann::json params = nlohmann::json::array();
    for (const auto& g : exact.params) params.push_back(matrix_json(g));
    nlohmann::json c{{"name", net_class_name(v.cls) + "-" + std::to_string(cases.size())},
                     {"class", net_class_name(v.cls)},
                     {"network", problem_json(p)},
                     {"expected", {{"loss", decimal(exact.loss)}, {"params", params}, {"input", matrix_json(exact.input)}}},
                     {"amplification", f.amplification},
                     {"terms", f.terms},
                     {"anchor_every", kVectorAnchorEvery},
                     {"refused", nlohmann::json::object()}};
    export_network_precision<float>(p, f, expected, c);
    export_network_precision<double>(p, f, expected, c);
    cases.push_back(c);
  }
  const std::string path = dir + "/networks.json";
  nlohmann::json doc{{"format", "moonwalk-network-vectors"}, {"version", 1}, {"cases", cases}};
  std::ofstream(path) << doc.dump(1) << "\n";
  written.push_back(path);
}

template <class S> void check_network_precision(const nlohmann::json& doc, std::vector<VectorRow>& rows) {
  const std::string prec = scalar_name<S>();
  std::map<std::string, VectorRow> by_key;
  for (const auto& c : doc.at("cases")) {
    const Problem p = problem_from_json(c.at("network"));
    const auto& exp = c.at("expected");
    NetOutputs expected;
    expected.loss = Mat<mp50>::Constant(1, 1, mp50(exp.at("loss").get<std::string>()));
    std::vector<Mat<mp50>> parts;
    Index n = 0;
    for (const auto& m : exp.at("params")) parts.push_back(matrix_from_json<mp50>(m)), n += parts.back().size();
    expected.params.resize(n, 1);
    Index k = 0;
    for (const auto& m : parts)
      for (Index i = 0; i < m.size(); ++i) expected.params(k++, 0) = m(i);
    expected.input = matrix_from_json<mp50>(exp.at("input"));
    MethodRuns<S> runs = run_methods<S>(p);
    std::vector<std::string> names;
    for (Method m : all_methods()) names.push_back(method_name(m));
    if (c.contains("anchor_every")) {
      MethodOptions o;
      o.anchor_every = c.at("anchor_every").get<std::size_t>();
      names.push_back("moonwalk_mixed_anchored");
      runs.result.push_back(run_method<S>(Method::moonwalk_mixed, p.net.cast<S>(), p.x0.cast<S>(), o));
      runs.refused.emplace_back();
    }
    const std::string case_name = c.at("name").get<std::string>();
    for (std::size_t q = 0; q < names.size(); ++q) {
      const std::string& name = names[q];
      const auto& tol = c.at("tolerance").at(prec);
      if (!tol.contains(name)) continue;  // refused when exported
      for (const std::string key : kNetKeys) {
        VectorRow& r = by_key[name + "/" + key];
        r.op = "networks/" + name, r.precision = prec, r.output = key;
        ++r.cases;
        const double t = tol.at(name).at(key).template get<double>();
        const double err = runs.refused[q].empty()
                               ? relative_error(net_output(net_outputs(runs.result[q]), key), net_output(expected, key))
                               : std::numeric_limits<double>::infinity();
        if (!(err <= t) && r.failures++ == 0)
          r.first_failure = case_name + (runs.refused[q].empty() ? ": error " + std::to_string(err) + " > " + std::to_string(t)
                                                                 : ": refused: " + runs.refused[q]);
        if (err >= r.max_error) r.max_error = err, r.tolerance_at_max = t;
      }
      // The ledger formula the file carries (what the CUDA arena must meet)
      // against the reference's own ledger for this run.
      if (c.contains("ledger") && c.at("ledger").at(prec).contains(name) && runs.refused[q].empty()) {
        VectorRow& r = by_key[name + "/memory"];
        r.op = "networks/" + name, r.precision = prec, r.output = "memory";
        ++r.cases;
        const auto& want = c.at("ledger").at(prec).at(name);
        const reference::Ledger& got = runs.result[q].ledger;
        std::string d;
        for (std::size_t k = 0; k < reference::kCategories; ++k) {
          const auto cat = static_cast<reference::Category>(k);
          const char* cname = reference::category_name(cat);
          if (want.contains(cname) && want.at(cname).template get<std::size_t>() != got.peak(cat))
            d += std::string(cname) + " peak " + std::to_string(got.peak(cat)) + ", file " + want.at(cname).dump() + "; ";
        }
        if (want.at("stored").template get<std::size_t>() != got.peak_stored())
          d += "stored peak " + std::to_string(got.peak_stored()) + ", file " + want.at("stored").dump() + "; ";
        if (!d.empty() && r.failures++ == 0) r.first_failure = case_name + ": " + d;
      }
    }
  }
  for (auto& [key, r] : by_key) rows.push_back(r);
}

void check_networks(const std::string& dir, std::vector<VectorRow>& rows) {
  const std::string path = dir + "/networks.json";
  if (!std::filesystem::exists(path)) return;
  const nlohmann::json doc = nlohmann::json::parse(std::ifstream(path));
  if (doc.at("format") != "moonwalk-network-vectors" || doc.at("version") != 1)
    throw std::invalid_argument(path + ": not a moonwalk-network-vectors version 1 file");
  check_network_precision<float>(doc, rows);
  check_network_precision<double>(doc, rows);
}

}  // namespace

double relative_error(const Mat<mp50>& computed, const Mat<mp50>& expected) {
  if (computed.rows() != expected.rows() || computed.cols() != expected.cols())
    return std::numeric_limits<double>::infinity();
  const mp50 diff = (computed - expected).norm(), ref = expected.norm();
  return to_double(ref > 0 ? mp50(diff / ref) : diff);
}

std::vector<std::string> export_vectors(const std::string& dir, const ExportOptions& o) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> written;
  reference::for_each_op(reference::Operators{}, Exporter{dir, o, written});
  export_networks(dir, o, written);
  return written;
}

std::vector<VectorRow> check_vectors(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::invalid_argument("vectors: no directory '" + dir + "'");
  std::vector<VectorRow> rows;
  reference::for_each_op(reference::Operators{}, Checker{dir, rows});
  check_networks(dir, rows);
  if (rows.empty()) throw std::invalid_argument("vectors: no operator or network files in '" + dir + "'");
  return rows;
}

}  // namespace moonwalk::verify
