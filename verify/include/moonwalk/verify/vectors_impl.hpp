#pragma once

#include "moonwalk/verify/vectors.hpp"

namespace moonwalk::verify {

template <template <class> class Op, class S> Outputs vector_outputs(const Op<double>& op64, const VectorInputs& in) {
  const Op<S> op = op64.template cast<S>();
  const Mat<S> x = in.x.template cast<S>(), xdot = in.xdot.template cast<S>(), delta = in.delta.template cast<S>();
  const Vec<S> pdot = in.pdot.template cast<S>();
  const Mat<S> g = in.g.template cast<S>();
  reference::Fragment<S> f;
  // The vectors store a fragment as a column (rows × 1, or empty).
  f.values = Eigen::Map<const reference::Vec<mp50>>(in.fragment.data(), in.fragment.size()).template cast<S>();
  auto up = [](const auto& m) { return Mat<mp50>(m.template cast<mp50>()); };
  Outputs out;
  out["forward"] = up(op.forward(x));
  out["jvp"] = up(op.jvp(x, xdot, pdot));
  out["vjp_input"] = up(op.vjp_input(op.input_residual(x), delta));
  out["vjp_params"] = up(Mat<S>(op.vjp_params(x, delta)));
  out["fragment"] = up(Mat<S>(op.fragment(x, delta).values));
  // Every fragment selects entries of δ: with δ's flat column-major indices
  // as its values, the fragment lists the positions it selects, in its order.
  Mat<S> index(delta.rows(), delta.cols());
  for (Index i = 0; i < index.size(); ++i) index(i) = S(i);
  out["fragment_positions"] = up(Mat<S>(op.fragment(x, index).values));
  if (in.g.size()) out["vijp"] = up(op.vijp(x, g, f));
  return out;
}

}  // namespace moonwalk::verify
