#include "moonwalk/cuda/ops/patch_downsample2d.hpp"

namespace moonwalk::cuda {

template <class S>
PatchDownsample2d<S>::PatchDownsample2d(Context& ctx, Index in_channels, Index height, Index width, Index patch,
                                        const HostMatrix<S>& weight, const std::vector<S>& bias)
    : detail::PatchMap<S>(ctx,
                          {name, "channels, height, width and patch must be positive",
                           "height and width must be multiples of the patch size", "C_in·k²"},
                          kernels::PatchShape{in_channels, height, width, patch, patch}, weight, bias),
      H_(height), W_(width), p_(patch) {}

template class PatchDownsample2d<float>;
template class PatchDownsample2d<double>;

}  // namespace moonwalk::cuda
