#pragma once

#include "moonwalk/verify/methods.hpp"

namespace moonwalk::verify {

template <class S>
reference::Gradients<S> run_method(Method m, const reference::Network<S>& net, const Mat<S>& x0, const MethodOptions& o) {
  namespace rm = reference::methods;
  switch (m) {
    case Method::backprop: return rm::backprop(net, x0);
    case Method::backprop_minimal: return rm::backprop(net, x0, rm::BackpropStore::minimal);
    case Method::checkpointed: return rm::checkpointed(net, x0);
    case Method::reversible: return rm::reversible(net, x0);
    case Method::naive_forward: return rm::naive_forward(net, x0);
    case Method::moonwalk_forward: return rm::moonwalk_forward(net, x0);
    case Method::moonwalk_mixed: return rm::moonwalk_mixed(net, x0, rm::MixedOptions{o.anchor_every, true, o.faults, o.anchor_error});
  }
  throw std::logic_error("unknown method");
}

template <class S> Vec<mp50> flatten(const reference::Gradients<S>& g) {
  Index n = g.input.size();
  for (const auto& p : g.params) n += p.size();
  Vec<mp50> v(n);
  Index k = 0;
  for (const auto& p : g.params)
    for (Index i = 0; i < p.size(); ++i) v(k++) = mp50(p(i));
  for (Index j = 0; j < g.input.cols(); ++j)
    for (Index i = 0; i < g.input.rows(); ++i) v(k++) = mp50(g.input(i, j));
  return v;
}

}  // namespace moonwalk::verify
