// The one list of layer operators. Everything that enumerates operators is
// derived from it: the reference's Operators type list and Layer variant, the
// CUDA path's Layer variant, the configuration reader, the case generators,
// the conformance suite, and (read by CMake, so keep one entry per line in
// this exact form) the ctest registrations. An entry is X(Type, stem): the
// class template's name, the same in every backend, and its `name`, which is
// also the stem of its files in reference/, cuda/, tests/ and its section of
// docs/spec.md. Needs no library, so the CUDA-only build can include it.
#pragma once

#define MOONWALK_OPERATORS(X)              \
  X(Dense, dense)                          \
  X(LeakyRelu, leaky_relu)                 \
  X(Relu, relu)                            \
  X(Tanh, tanh)                            \
  X(AdditiveCoupling, additive_coupling)   \
  X(GlobalAvgPool, global_avg_pool)        \
  X(Conv1d, conv1d)                        \
  X(PatchDownsample1d, patch_downsample1d) \
  X(Conv2d, conv2d)                        \
  X(PatchDownsample2d, patch_downsample2d) \
  X(SpaceToDepth, space_to_depth)

namespace moonwalk {

template <template <class> class... Ops> struct OpList {};
template <template <class> class Op> struct OpTag {};
template <template <class> class... Ops, template <class> class Op> OpList<Ops..., Op> operator+(OpList<Ops...>, OpTag<Op>);

// The list as a type in the namespace where it is expanded, so that `Dense`
// names that backend's operator: decltype(OpList<>{} MOONWALK_OPERATORS(MOONWALK_OP_TAG)).
#define MOONWALK_OP_TAG(Type, stem) +::moonwalk::OpTag<Type>{}

template <template <class> class... Ops, class F> void for_each_op(OpList<Ops...>, F&& f) {
  (f.template operator()<Ops>(), ...);
}

constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

// Every backend's operator carries the list's stem as its name.
#define MOONWALK_CHECK_OP_NAME(Type, stem) \
  static_assert(::moonwalk::same_name(Type<float>::name, #stem), #Type "::name must be \"" #stem "\"");

}  // namespace moonwalk
