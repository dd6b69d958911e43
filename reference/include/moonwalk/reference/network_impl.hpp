// The calls that reach into a layer's operator through the variant: the one
// forward of Network and the per-layer steps of methods/common.hpp. They are
// declared there and defined here, and reference/src/network_instances.inc
// compiles them once for each scalar (float, double, mp50) into the
// moonwalk_reference_layers library. A translation unit that runs a method
// then compiles the method alone, not every operator again (verify's
// methods_float.cpp: 121 s before, 49 s after, g++ -O3). A new scalar type
// needs its own instance file.
#pragma once

#include "moonwalk/reference/methods/common.hpp"

namespace moonwalk::reference {

template <class S> Mat<S> Network<S>::forward(std::size_t i, const Mat<S>& x) const {
  return std::visit([&](const auto& op) { return op.forward(x); }, layers[i]);
}

namespace methods {

template <class S> Residual<S> residual(const Network<S>& net, std::size_t i, const Mat<S>& x) {
  return std::visit([&](const auto& op) { return op.input_residual(x); }, net.layers[i]);
}
template <class S> Mat<S> vjp_input(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& d) {
  return std::visit([&](const auto& op) { return op.vjp_input(r, d); }, net.layers[i]);
}
template <class S> Vec<S> vjp_params(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& d) {
  return std::visit([&](const auto& op) { return op.vjp_params(x, d); }, net.layers[i]);
}
template <class S> Mat<S> jvp(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& xd, const Vec<S>& pd) {
  return std::visit([&](const auto& op) { return op.jvp(x, xd, pd); }, net.layers[i]);
}
template <class S> Mat<S> vijp(const Network<S>& net, std::size_t i, const Mat<S>& x, const Mat<S>& g,
                               const Fragment<S>& f) {
  return std::visit([&](const auto& op) { return op.vijp(x, g, f); }, net.layers[i]);
}
template <class S> Index fragment_size(const Network<S>& net, std::size_t i, const Mat<S>& x) {
  return std::visit([&](const auto& op) { return op.fragment_size(x); }, net.layers[i]);
}
template <class S> Mat<S> inverse(const Network<S>& net, std::size_t i, const Mat<S>& y) {
  return std::visit(
      [&](const auto& op) -> Mat<S> {
        if constexpr (std::decay_t<decltype(op)>::bijective) return op.inverse(y);
        else fail("network", net.label(i) + " is not bijective");
      },
      net.layers[i]);
}
template <class S> Fragment<S> fragment(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& d) {
  return std::visit([&](const auto& op) { return op.fragment(r, d); }, net.layers[i]);
}

}  // namespace methods
}  // namespace moonwalk::reference
