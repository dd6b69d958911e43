// Every operator and loss of the CUDA path, float and double, the stems and
// names of the reference's (reference/ops.hpp).
#pragma once

#include "moonwalk/cuda/ops/additive_coupling.hpp"
#include "moonwalk/cuda/ops/conv1d.hpp"
#include "moonwalk/cuda/ops/conv2d.hpp"
#include "moonwalk/cuda/ops/dense.hpp"
#include "moonwalk/cuda/ops/global_avg_pool.hpp"
#include "moonwalk/cuda/ops/leaky_relu.hpp"
#include "moonwalk/cuda/ops/mse.hpp"
#include "moonwalk/cuda/ops/patch_downsample1d.hpp"
#include "moonwalk/cuda/ops/patch_downsample2d.hpp"
#include "moonwalk/cuda/ops/relu.hpp"
#include "moonwalk/cuda/ops/softmax_cross_entropy.hpp"
#include "moonwalk/cuda/ops/space_to_depth.hpp"
#include "moonwalk/cuda/ops/tanh.hpp"
