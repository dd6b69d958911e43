// space_to_depth: the i-RevNet downsampling permutation y = Π x, C × H × W to
// C·b² × (H/b) × (W/b), no parameters, as the reference
// (reference/ops/space_to_depth.hpp). Own gather/scatter kernels.
//   vjp_input: h = Πᵀ δ;  vijp: h = Π g (exact);  no residual, no fragment.
#pragma once

#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops/contract.hpp"
#include "moonwalk/cuda/tensor.hpp"

namespace moonwalk::cuda {

template <class S> class SpaceToDepth {
public:
  static constexpr const char* name = "space_to_depth";

  SpaceToDepth(Context& ctx, Index channels, Index height, Index width, Index block);

  Index in_dim() const { return C_ * H_ * W_; }
  Index out_dim() const { return in_dim(); }
  Index param_count() const { return 0; }

  MOONWALK_CUDA_OPERATOR_CONTRACT(S);
  Index fragment_size(const DeviceMatrix<S>&) const { return 0; }

private:
  DeviceMatrix<S> permute(const DeviceMatrix<S>& m, bool gather) const;
  Context* ctx_;
  Index C_, H_, W_, b_;
};

}  // namespace moonwalk::cuda
