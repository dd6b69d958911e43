#include "moonwalk/verify/vectors.hpp"

#include "moonwalk/verify/json_file.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/exact.hpp"
#include "moonwalk/verify/network_properties.hpp"
#include "moonwalk/verify/op_config.hpp"
#include "moonwalk/verify/tolerance.hpp"
#include "moonwalk/verify/vector_reader.hpp"
#include "vector_case.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

namespace moonwalk::verify {

namespace {

using reference::Index;

// Several sizes per operator, odd ones and size 1 included; each flavor once.
const std::vector<Shape>& vector_shapes() {
  static const std::vector<Shape> shapes{
      {1, 1, 1, 1, 0, 11}, {3, 5, 2, 2, 0, 12}, {5, 3, 3, 3, 1, 13}, {4, 6, 2, 2, 2, 14}, {7, 7, 3, 1, 3, 15}};
  return shapes;
}

// The grading rule of `vectors check` and `vectors judge`: one row per
// (operator, precision, output), in the order the rows first appear; an
// output fails when its relative error is not at most its tolerance.
// The vectors carry 50 significant digits: a reference error below 10⁻⁴⁸ is
// the text's own rounding and says nothing about the precision it names.
constexpr double kTextResolution = 1e-48;

class Grades {
public:
  void add(const std::string& op, const std::string& prec, const std::string& output, const std::string& case_name,
           double err, double tol, double ref_err, const std::string& why = "") {
    VectorRow& r = row(op, prec, output);
    ++r.cases;
    if (ref_err > kTextResolution) {
      r.error_sum += err;
      r.reference_error_sum += ref_err;
    }
    const double ratio = tol > 0 ? err / tol : err > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    r.worst_ratio = std::max(r.worst_ratio, ratio);
    if (!(err <= tol) && r.failures++ == 0)
      r.first_failure = case_name + ": " + (why.empty() ? "error " + std::to_string(err) + " > " + std::to_string(tol) : why);
    if (err >= r.max_error) r.max_error = err, r.tolerance_at_max = tol;
  }
  // A required output that is absent, or an exact comparison that failed.
  void fail(const std::string& op, const std::string& prec, const std::string& output, const std::string& case_name,
            const std::string& why) {
    add(op, prec, output, case_name, std::numeric_limits<double>::infinity(), 0, 0, why);
  }
  std::vector<VectorRow> rows() const { return rows_; }

private:
  VectorRow& row(const std::string& op, const std::string& prec, const std::string& output) {
    const std::string key = op + "\n" + prec + "\n" + output;
    auto [it, added] = index_.emplace(key, rows_.size());
    if (added) {
      rows_.emplace_back();
      rows_.back().op = op, rows_.back().precision = prec, rows_.back().output = output;
    }
    return rows_[it->second];
  }
  std::vector<VectorRow> rows_;
  std::map<std::string, std::size_t> index_;
};

std::string shape_text(const Mat<mp50>& m) { return std::to_string(m.rows()) + " × " + std::to_string(m.cols()); }

// One output of one case against its expectation.
void grade(Grades& gr, const std::string& op, const std::string& prec, const std::string& key, const std::string& name,
           const Mat<mp50>& got, const Mat<mp50>& want, double tol, double ref) {
  if (got.rows() != want.rows() || got.cols() != want.cols())
    return gr.fail(op, prec, key, name, "shape " + shape_text(got) + ", expected " + shape_text(want));
  gr.add(op, prec, key, name, relative_error(got, want), tol, ref);
}

// A case's outputs in one precision: the reference's, or a port's; a key that
// is absent is a missing output.
using CaseSource = std::function<Outputs(const nlohmann::json& c)>;

// Every case of an operator or loss file in one precision. fragment_positions
// is compared exactly where the source gives it (the reference always does).
void grade_cases(const nlohmann::json& doc, const std::string& prec, const CaseSource& source, Grades& gr) {
  for (const auto& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    const std::string op = c.contains("loss") ? c.at("loss").get<std::string>() : doc.at("operator").get<std::string>();
    const Outputs got = source(c);
    for (const auto& [key, value] : c.at("expected").items()) {
      const auto it = got.find(key);
      if (it == got.end()) {
        gr.fail(op, prec, key, name, "missing");
        continue;
      }
      grade(gr, op, prec, key, name, it->second, matrix_from_json<mp50>(value),
            c.at("tolerance").at(prec).at(key).get<double>(), c.at("reference_error").at(prec).at(key).get<double>());
    }
    if (const auto it = got.find("fragment_positions"); it != got.end()) {
      const auto& want = c.at("fragment_positions");
      Mat<mp50> w(static_cast<Index>(want.size()), 1);
      for (std::size_t i = 0; i < want.size(); ++i) w(static_cast<Index>(i), 0) = want[i].get<long long>();
      grade(gr, op, prec, "fragment_positions", name, it->second, w, 0, 0);
    }
  }
}

// The explicit cases the standard export adds to the generated ones: every
// convolution strategy with kernels 3 and 5 in each padding it allows, blocks
// that do not divide the size (so blocked has non-empty seed sets in both
// paddings), and a dense layer whose left-out positions are not ascending.
struct ConvCase {
  Index ci, co, H, W, k;
  reference::Padding pad;
  reference::ConvStrategy v;
  Index block, batch;
};
// conv1d's cases (two_d false) or conv2d's.
const std::vector<ConvCase>& conv_cases(bool two_d) {
  using reference::ConvStrategy;
  const auto zero = reference::Padding::zero, circ = reference::Padding::circular;
  // conv1d (H unused): W = 10, B = 4 (k = 3) and W = 13, B = 6 (k = 5) leave
  // unseeded positions in every block in both paddings.
  static const std::vector<ConvCase> one{
      {3, 2, 1, 10, 3, zero, ConvStrategy::dense, 4, 2},   {3, 2, 1, 10, 3, circ, ConvStrategy::dense, 4, 1},
      {3, 2, 1, 10, 3, zero, ConvStrategy::banded, 4, 2},  {3, 2, 1, 10, 3, circ, ConvStrategy::fft, 4, 2},
      {3, 2, 1, 10, 3, zero, ConvStrategy::blocked, 4, 2}, {3, 2, 1, 10, 3, circ, ConvStrategy::blocked, 4, 1},
      {2, 2, 1, 13, 5, zero, ConvStrategy::dense, 6, 1},   {2, 2, 1, 13, 5, circ, ConvStrategy::dense, 6, 2},
      {2, 2, 1, 13, 5, zero, ConvStrategy::banded, 6, 1},  {2, 2, 1, 13, 5, circ, ConvStrategy::fft, 6, 2},
      {2, 2, 1, 13, 5, zero, ConvStrategy::blocked, 6, 2}, {2, 2, 1, 13, 5, circ, ConvStrategy::blocked, 6, 1}};
  // conv2d: blocks of 3 rows in 7 (k = 3), of 3 in 8 (k = 5, zero) and of 6 in 9
  // (k = 5, circular): each leaves unseeded rows, and the circular cases
  // unseeded columns; dense at 2·HW ≤ 50 unknowns.
  static const std::vector<ConvCase> two{
      {2, 2, 5, 4, 3, zero, ConvStrategy::dense, 3, 1},   {2, 2, 5, 4, 3, circ, ConvStrategy::dense, 3, 2},
      {3, 2, 7, 5, 3, zero, ConvStrategy::banded, 3, 2},  {3, 2, 7, 5, 3, circ, ConvStrategy::fft, 3, 1},
      {3, 2, 7, 5, 3, zero, ConvStrategy::blocked, 3, 2}, {3, 2, 7, 5, 3, circ, ConvStrategy::blocked, 3, 1},
      {2, 2, 5, 5, 5, zero, ConvStrategy::dense, 3, 1},   {2, 2, 5, 5, 5, circ, ConvStrategy::dense, 3, 1},
      {2, 2, 8, 6, 5, zero, ConvStrategy::banded, 3, 1},  {2, 2, 8, 6, 5, circ, ConvStrategy::fft, 3, 2},
      {2, 2, 8, 6, 5, zero, ConvStrategy::blocked, 3, 2}, {2, 2, 9, 7, 5, circ, ConvStrategy::blocked, 6, 1}};
  return two_d ? two : one;
}

template <template <class> class Op> nlohmann::json explicit_cases(int& k) {
  using namespace reference;
  nlohmann::json cases = nlohmann::json::array();
  auto name = [&] { return std::string(Op<double>::name) + "-" + std::to_string(k++); };
  if constexpr (std::is_same_v<Op<double>, Dense<double>>) {
    // Aᵀ's columns (A's rows) have norms 4, 2, ~1.03, ~1.12 at rows 3, 1, 2, 0:
    // the pivoting takes row 3, then row 1 (residual norms 2 > 1/2 > 1/4), and
    // leaves rows 2, 0 in that order: perm = [3, 1, 2, 0].
    Mat<double> A(4, 2);
    A << 1, 0.5, 0, 2, 1, 0.25, 4, 0;
    ExactRng r(20);
    const Dense<double> op(A, r.matrix(4, 1, 8, 3).col(0));
    cases.push_back(detail::explicit_vector<Dense>(name(), op, r, r.nonzero_matrix(2, 2, 16, 3)));
  } else if constexpr (std::is_same_v<Op<double>, Conv1d<double>>) {
    std::uint64_t seed = 30;
    for (const ConvCase& s : conv_cases(false)) {
      ExactRng r(seed++);
      const Conv1d<double> op = detail::conv1d_op(r, Conv1dSpec{s.ci, s.co, s.W, s.k, s.pad, s.v, s.block});
      cases.push_back(detail::explicit_vector<Conv1d>(name(), op, r, r.nonzero_matrix(op.in_dim(), s.batch, 16, 3)));
    }
  } else if constexpr (std::is_same_v<Op<double>, Conv2d<double>>) {
    std::uint64_t seed = 60;
    for (const ConvCase& s : conv_cases(true)) {
      ExactRng r(seed++);
      const Conv2d<double> op = detail::conv2d_op(r, Conv2dSpec{s.ci, s.co, s.H, s.W, s.k, s.pad, s.v, s.block});
      cases.push_back(detail::explicit_vector<Conv2d>(name(), op, r, r.nonzero_matrix(op.in_dim(), s.batch, 16, 3)));
    }
  }
  return cases;
}

struct Exporter {
  const std::string& dir;
  const ExportOptions& options;
  std::vector<std::string>& written;

