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

// A number given as a decimal string (exact) or a JSON number; a refusal
// names the node's path.
inline double scalar_at(const config::Node& n) {
  n.decimal();  // the form and finiteness, with the path in the message
  return n.value().is_string() ? static_cast<double>(mp50(n.value().get<std::string>())) : n.value().get<double>();
}
inline double scalar_from_json(const nlohmann::json& j) { return scalar_at(config::Node(j, "")); }

// {"rows": r, "cols": c, "data": [column-major decimals]}, read in S.
template <class S> reference::Mat<S> matrix_at(const config::Node& n) {
  const Eigen::Index rows = n.at("rows").integer(0), cols = n.at("cols").integer(0);
  const config::Node data = n.at("data");
  data.array(static_cast<long>(rows * cols));
  reference::Mat<S> m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) {
      const config::Node v = data.at(static_cast<std::size_t>(j * rows + i));
      v.decimal();
      m(i, j) = v.value().is_string() ? S(mp50(v.value().get<std::string>())) : S(v.value().get<double>());
    }
  return m;
}
template <class S> reference::Mat<S> matrix_from_json(const nlohmann::json& j) { return matrix_at<S>(config::Node(j, "")); }

}  // namespace moonwalk::verify
