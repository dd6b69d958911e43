#include "moonwalk/cuda/methods/checkpointed.hpp"

#include <algorithm>
#include <cmath>

namespace moonwalk::cuda::methods {

template <class S> Gradients<S> checkpointed(const Network<S>& net, const HostMatrix<S>& x0) {
  check_input(net, x0);
  Arena& a = net.arena();
  a.reset_peaks();
  const std::size_t L = net.depth();
  const std::size_t s = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(L))));
  Gradients<S> out;
  std::vector<DeviceMatrix<S>> checkpoints;  // input of segment k = layers [k·s, min(L, (k+1)·s))
  DeviceMatrix<S> x = DeviceMatrix<S>::upload(a, x0, Category::checkpoints);
  for (std::size_t i = 0; i < L; ++i) {
    DeviceMatrix<S> next = net.forward(i, x);
    if (i % s == 0) checkpoints.push_back(std::move(x));
    if ((i + 1) % s == 0 && i + 1 < L) next.retag(Category::checkpoints);
    x = std::move(next);
  }
  out.loss = net.loss_value(x);
  DeviceMatrix<S> h = net.loss_gradient(x);
  x = DeviceMatrix<S>();
  out.params.resize(L);
  for (std::size_t k = checkpoints.size(); k-- > 0;) {
    const std::size_t first = k * s, last = std::min(L, first + s);
    std::vector<DeviceMatrix<S>> inputs;
    inputs.push_back(checkpoints[k].copy(Category::layer_inputs));
    for (std::size_t i = first; i + 1 < last; ++i) {
      inputs.push_back(net.forward(i, inputs.back()));
      inputs.back().retag(Category::layer_inputs);
    }
    for (std::size_t i = last; i-- > first;) {
      h = reverse_step(net, i, inputs[i - first], h, out);
      inputs[i - first] = DeviceMatrix<S>();
    }
    checkpoints[k] = DeviceMatrix<S>();
  }
  out.input = h.download();
  out.memory = MemoryPeaks::of(a);
  return out;
}

template Gradients<float> checkpointed(const Network<float>&, const HostMatrix<float>&);
template Gradients<double> checkpointed(const Network<double>&, const HostMatrix<double>&);

}  // namespace moonwalk::cuda::methods
