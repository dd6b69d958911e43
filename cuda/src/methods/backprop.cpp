#include "moonwalk/cuda/methods/backprop.hpp"

namespace moonwalk::cuda::methods {

template <class S> Gradients<S> backprop(const Network<S>& net, const HostMatrix<S>& x0) {
  check_input(net, x0);
  Arena& a = net.arena();
  a.reset_peaks();
  const std::size_t L = net.depth();
  Gradients<S> out;
  std::vector<DeviceMatrix<S>> inputs(L);
  inputs[0] = DeviceMatrix<S>::upload(a, x0, Category::layer_inputs);
  DeviceMatrix<S> y;
  for (std::size_t i = 0; i < L; ++i) {
    DeviceMatrix<S> next = net.forward(i, inputs[i]);
    if (i + 1 < L) {
      next.retag(Category::layer_inputs);
      inputs[i + 1] = std::move(next);
    } else {
      y = std::move(next);
    }
  }
  out.loss = net.loss_value(y);
  DeviceMatrix<S> h = net.loss_gradient(y);
  y = DeviceMatrix<S>();
  out.params.resize(L);
  for (std::size_t i = L; i-- > 0;) {
    h = reverse_step(net, i, inputs[i], h, out);
    inputs[i] = DeviceMatrix<S>();
  }
  out.input = h.download();
  out.memory = MemoryPeaks::of(a);
  return out;
}

template Gradients<float> backprop(const Network<float>&, const HostMatrix<float>&);
template Gradients<double> backprop(const Network<double>&, const HostMatrix<double>&);

}  // namespace moonwalk::cuda::methods
