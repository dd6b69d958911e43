// Decimal text of scalars and matrices for dumps and conformance vectors:
// 50 significant digits, which represents float, double and mp50 values
// exactly enough to read them back bit for bit (a port parses them with its
// own decimal reader).
#pragma once

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

// A number given as a decimal string (exact) or a JSON number.
inline double scalar_from_json(const nlohmann::json& j) {
  return j.is_string() ? static_cast<double>(mp50(j.get<std::string>())) : j.get<double>();
}

template <class S> reference::Mat<S> matrix_from_json(const nlohmann::json& j) {
  const auto rows = j.at("rows").get<Eigen::Index>(), cols = j.at("cols").get<Eigen::Index>();
  const auto& data = j.at("data");
  if (static_cast<Eigen::Index>(data.size()) != rows * cols)
    throw std::invalid_argument("matrix: data has " + std::to_string(data.size()) + " entries, expected " +
                                std::to_string(rows * cols));
  reference::Mat<S> m(rows, cols);
  for (Eigen::Index j2 = 0; j2 < cols; ++j2)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j2) = S(mp50(data[static_cast<std::size_t>(j2 * rows + i)].get<std::string>()));
  return m;
}

}  // namespace moonwalk::verify
