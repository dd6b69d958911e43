// The generic conformance suite: every identity over every registered
// operator at float, double and 50 digits. A ctest test runs one operator at
// one precision by tag, e.g. "[dense][float]".
#include "moonwalk/verify/generators.hpp"
#include "moonwalk/verify/properties.hpp"

#include <rapidcheck/catch.h>

#include <deque>
#include <string>

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

// Every operator of the one list, every identity, every precision; the
// inverse only where the operator declares itself bijective (the registry
// checks that it then has an inverse). Registered at start-up from the list,
// so a new operator is covered without touching this file.
template <template <class> class Op, class S, Property P> void run() { conformance<Op, S>(P); }

template <template <class> class Op, class S, Property P> void add(const char* title, const char* tag) {
  static std::deque<std::string> names;  // Catch keeps references to them
  const std::string stem = Op<double>::name, prec = scalar_name<S>();
  names.push_back(stem + ": " + title + " (" + prec + ")");
  const std::string& name = names.back();
  names.push_back("[" + stem + "][" + tag + "][" + prec + "][conformance]");
  const std::string& tags = names.back();
  Catch::AutoReg(Catch::makeTestInvoker(&run<Op, S, P>), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                 Catch::NameAndTags{name, tags});
}

template <template <class> class Op, class S> void add_precision() {
  add<Op, S, Property::vjp_dot>("vjp dot-product identity", "vjp");
  add<Op, S, Property::jvp_fd>("jvp equals a 100-digit central difference", "jvp");
  add<Op, S, Property::jacobian>("jacobian columns equal jvp", "jacobian");
  add<Op, S, Property::vijp_image>("vjp(vijp(g)) = g on the image", "vijp");
  add<Op, S, Property::vijp_inverse>("vijp(vjp(delta), fragment(delta)) = delta", "vijp");
  add<Op, S, Property::right_inverse>("J R = I with R from the vijp", "right_inverse");
  add<Op, S, Property::fragment_size>("fragment size equals the cokernel dimension", "fragment");
  add<Op, S, Property::fragment_residual>("fragment(residual(x), delta) = fragment(x, delta)", "fragment");
  if constexpr (Op<double>::bijective) add<Op, S, Property::inverse>("inverse(forward(x)) = x", "inverse");
}

struct AddOperator {
  template <template <class> class Op> void operator()() const {
    add_precision<Op, float>();
    add_precision<Op, double>();
    add_precision<Op, mp50>();
  }
};

[[maybe_unused]] const bool registered = (reference::for_each_op(reference::Operators{}, AddOperator{}), true);

}  // namespace
