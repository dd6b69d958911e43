#include "moonwalk/cuda/methods/moonwalk_mixed.hpp"

namespace moonwalk::cuda::methods {

template <class S> Gradients<S> moonwalk_mixed(const Network<S>& net, const HostMatrix<S>& x0, MixedOptions o) {
  check_input(net, x0);
  Arena& a = net.arena();
  a.reset_peaks();
  const std::size_t L = net.depth();
  Gradients<S> out;
  const DeviceMatrix<S> input = DeviceMatrix<S>::upload(a, x0);

  // Phase I.
  std::vector<DeviceResidual<S>> residuals(L);
  DeviceMatrix<S> x;
  for (std::size_t i = 0; i < L; ++i) {
    const DeviceMatrix<S>& xi = i ? x : input;
    residuals[i] = net.residual(i, xi);
    x = net.forward(i, xi);
  }
  out.loss = net.loss_value(x);
  DeviceMatrix<S> h = net.loss_gradient(x);
  x = DeviceMatrix<S>();

  // Phase II.
  std::vector<DeviceFragment<S>> fragments(L);
  std::vector<DeviceMatrix<S>> anchors(L);
  auto anchored = [&](std::size_t i) { return o.anchor_every && (i + 1) % o.anchor_every == 0; };
  for (std::size_t i = L; i-- > 0;) {
    if (anchored(i)) {
      anchors[i] = h.copy(Category::checkpoints);
    } else {
      fragments[i] = net.fragment(i, residuals[i], h);
      if (fragments[i].size() && !o.fragments)
        fail("moonwalk_mixed", net.label(i) + " is not submersive at this input (" + std::to_string(fragments[i].size()) +
                                   " cokernel dimensions) and fragments are off");
    }
    h = net.vjp_input(i, residuals[i], h);
    residuals[i] = DeviceResidual<S>();
  }
  out.input = h.download();

  // Phase III.
  out.params.resize(L);
  out.certificate.assign(L, 0.0);
  DeviceMatrix<S> h_prev = std::move(h);
  for (std::size_t i = 0; i < L; ++i) {
    const DeviceMatrix<S>& xi = i ? x : input;
    DeviceMatrix<S> hi;
    if (anchored(i)) {
      hi = std::move(anchors[i]);
      hi.retag(Category::working_set);
    } else {
      hi = net.vijp(i, xi, h_prev, fragments[i]);
      fragments[i] = DeviceFragment<S>();
    }
    if (net.param_count(i) > 0) out.params[i] = download_column(net.vjp_params(i, xi, hi));
    {
      const Arena::Redirect transient(a, Category::input_residuals, Category::working_set);
      const DeviceResidual<S> r = net.residual(i, xi);
      out.certificate[i] = relative_gap(net.vjp_input(i, r, hi), h_prev);
    }
    DeviceMatrix<S> next = net.forward(i, xi);
    x = std::move(next);
    h_prev = std::move(hi);
  }
  out.memory = MemoryPeaks::of(a);
  return out;
}

template Gradients<float> moonwalk_mixed(const Network<float>&, const HostMatrix<float>&, MixedOptions);
template Gradients<double> moonwalk_mixed(const Network<double>&, const HostMatrix<double>&, MixedOptions);

}  // namespace moonwalk::cuda::methods
