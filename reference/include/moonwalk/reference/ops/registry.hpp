// The operator registry: the one list (operator_list.hpp) as a type list, so
// one generic conformance suite (verify/) runs every identity on every
// operator, and the contract every operator must meet, checked here at
// compile time rather than discovered missing at run time.
#pragma once

#include "moonwalk/reference/ops/additive_coupling.hpp"
#include "moonwalk/reference/ops/conv1d.hpp"
#include "moonwalk/reference/ops/conv2d.hpp"
#include "moonwalk/reference/ops/dense.hpp"
#include "moonwalk/reference/ops/global_avg_pool.hpp"
#include "moonwalk/reference/ops/leaky_relu.hpp"
#include "moonwalk/reference/ops/operator_list.hpp"
#include "moonwalk/reference/ops/patch_downsample1d.hpp"
#include "moonwalk/reference/ops/patch_downsample2d.hpp"
#include "moonwalk/reference/ops/relu.hpp"
#include "moonwalk/reference/ops/space_to_depth.hpp"
#include "moonwalk/reference/ops/tanh.hpp"

#include <type_traits>

namespace moonwalk::reference {

using moonwalk::for_each_op;
using moonwalk::OpList;

using Operators = decltype(OpList<>{} MOONWALK_OPERATORS(MOONWALK_OP_TAG));

namespace detail {

template <class T> using Returns = T;

// The members docs/spec.md gives every operator, with their signatures. An
// operator whose fragment is always empty still provides both fragment
// overloads (returning nothing), so no caller has to guess a fallback.
template <class Op, class S, class = void> struct HasContract : std::false_type {};
template <class Op, class S>
struct HasContract<
    Op, S,
    std::void_t<decltype(Op::name), decltype(Op::bijective),
                decltype(Returns<Index>(std::declval<const Op&>().in_dim())),
                decltype(Returns<Index>(std::declval<const Op&>().out_dim())),
                decltype(Returns<Index>(std::declval<const Op&>().param_count())),
                decltype(Returns<Vec<S>>(std::declval<const Op&>().params())),
                decltype(std::declval<Op&>().set_params(std::declval<const Vec<S>&>())),
                decltype(Returns<Mat<S>>(std::declval<const Op&>().forward(std::declval<const Mat<S>&>()))),
                decltype(Returns<Mat<S>>(std::declval<const Op&>().jvp(
                    std::declval<const Mat<S>&>(), std::declval<const Mat<S>&>(), std::declval<const Vec<S>&>()))),
                decltype(Returns<Residual<S>>(std::declval<const Op&>().input_residual(std::declval<const Mat<S>&>()))),
                decltype(Returns<Mat<S>>(std::declval<const Op&>().vjp_input(std::declval<const Residual<S>&>(),
                                                                              std::declval<const Mat<S>&>()))),
                decltype(Returns<Vec<S>>(std::declval<const Op&>().vjp_params(std::declval<const Mat<S>&>(),
                                                                               std::declval<const Mat<S>&>()))),
                decltype(Returns<Index>(std::declval<const Op&>().fragment_size(std::declval<const Mat<S>&>()))),
                decltype(Returns<Fragment<S>>(std::declval<const Op&>().fragment(std::declval<const Mat<S>&>(),
                                                                                  std::declval<const Mat<S>&>()))),
                decltype(Returns<Fragment<S>>(std::declval<const Op&>().fragment(std::declval<const Residual<S>&>(),
                                                                                  std::declval<const Mat<S>&>()))),
                decltype(Returns<Mat<S>>(std::declval<const Op&>().vijp(
                    std::declval<const Mat<S>&>(), std::declval<const Mat<S>&>(), std::declval<const Fragment<S>&>()))),
                decltype(Returns<Mat<S>>(std::declval<const Op&>().jacobian(std::declval<const Vec<S>&>())))>>
    : std::true_type {};

template <class Op, class S, class = void> struct HasInverse : std::false_type {};
template <class Op, class S>
struct HasInverse<Op, S,
                  std::void_t<decltype(Returns<Mat<S>>(std::declval<const Op&>().inverse(std::declval<const Mat<S>&>())))>>
    : std::true_type {};

}  // namespace detail

// True when Op<S> has every member of the operator contract, and an inverse
// exactly when it declares itself bijective.
template <template <class> class Op, class S>
inline constexpr bool is_operator_v =
    detail::HasContract<Op<S>, S>::value && detail::HasInverse<Op<S>, S>::value == Op<S>::bijective;

#define MOONWALK_CHECK_REFERENCE_OP(Type, stem)                                                      \
  static_assert(is_operator_v<Type, double>, #Type " does not meet the operator contract (registry.hpp)"); \
  MOONWALK_CHECK_OP_NAME(Type, stem)
MOONWALK_OPERATORS(MOONWALK_CHECK_REFERENCE_OP)
#undef MOONWALK_CHECK_REFERENCE_OP

}  // namespace moonwalk::reference
