// Decimal text of scalars and matrices for dumps and conformance vectors:
// 50 significant digits, which represents float, double and mp50 values
// exactly enough to read them back bit for bit (a port parses them with its
// own decimal reader).
#pragma once

#include "moonwalk/reference/ops/op_config.hpp"
#include "moonwalk/reference/tensor.hpp"

#include <nlohmann/json.hpp>

#include <ios>
#include <string>

namespace moonwalk::verify {

template <class S> std::string decimal(const S& v) {
  return mp50(v).str(50, std::ios_base::scientific);
}

// {"rows": r, "cols": c, "data": [column-major decimal strings]}
template <class Derived> nlohmann::json matrix_json(const Eigen::MatrixBase<Derived>& m) {
  nlohmann::json data = nlohmann::json::array();
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i) data.push_back(decimal(m(i, j)));
  return {{"rows", m.rows()}, {"cols", m.cols()}, {"data", data}};
}

// A number given as a decimal string (exact) or a JSON number, in S; a
// refusal names the node's path, also for a value beyond S's range.
template <class S> S scalar_in(const config::Node& n) {
  n.decimal();  // the form and finiteness, with the path in the message
  const S v = n.value().is_string() ? S(mp50(n.value().get<std::string>())) : S(n.value().get<double>());
  if (!moonwalk::is_finite(v)) n.fail(n.value().dump() + " is beyond the range of " + moonwalk::scalar_name<S>());
  return v;
}
inline double scalar_at(const config::Node& n) { return scalar_in<double>(n); }
inline double scalar_from_json(const nlohmann::json& j) { return scalar_at(config::Node(j, "")); }

// {"rows": r, "cols": c, "data": [column-major decimals]}, read in S.
template <class S> reference::Mat<S> matrix_at(const config::Node& n) {
  const Eigen::Index rows = n.at("rows").integer(0), cols = n.at("cols").integer(0);
  const config::Node data = n.at("data");
  if (cols > 0 && rows > static_cast<Eigen::Index>(data.array().size()) / cols)
    n.fail(std::to_string(rows) + " × " + std::to_string(cols) + " does not match the " + std::to_string(data.size()) +
           " entries of 'data'");
  data.array(static_cast<long>(rows * cols));
  reference::Mat<S> m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = scalar_in<S>(data.at(static_cast<std::size_t>(j * rows + i)));
  return m;
}
template <class S> reference::Mat<S> matrix_from_json(const nlohmann::json& j) { return matrix_at<S>(config::Node(j, "")); }

}  // namespace moonwalk::verify