  template <template <class> class Op> void operator()() const {
    nlohmann::json cases = nlohmann::json::array();
    int k = 0;
    std::vector<Shape> shapes = vector_shapes();
    std::mt19937_64 g(options.seed);
    for (int i = 0; i < options.cases; ++i) shapes.push_back(random_shape(g));
    for (const Shape& s : shapes) {
      const OpCase<Op> c = make_case<Op>(s);
      const Exact e = exact_facts(c);
      cases.push_back(detail::operator_vector<Op>(std::string(Op<double>::name) + "-" + std::to_string(k++), c.op,
                                                  VectorInputs{c.x, c.xdot, c.pdot, c.delta, {}, {}}, e.cond));
    }
    for (auto& c : explicit_cases<Op>(k)) cases.push_back(std::move(c));
    written.push_back(detail::write_vector_file(dir, Op<double>::name, cases));
  }
};

template <class S, template <class> class Op> CaseSource reference_source() {
  return [](const nlohmann::json& c) {
    const Op<double> op = op_from_config<Op>(c.at("config"), matrix_from_json<double>(c.at("params")));
    const VectorInputs in{matrix_from_json<double>(c.at("x")),     matrix_from_json<double>(c.at("xdot")),
                          matrix_from_json<double>(c.at("pdot")),  matrix_from_json<double>(c.at("delta")),
                          matrix_from_json<mp50>(c.at("g")),       matrix_from_json<mp50>(c.at("fragment"))};
    return vector_outputs<Op, S>(op, in);
  };
}

struct Checker {
  const std::string& dir;
  Grades& grades;

