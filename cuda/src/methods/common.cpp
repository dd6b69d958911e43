#include "moonwalk/cuda/methods/common.hpp"
#include "moonwalk/reference/tolerance_rules.hpp"

#include <cmath>

namespace moonwalk::cuda::methods {

MemoryPeaks MemoryPeaks::of(const Arena& a) {
  MemoryPeaks m;
  for (std::size_t c = 0; c < kCategories; ++c) m.peak[c] = a.peak(static_cast<Category>(c));
  m.stored = a.peak_stored();
  m.total = a.peak_total();
  return m;
}

template <class S>
DeviceMatrix<S> reverse_step(const Network<S>& net, std::size_t i, const DeviceMatrix<S>& x, const DeviceMatrix<S>& h,
                             Gradients<S>& out) {
  const Arena::Redirect transient(net.arena(), Category::input_residuals, Category::working_set);
  if (net.param_count(i) > 0) out.params[i] = download_column(net.vjp_params(i, x, h));
  const DeviceResidual<S> r = net.residual(i, x);
  return net.vjp_input(i, r, h);
}

template <class S> double relative_gap(const DeviceMatrix<S>& a, const DeviceMatrix<S>& b) {
  const HostMatrix<S> ha = a.download(), hb = b.download();
  if (ha.rows != hb.rows || ha.cols != hb.cols) return INFINITY;
  long double d = 0, n = 0;
  for (std::size_t k = 0; k < ha.data.size(); ++k) {
    const long double e = static_cast<long double>(ha.data[k]) - hb.data[k];
    d += e * e;
    n += static_cast<long double>(hb.data[k]) * hb.data[k];
  }
  return static_cast<double>(tolerance::relative_error(std::sqrt(d), std::sqrt(n)));
}

template <class S> void check_input(const Network<S>& net, const HostMatrix<S>& x0) {
  require_rows(x0.rows, net.in_dim(0), "network", "input");
  require_finite(x0, "network", "input");
}

template <class S> std::vector<S> download_column(const DeviceMatrix<S>& m) { return m.download().data; }

template DeviceMatrix<float> reverse_step(const Network<float>&, std::size_t, const DeviceMatrix<float>&,
                                          const DeviceMatrix<float>&, Gradients<float>&);
template DeviceMatrix<double> reverse_step(const Network<double>&, std::size_t, const DeviceMatrix<double>&,
                                           const DeviceMatrix<double>&, Gradients<double>&);
template double relative_gap(const DeviceMatrix<float>&, const DeviceMatrix<float>&);
template double relative_gap(const DeviceMatrix<double>&, const DeviceMatrix<double>&);
template void check_input(const Network<float>&, const HostMatrix<float>&);
template void check_input(const Network<double>&, const HostMatrix<double>&);
template std::vector<float> download_column(const DeviceMatrix<float>&);
template std::vector<double> download_column(const DeviceMatrix<double>&);

}  // namespace moonwalk::cuda::methods
