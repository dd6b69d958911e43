// The operator registry: every layer operator as a type list, so one generic
// conformance suite (verify/) runs every identity on every operator. Adding an
// operator means adding it here and giving it a generator in verify/.
#pragma once

#include "moonwalk/reference/ops/additive_coupling.hpp"
#include "moonwalk/reference/ops/conv1d.hpp"
#include "moonwalk/reference/ops/conv2d.hpp"
#include "moonwalk/reference/ops/dense.hpp"
#include "moonwalk/reference/ops/global_avg_pool.hpp"
#include "moonwalk/reference/ops/leaky_relu.hpp"
#include "moonwalk/reference/ops/patch_downsample1d.hpp"
#include "moonwalk/reference/ops/patch_downsample2d.hpp"
#include "moonwalk/reference/ops/relu.hpp"
#include "moonwalk/reference/ops/tanh.hpp"

namespace moonwalk::reference {

template <template <class> class... Ops> struct OpList {};

using Operators = OpList<Dense, LeakyRelu, Relu, Tanh, AdditiveCoupling, GlobalAvgPool, Conv1d, PatchDownsample1d, Conv2d,
                         PatchDownsample2d>;

// The same list as an X-macro, for explicit instantiation in the few
// translation units that compile multiprecision code. Keep both in step.
#define MOONWALK_OPERATORS(X)                                                                               \
  X(Dense) X(LeakyRelu) X(Relu) X(Tanh) X(AdditiveCoupling) X(GlobalAvgPool) X(Conv1d) X(PatchDownsample1d) \
  X(Conv2d) X(PatchDownsample2d)

template <template <class> class... Ops, class F> void for_each_op(OpList<Ops...>, F&& f) {
  (f.template operator()<Ops>(), ...);
}

}  // namespace moonwalk::reference