  template <template <class> class Op> void operator()() const {
    const std::string path = dir + "/" + Op<double>::name + ".json";
    if (!std::filesystem::exists(path)) return;
    const nlohmann::json doc = read_vector_file(path, kVectorFormat);
    grade_cases(doc, "float", reference_source<float, Op>(), grades);
    grade_cases(doc, "double", reference_source<double, Op>(), grades);
  }
};

// losses.json: both losses, each case naming its own ("loss"); odd sizes,
// 1 × 1, a batch of one, and loss scales other than 1.
std::string export_losses(const std::string& dir) {
  using namespace reference;
  nlohmann::json cases = nlohmann::json::array();
  const std::vector<std::tuple<Index, Index, double>> shapes{{5, 3, 1.0}, {1, 1, 0.5}, {7, 1, 2.0}, {3, 4, 0.25}};
  std::uint64_t seed = 90;
  for (const auto& [rows, cols, scale] : shapes) {
    ExactRng r(seed++);
    const Mat<double> x = r.matrix(rows, cols, 16, 2), t = r.matrix(rows, cols, 16, 2);
    nlohmann::json c = detail::loss_vector<Mse>("mse-" + std::to_string(cases.size()),
                                                {{"rows", rows}, {"cols", cols}, {"scale", decimal(scale)}},
                                                Mse<double>(t, scale), x);
    c["loss"] = "mse";
    c["target"] = matrix_json(t);
    cases.push_back(c);
  }
  for (const auto& [rows, cols, scale] : shapes) {
    ExactRng r(seed++);
    const Mat<double> x = r.matrix(rows, cols, 16, 2);
    std::vector<Index> labels;
    for (Index j = 0; j < cols; ++j) labels.push_back(static_cast<Index>(r.value(0, static_cast<int>(rows) - 1, 0)));
    nlohmann::json c = detail::loss_vector<SoftmaxCrossEntropy>(
        "softmax_cross_entropy-" + std::to_string(cases.size()),
        {{"classes", rows}, {"labels", labels}, {"scale", decimal(scale)}},
        SoftmaxCrossEntropy<double>(rows, labels, scale), x);
    c["loss"] = "softmax_cross_entropy";
    cases.push_back(c);
  }
  return detail::write_vector_file(dir, "losses", cases);
}

template <class S> CaseSource loss_source() {
  return [](const nlohmann::json& c) {
    const auto& cfg = c.at("config");
    const double scale = to_double(mp50(cfg.at("scale").get<std::string>()));
    const Mat<double> x = matrix_from_json<double>(c.at("x"));
    const std::string loss = c.at("loss").get<std::string>();
    if (loss == "mse")
      return detail::loss_outputs<reference::Mse, S>(reference::Mse<double>(matrix_from_json<double>(c.at("target")), scale), x);
    if (loss == "softmax_cross_entropy")
      return detail::loss_outputs<reference::SoftmaxCrossEntropy, S>(
          reference::SoftmaxCrossEntropy<double>(cfg.at("classes").get<Index>(), cfg.at("labels").get<std::vector<Index>>(), scale), x);
    throw std::invalid_argument("vectors: unknown loss '" + loss + "'");
  };
}

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
      c["tolerance"][prec][name][key] = self_calibrated(e, bound<S>(f.terms, 1.0, kappa));
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
  nlohmann::json doc{{"format", kNetworkVectorFormat}, {"version", 1}, {"cases", cases}};
  std::ofstream(path) << doc.dump(1) << "\n";
  written.push_back(path);
}

NetOutputs expected_net_outputs(const nlohmann::json& c) {
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
  return expected;
}

// One method's run on one network: its outputs (loss, params, input), or why
// it refused the network.
struct MethodResult {
  Outputs outputs;
  std::string refused;
  const reference::Ledger* ledger = nullptr;  // the reference's, for the memory rows
};
using NetSource = std::function<std::map<std::string, MethodResult>(const nlohmann::json& c)>;

// Every network case in one precision, for the methods `wanted` accepts among
// those the file has tolerances for (the ones that ran when exported).
void grade_networks(const nlohmann::json& doc, const std::string& prec, const std::function<bool(const std::string&)>& wanted,
                    const NetSource& source, Grades& gr) {
  for (const auto& c : doc.at("cases")) {
    const std::string case_name = c.at("name").get<std::string>();
    const NetOutputs expected = expected_net_outputs(c);
    const auto results = source(c);
    for (const auto& [name, tol] : c.at("tolerance").at(prec).items()) {
      if (!wanted(name)) continue;
      const std::string op = "networks/" + name;
      const auto run = results.find(name);
      for (const std::string key : kNetKeys) {
        const double t = tol.at(key).get<double>();
        const double ref = c.at("reference_error").at(prec).at(name).at(key).get<double>();
        if (run == results.end() || !run->second.outputs.count(key)) {
          gr.fail(op, prec, key, case_name, "missing");
        } else if (!run->second.refused.empty()) {
          gr.fail(op, prec, key, case_name, "refused: " + run->second.refused);
        } else {
          grade(gr, op, prec, key, case_name, run->second.outputs.at(key), net_output(expected, key), t, ref);
        }
      }
      // The ledger formula the file carries (what the CUDA arena must meet)
      // against the reference's own ledger for this run.
      if (run == results.end() || !run->second.ledger || !c.contains("ledger") || !c.at("ledger").at(prec).contains(name))
        continue;
      const auto& want = c.at("ledger").at(prec).at(name);
      const reference::Ledger& got = *run->second.ledger;
      std::string d;
      for (std::size_t k = 0; k < reference::kCategories; ++k) {
        const auto cat = static_cast<reference::Category>(k);
        const char* cname = reference::category_name(cat);
        if (want.contains(cname) && want.at(cname).get<std::size_t>() != got.peak(cat))
          d += std::string(cname) + " peak " + std::to_string(got.peak(cat)) + ", file " + want.at(cname).dump() + "; ";
      }
      if (want.at("stored").get<std::size_t>() != got.peak_stored())
        d += "stored peak " + std::to_string(got.peak_stored()) + ", file " + want.at("stored").dump() + "; ";
      if (d.empty()) gr.add(op, prec, "memory", case_name, 0, 0, 0);
      else gr.fail(op, prec, "memory", case_name, d);
    }
  }
}

Outputs net_output_map(const NetOutputs& o) {
  Outputs m;
  for (const std::string key : kNetKeys) m[key] = net_output(o, key);
  return m;
}

// The reference's runs of every method (and the anchored moonwalk_mixed) in
// S. The runs are kept alive in `store` for the memory rows.
template <class S> NetSource reference_net_source(std::shared_ptr<MethodRuns<S>> store) {
  return [store](const nlohmann::json& c) {
    const Problem p = problem_from_json(c.at("network"));
    *store = run_methods<S>(p);
    std::vector<std::string> names;
    for (Method m : all_methods()) names.push_back(method_name(m));
    if (c.contains("anchor_every")) {
      MethodOptions o;
      o.anchor_every = c.at("anchor_every").get<std::size_t>();
      names.push_back("moonwalk_mixed_anchored");
      store->result.push_back(run_method<S>(Method::moonwalk_mixed, p.net.cast<S>(), p.x0.cast<S>(), o));
      store->refused.emplace_back();
    }
    std::map<std::string, MethodResult> out;
    for (std::size_t q = 0; q < names.size(); ++q) {
      MethodResult& r = out[names[q]];
      r.outputs = net_output_map(net_outputs(store->result[q]));
      r.refused = store->refused[q];
      if (r.refused.empty()) r.ledger = &store->result[q].ledger;
    }
    return out;
  };
}

bool any_method(const std::string&) { return true; }

void check_networks(const std::string& dir, Grades& gr) {
  const std::string path = dir + "/networks.json";
  if (!std::filesystem::exists(path)) return;
  const nlohmann::json doc = read_vector_file(path, kNetworkVectorFormat);
  grade_networks(doc, "float", any_method, reference_net_source<float>(std::make_shared<MethodRuns<float>>()), gr);
  grade_networks(doc, "double", any_method, reference_net_source<double>(std::make_shared<MethodRuns<double>>()), gr);
}

void check_losses(const std::string& dir, Grades& gr) {
  const std::string path = dir + "/losses.json";
  if (!std::filesystem::exists(path)) return;
  const nlohmann::json doc = read_vector_file(path, kVectorFormat);
  grade_cases(doc, "float", loss_source<float>(), gr);
  grade_cases(doc, "double", loss_source<double>(), gr);
}

// A port's results (docs/porting.md, "Judging a port"), keyed by case,
// method ("" for operators and losses), precision and output.
struct Results {
  struct Key {
    std::string case_name, method, precision, output;
    bool operator<(const Key& o) const {
      return std::tie(case_name, method, precision, output) < std::tie(o.case_name, o.method, o.precision, o.output);
    }
  };
  std::map<Key, Mat<mp50>> values;
  std::map<Key, std::string> origin;  // the file each entry came from
  std::set<Key> used;

