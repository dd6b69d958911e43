// The generic conformance suite: every identity over every registered
// operator at float, double and 50 digits. A ctest test runs one operator at
// one precision by tag, e.g. "[dense][float]".
#include "moonwalk/verify/generators.hpp"
#include "moonwalk/verify/properties.hpp"

#include <rapidcheck/catch.h>

using namespace moonwalk;
using namespace moonwalk::verify;

namespace {

template <template <class> class Op, class S> void conformance(Property p) {
  int cases = 0, trivial = 0;
  rc::prop(property_name(p), [&](const Shape& s) {
    const OpCase<Op> c = make_case<Op>(s);
    const Exact e = exact_facts(c);
    const Check r = check<Op, S>(p, c, e);
    RC_LOG() << Op<double>::name << " " << scalar_name<S>() << " " << property_name(p) << ": " << r.describe();
    RC_ASSERT(r.applicable);
    RC_ASSERT(r.pass());
    ++cases;
    trivial += r.trivial;
  });
  // No vacuous pass: most cases must have had something to compare.
  CHECK(2 * trivial < cases);
}

}  // namespace

#define MW_CASE(OP, STEM, PROP, TITLE, TAG, S)                                                 \
  TEST_CASE(STEM ": " TITLE " (" #S ")", "[" STEM "][" TAG "][" #S "][conformance]") { \
    conformance<reference::OP, S>(Property::PROP);                                             \
  }
#define MW_PRECISIONS(OP, STEM, PROP, TITLE, TAG) \
  MW_CASE(OP, STEM, PROP, TITLE, TAG, float) MW_CASE(OP, STEM, PROP, TITLE, TAG, double) MW_CASE(OP, STEM, PROP, TITLE, TAG, mp50)
#define MW_OPERATOR(OP, STEM)                                                                              \
  MW_PRECISIONS(OP, STEM, vjp_dot, "vjp dot-product identity", "vjp")                                      \
  MW_PRECISIONS(OP, STEM, jvp_fd, "jvp equals a 100-digit central difference", "jvp")                      \
  MW_PRECISIONS(OP, STEM, jacobian, "jacobian columns equal jvp", "jacobian")                              \
  MW_PRECISIONS(OP, STEM, vijp_image, "vjp(vijp(g)) = g on the image", "vijp")                             \
  MW_PRECISIONS(OP, STEM, vijp_inverse, "vijp(vjp(delta), fragment(delta)) = delta", "vijp")               \
  MW_PRECISIONS(OP, STEM, right_inverse, "J R = I with R from the vijp", "right_inverse")                  \
  MW_PRECISIONS(OP, STEM, fragment_size, "fragment size equals the cokernel dimension", "fragment")
#define MW_BIJECTIVE(OP, STEM) MW_PRECISIONS(OP, STEM, inverse, "inverse(forward(x)) = x", "inverse")

MW_OPERATOR(Dense, "dense")
MW_OPERATOR(LeakyRelu, "leaky_relu")
MW_BIJECTIVE(LeakyRelu, "leaky_relu")
MW_OPERATOR(Relu, "relu")
MW_OPERATOR(Tanh, "tanh")
MW_BIJECTIVE(Tanh, "tanh")
MW_OPERATOR(AdditiveCoupling, "additive_coupling")
MW_BIJECTIVE(AdditiveCoupling, "additive_coupling")
MW_OPERATOR(GlobalAvgPool, "global_avg_pool")
MW_OPERATOR(Conv1d, "conv1d")
MW_OPERATOR(PatchDownsample1d, "patch_downsample1d")
MW_OPERATOR(Conv2d, "conv2d")
MW_OPERATOR(PatchDownsample2d, "patch_downsample2d")
