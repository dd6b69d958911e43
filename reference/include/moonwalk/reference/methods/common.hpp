// Shared steps of the gradient methods: one layer's forward, residual, vjps,
// fragment and vijp through the variant, with the ledger told what is kept.
#pragma once

#include "moonwalk/reference/network.hpp"

#include <cmath>
#include <type_traits>

namespace moonwalk::reference::methods {

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
// The fragment of δ from what Phase I kept (no layer input); every operator
// provides it (registry.hpp's contract).
template <class S> Fragment<S> fragment(const Network<S>& net, std::size_t i, const Residual<S>& r, const Mat<S>& d) {
  return std::visit([&](const auto& op) { return op.fragment(r, d); }, net.layers[i]);
}

template <class S> void check_input(const Network<S>& net, const Mat<S>& x) {
  require_rows(x, net.in_dim(0), "network", "input");
  require_finite(x, "network", "input");
}

}  // namespace moonwalk::reference::methods