  explicit Results(const std::vector<std::string>& files) {
    for (const std::string& path : files) {
      const nlohmann::json doc = read_vector_file(path, kResultsFormat);
      for (const auto& r : doc.at("results")) {
        const Key k{r.at("case").get<std::string>(), r.value("method", std::string()), r.at("precision").get<std::string>(),
                    r.at("output").get<std::string>()};
        if (!values.emplace(k, matrix_from_json<mp50>(r.at("values"))).second)
          throw std::invalid_argument(path + ": case " + k.case_name + " " + k.method + " " + k.output + " (" + k.precision +
                                      ") given twice");
        origin[k] = path;
      }
    }
  }
  // Does any result name this case in this precision (and method)?
  bool touches(const std::string& case_name, const std::string& method, const std::string& prec) const {
    const auto it = values.lower_bound(Key{case_name, method, prec, ""});
    return it != values.end() && it->first.case_name == case_name && it->first.method == method && it->first.precision == prec;
  }
  Outputs outputs(const std::string& case_name, const std::string& method, const std::string& prec) {
    Outputs out;
    for (auto it = values.lower_bound(Key{case_name, method, prec, ""});
         it != values.end() && it->first.case_name == case_name && it->first.method == method && it->first.precision == prec; ++it) {
      out[it->first.output] = it->second;
      used.insert(it->first);
    }
    return out;
  }
};

const char* const kPrecisions[] = {"float", "double"};

// A file is judged in a precision when the results name any of its cases there.
bool touched(const nlohmann::json& doc, const Results& res, const std::string& method, const std::string& prec) {
  for (const auto& c : doc.at("cases"))
    if (res.touches(c.at("name").get<std::string>(), method, prec)) return true;
  return false;
}

std::vector<std::string> vector_files(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::invalid_argument("vectors: no directory '" + dir + "'");
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

bool is_network_file(const std::string& path) { return std::filesystem::path(path).stem() == "networks"; }

}  // namespace

double relative_error(const Mat<mp50>& computed, const Mat<mp50>& expected) {
  if (computed.rows() != expected.rows() || computed.cols() != expected.cols())
    return std::numeric_limits<double>::infinity();
  return to_double(tolerance::relative_error<mp50>((computed - expected).norm(), expected.norm()));
}

std::vector<std::string> export_vectors(const std::string& dir, const ExportOptions& o) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> written;
  reference::for_each_op(reference::Operators{}, Exporter{dir, o, written});
  written.push_back(export_losses(dir));
  export_networks(dir, o, written);
  return written;
}

