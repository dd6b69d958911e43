#include "moonwalk/cuda/ops/patch_downsample1d.hpp"

namespace moonwalk::cuda {

template <class S>
PatchDownsample1d<S>::PatchDownsample1d(Context& ctx, Index in_channels, Index width, Index patch,
                                        const HostMatrix<S>& weight, const std::vector<S>& bias)
    : detail::PatchMap<S>(ctx,
                          {name, "channels, width and patch must be positive",
                           "width must be a multiple of the patch size", "C_in·k"},
                          kernels::PatchShape{in_channels, 1, width, 1, patch}, weight, bias),
      W_(width), k_(patch) {}

template class PatchDownsample1d<float>;
template class PatchDownsample1d<double>;

}  // namespace moonwalk::cuda
