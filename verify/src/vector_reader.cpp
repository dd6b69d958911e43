#include "moonwalk/verify/vector_reader.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/methods.hpp"
#include "moonwalk/verify/op_config.hpp"

#include <cmath>
#include <vector>

namespace moonwalk::verify {

namespace {

using config::Node;
using reference::Index;

const char* const kPrecisionKeys[] = {"float", "double"};

std::string dims_text(Index rows, Index cols) { return std::to_string(rows) + " × " + std::to_string(cols); }

template <class S> reference::Mat<S> matrix(const Node& n, Index rows = -1, Index cols = -1) {
  reference::Mat<S> m = matrix_at<S>(n);
  if ((rows >= 0 && m.rows() != rows) || (cols >= 0 && m.cols() != cols))
    n.fail("is " + dims_text(m.rows(), m.cols()) + ", expected " + (rows >= 0 ? std::to_string(rows) : "any") + " × " +
           (cols >= 0 ? std::to_string(cols) : "any"));
  return m;
}

// A tolerance or a reference error: a finite number ≥ 0.
void nonnegative(const Node& n) {
  if (!n.value().is_number()) n.fail("must be a number, got " + n.value().dump().substr(0, 40));
  const double v = n.value().get<double>();
  if (!(std::isfinite(v) && v >= 0)) n.fail("must be a finite number ≥ 0, got " + n.value().dump());
}

// A decimal given as a string, as the vectors write 50-digit values.
void decimal_text(const Node& n) {
  n.text();
  n.decimal();
}

// The outputs a case expects, each a matrix, with a tolerance and a reference
// error per precision for each.
void expectations(const Node& c) {
  const Node expected = c.at("expected");
  if (!expected.value().is_object()) expected.fail("must be an object of outputs");
  std::vector<std::string> keys;
  for (const auto& item : expected.value().items()) {
    matrix<mp50>(expected.at(item.key().c_str()));
    keys.push_back(item.key());
  }
  for (const char* table : {"tolerance", "reference_error"})
    for (const char* prec : kPrecisionKeys) {
      const Node t = c.at(table).at(prec);
      for (const std::string& key : keys) nonnegative(t.at(key.c_str()));
    }
}

template <template <class> class Op> void operator_case(const Node& c, std::size_t max_bytes) {
  const Node config = c.at("config");
  const std::size_t bytes = layer_bytes(config, Op<double>::name, 1);
  if (bytes > max_bytes)
    config.fail("this operator needs " + std::to_string(bytes) + " bytes (50-digit scalars), more than the limit of " +
                std::to_string(max_bytes));
  const Op<double> op = op_shell<Op>(config);
  const Index P = op.param_count();
  matrix<double>(c.at("params"), P, 1);
  const Index B = matrix<double>(c.at("x"), op.in_dim()).cols();
  matrix<double>(c.at("xdot"), op.in_dim(), B);
  matrix<double>(c.at("pdot"), P, 1);
  matrix<double>(c.at("delta"), op.out_dim(), B);
  matrix<mp50>(c.at("g"));
  matrix<mp50>(c.at("fragment"));
  if (c.has("fragment_positions")) {
    const Node positions = c.at("fragment_positions");
    positions.array();
    for (std::size_t i = 0; i < positions.size(); ++i) positions.at(i).integer(0);
  }
  expectations(c);
}

void loss_case(const Node& c) {
  const int loss = c.at("loss").choice({"mse", "softmax_cross_entropy"});
  const Node config = c.at("config");
  decimal_text(config.at("scale"));
  const auto x = matrix<double>(c.at("x"));
  if (loss == 0) {
    matrix<double>(c.at("target"), x.rows(), x.cols());
  } else {
    const Index classes = config.dim("classes");
    if (x.rows() != classes) c.at("x").fail("has " + std::to_string(x.rows()) + " rows for " + std::to_string(classes) + " classes");
    const Node labels = config.at("labels");
    labels.array(static_cast<long>(x.cols()));
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels.at(i).integer(0) >= classes) labels.at(i).fail("is not a class: there are " + std::to_string(classes));
  }
  expectations(c);
}

void operator_or_loss_case(const Node& c, const std::string& op, std::size_t max_bytes) {
  c.at("name").text();
  if (op == "losses") return loss_case(c);
#define MOONWALK_CASE(Type, stem) \
  if (op == #stem) return operator_case<reference::Type>(c, max_bytes);
  MOONWALK_OPERATORS(MOONWALK_CASE)
#undef MOONWALK_CASE
}

// Per precision, per method: loss, params and input.
void method_table(const Node& c, const char* table) {
  for (const char* prec : kPrecisionKeys) {
    const Node t = c.at(table).at(prec);
    if (!t.value().is_object()) t.fail("must be an object of methods");
    for (const auto& item : t.value().items())
      for (const char* key : {"loss", "params", "input"}) nonnegative(t.at(item.key().c_str()).at(key));
  }
}

void network_case(const Node& c, std::size_t max_bytes) {
  c.at("name").text();
  const Node network = c.at("network");
  try {
    problem_from_json(network.value(), max_bytes);
  } catch (const config::ConfigError& e) {
    network.fail(e.what());
  } catch (const reference::Error& e) {
    network.fail(e.what());
  }
  const Node expected = c.at("expected");
  decimal_text(expected.at("loss"));
  const Node params = expected.at("params");
  params.array();
  for (std::size_t i = 0; i < params.size(); ++i) matrix<mp50>(params.at(i));
  matrix<mp50>(expected.at("input"));
  method_table(c, "tolerance");
  method_table(c, "reference_error");
  for (const char* prec : kPrecisionKeys) {
    const Node tol = c.at("tolerance").at(prec), err = c.at("reference_error").at(prec);
    for (const auto& item : tol.value().items()) err.at(item.key().c_str());
  }
  if (c.has("ledger"))
    for (const char* prec : kPrecisionKeys) {
      const Node l = c.at("ledger").at(prec);
      if (!l.value().is_object()) l.fail("must be an object of methods");
      for (const auto& method : l.value().items()) {
        const Node m = l.at(method.key().c_str());
        m.at("stored").integer(0);
        for (const auto& category : m.value().items()) m.at(category.key().c_str()).integer(0);
      }
    }
  if (c.has("anchor_every")) c.at("anchor_every").integer(1);
}

void result(const Node& r) {
  r.at("case").text();
  if (r.has("method")) r.at("method").text();
  r.at("precision").text();
  r.at("output").text();
  matrix<mp50>(r.at("values"));
}

void check_document(const Node& doc, const std::string& format, std::size_t max_bytes) {
  const nlohmann::json& j = doc.value();
  if (!j.is_object() || j.value("format", nlohmann::json()) != format || j.value("version", nlohmann::json()) != 1)
    throw config::ConfigError("not a " + format + " version 1 file");
  const Node items = doc.at(format == kResultsFormat ? "results" : "cases");
  items.array();
  if (format == kVectorFormat) {
    const std::string op = doc.at("operator").text();
    bool known = op == "losses";
#define MOONWALK_KNOWN(Type, stem) known = known || op == #stem;
    MOONWALK_OPERATORS(MOONWALK_KNOWN)
#undef MOONWALK_KNOWN
    if (!known) doc.at("operator").fail("\"" + op + "\" is neither an operator nor \"losses\"");
    for (std::size_t i = 0; i < items.size(); ++i) operator_or_loss_case(items.at(i), op, max_bytes);
  } else if (format == kNetworkVectorFormat) {
    for (std::size_t i = 0; i < items.size(); ++i) network_case(items.at(i), max_bytes);
  } else {
    for (std::size_t i = 0; i < items.size(); ++i) result(items.at(i));
  }
}

}  // namespace

void check_vector_document(const std::string& name, const nlohmann::json& doc, const std::string& format,
                           std::size_t max_bytes) {
  in_file(name, [&] { check_document(Node(doc, ""), format, max_bytes); });
}

nlohmann::json read_vector_file(const std::string& path, const std::string& format) {
  nlohmann::json doc = read_json_file(path);
  check_vector_document(path, doc, format, default_max_bytes());
  return doc;
}

}  // namespace moonwalk::verify