std::vector<VectorRow> check_vectors(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) throw std::invalid_argument("vectors: no directory '" + dir + "'");
  Grades gr;
  reference::for_each_op(reference::Operators{}, Checker{dir, gr});
  check_losses(dir, gr);
  check_networks(dir, gr);
  std::vector<VectorRow> rows = gr.rows();
  if (rows.empty()) throw std::invalid_argument("vectors: no operator, loss or network files in '" + dir + "'");
  return rows;
}

std::vector<VectorRow> judge_results(const std::string& dir, const std::vector<std::string>& files) {
  Results res(files);
  Grades gr;
  for (const std::string& path : vector_files(dir)) {
    if (is_network_file(path)) {
      const nlohmann::json doc = read_vector_file(path, kNetworkVectorFormat);
      for (const std::string prec : kPrecisions) {
        std::set<std::string> methods;
        for (const auto& c : doc.at("cases"))
          for (const auto& [name, tol] : c.at("tolerance").at(prec).items())
            if (res.touches(c.at("name").get<std::string>(), name, prec)) methods.insert(name);
        if (methods.empty()) continue;
        grade_networks(
            doc, prec, [&](const std::string& m) { return methods.count(m) > 0; },
            [&](const nlohmann::json& c) {
              std::map<std::string, MethodResult> out;
              for (const std::string& m : methods) out[m].outputs = res.outputs(c.at("name").get<std::string>(), m, prec);
              return out;
            },
            gr);
      }
    } else {
      const nlohmann::json doc = read_vector_file(path, kVectorFormat);
      for (const std::string prec : kPrecisions)
        if (touched(doc, res, "", prec))
          grade_cases(doc, prec, [&](const nlohmann::json& c) { return res.outputs(c.at("name").get<std::string>(), "", prec); }, gr);
    }
  }
  for (const auto& [k, v] : res.values)
    if (!res.used.count(k))
      gr.fail("results", k.precision, "unmatched", k.case_name,
              res.origin.at(k) + ": no vector for case " + k.case_name + (k.method.empty() ? "" : " method " + k.method) +
                  " output " + k.output + " in " + k.precision + " (in '" + dir + "')");
  std::vector<VectorRow> rows = gr.rows();
  if (rows.empty()) throw std::invalid_argument("judge: the results name no case");
  return rows;
}

