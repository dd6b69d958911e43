#pragma once

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/dump.hpp"

namespace moonwalk::verify {

template <template <class> class Op, class S> nlohmann::json dump_case(const OpCase<Op>& c, const Exact& e) {
  using reference::Fragment;
  const Op<S> op = c.op.template cast<S>();
  const Mat<S> x = c.x.template cast<S>(), xdot = c.xdot.template cast<S>(), delta = c.delta.template cast<S>();
  const Vec<S> pdot = c.pdot.template cast<S>();
  nlohmann::json j;
  j["operator"] = Op<double>::name;
  j["precision"] = scalar_name<S>();
  j["inputs"] = {{"params", matrix_json(c.op.params())}, {"x", matrix_json(c.x)}, {"xdot", matrix_json(c.xdot)},
                 {"pdot", matrix_json(c.pdot)}, {"delta", matrix_json(c.delta)}};
  nlohmann::json computed;
  auto attempt = [&](const char* key, auto&& f) {
    try {
      computed[key] = matrix_json(f());
    } catch (const std::exception& ex) {
      computed[key] = std::string("threw: ") + ex.what();
    }
  };
  attempt("forward", [&] { return op.forward(x); });
  attempt("jvp", [&] { return op.jvp(x, xdot, pdot); });
  attempt("vjp_input", [&] { return op.vjp_input(op.input_residual(x), delta); });
  attempt("vjp_params", [&] { return Mat<S>(op.vjp_params(x, delta)); });
  attempt("fragment", [&] { return Mat<S>(op.fragment(x, delta).values); });
  attempt("vijp_of_vjp", [&] { return op.vijp(x, op.vjp_input(op.input_residual(x), delta), op.fragment(x, delta)); });
  j["computed"] = computed;
  nlohmann::json jac = nlohmann::json::array();
  for (const auto& J : e.jacobian) jac.push_back(matrix_json(J));
  j["exact"] = {{"jvp_central_difference", matrix_json(e.jvp_fd)},
                {"vijp_of_vjp", matrix_json(c.delta)},
                {"jacobian", jac},
                {"cokernel_dim", e.cokernel_dim},
                {"cond", e.cond}};
  return j;
}

}  // namespace moonwalk::verify
