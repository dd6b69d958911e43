// What the device gradient methods return, and the arena's measurement of a
// run. The methods mirror the reference's (reference/methods/*.hpp) step for
// step and keep the same buffers in the same ledger categories, so the
// arena's peaks per category are the reference ledger's for the same network.
#pragma once

#include "moonwalk/cuda/network.hpp"

#include <array>
#include <vector>

namespace moonwalk::cuda::methods {

// The arena's peaks over one method run (Arena::reset_peaks at its start, so
// what was held before, such as θ, counts from its current size).
struct MemoryPeaks {
  std::array<std::size_t, kCategories> peak{};
  std::size_t stored = 0;  // layer inputs + input residuals + fragments + anchors, at its peak
  std::size_t total = 0;   // every category together, at its peak
  std::size_t at(Category c) const { return peak[static_cast<std::size_t>(c)]; }
  static MemoryPeaks of(const Arena& a);
};

template <class S> struct Gradients {
  S loss = 0;
  std::vector<std::vector<S>> params;  // one per layer, empty for parameter-free layers
  HostMatrix<S> input;                 // ∂ℓ/∂x_0
  // moonwalk_mixed: per layer ‖vjp_input(h_i) − h_{i−1}‖ / ‖h_{i−1}‖ (h_i rebuilt by vijp).
  std::vector<double> certificate;
  MemoryPeaks memory;
};

// One backprop step through layer i from its kept input x: g_i into
// out.params[i], and h_{i-1} returned. The residual derived from x for this
// step is counted as working set (Arena::Redirect), not as a kept residual.
template <class S>
DeviceMatrix<S> reverse_step(const Network<S>& net, std::size_t i, const DeviceMatrix<S>& x, const DeviceMatrix<S>& h,
                             Gradients<S>& out);
// ‖a − b‖_F / ‖b‖_F on the host, accumulated in long double (both downloaded);
// ‖a‖_F where b = 0 (tolerance_rules.hpp).
template <class S> double relative_gap(const DeviceMatrix<S>& a, const DeviceMatrix<S>& b);
// Refuses an input of the wrong height or with a non-finite entry.
template <class S> void check_input(const Network<S>& net, const HostMatrix<S>& x0);
template <class S> std::vector<S> download_column(const DeviceMatrix<S>& m);

}  // namespace moonwalk::cuda::methods