namespace {

void record(nlohmann::json& out, const std::string& case_name, const std::string& method, const std::string& prec,
            const Outputs& outputs) {
  for (const auto& [key, value] : outputs) {
    nlohmann::json r{{"case", case_name}, {"output", key}, {"precision", prec}, {"values", matrix_json(value)}};
    if (!method.empty()) r["method"] = method;
    out.push_back(std::move(r));
  }
}

struct ResultsWriter {
  const std::string& dir;
  nlohmann::json& out;

  template <template <class> class Op> void operator()() const {
    const std::string path = dir + "/" + Op<double>::name + ".json";
    if (!std::filesystem::exists(path)) return;
    const nlohmann::json doc = read_vector_file(path, kVectorFormat);
    for (const auto& c : doc.at("cases")) {
      record(out, c.at("name").get<std::string>(), "", "float", reference_source<float, Op>()(c));
      record(out, c.at("name").get<std::string>(), "", "double", reference_source<double, Op>()(c));
    }
  }
};

}  // namespace

nlohmann::json reference_results(const std::string& dir) {
  nlohmann::json results = nlohmann::json::array();
  reference::for_each_op(reference::Operators{}, ResultsWriter{dir, results});
  if (const std::string path = dir + "/losses.json"; std::filesystem::exists(path)) {
    const nlohmann::json doc = read_vector_file(path, kVectorFormat);
    for (const auto& c : doc.at("cases")) {
      record(results, c.at("name").get<std::string>(), "", "float", loss_source<float>()(c));
      record(results, c.at("name").get<std::string>(), "", "double", loss_source<double>()(c));
    }
  }
  if (const std::string path = dir + "/networks.json"; std::filesystem::exists(path)) {
    const nlohmann::json doc = read_vector_file(path, kNetworkVectorFormat);
    const NetSource sources[] = {reference_net_source<float>(std::make_shared<MethodRuns<float>>()),
                                 reference_net_source<double>(std::make_shared<MethodRuns<double>>())};
    for (const auto& c : doc.at("cases"))
      for (std::size_t q = 0; q < 2; ++q)
        for (const auto& [method, run] : sources[q](c))
          if (run.refused.empty()) record(results, c.at("name").get<std::string>(), method, kPrecisions[q], run.outputs);
  }
  return {{"format", kResultsFormat}, {"version", 1}, {"results", results}};
}

double VectorRow::versus_reference() const {
  return reference_error_sum > 0 ? error_sum / reference_error_sum : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace moonwalk::verify
