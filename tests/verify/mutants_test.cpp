// A harness must catch bugs: deliberately wrong operators, each required to
// fail at least one conformance property on a handful of generated cases,
// while the correct operator passes the very same cases. Exact facts always
// come from the correct operator, so a mutant cannot move its own goalposts.
#include "moonwalk/verify/loss_properties.hpp"
#include "moonwalk/verify/network_properties.hpp"
#include "moonwalk/verify/properties_impl.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace moonwalk;
using namespace moonwalk::verify;
using namespace moonwalk::reference;

namespace {

// leaky_relu whose vjp multiplies inactive units by −α instead of α.
template <class S> struct SignFlippedVjpLeakyRelu : LeakyRelu<S> {
  explicit SignFlippedVjpLeakyRelu(const LeakyRelu<S>& base) : LeakyRelu<S>(base) {}
  template <class T> SignFlippedVjpLeakyRelu<T> cast() const {
    return SignFlippedVjpLeakyRelu<T>(LeakyRelu<S>::template cast<T>());
  }
  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    Mat<S> h = delta;
    for (Index j = 0; j < h.cols(); ++j)
      for (Index i = 0; i < h.rows(); ++i)
        if (!r.mask(i, j)) h(i, j) *= -this->alpha();
    return h;
  }
};

// dense whose vijp factors A instead of Aᵀ (square layers only).
template <class S> struct TransposedVijpDense : Dense<S> {
  explicit TransposedVijpDense(const Dense<S>& base) : Dense<S>(base) {}
  template <class T> TransposedVijpDense<T> cast() const { return TransposedVijpDense<T>(Dense<S>::template cast<T>()); }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>& f) const {
    const Dense<S> wrong(Mat<S>(this->weight().transpose()), this->bias());
    return wrong.vijp(x, hx, f);
  }
};

// relu whose vijp ignores the fragment: inactive units come back as zero.
template <class S> struct DroppedFragmentRelu : Relu<S> {
  explicit DroppedFragmentRelu(const Relu<S>& base) : Relu<S>(base) {}
  template <class T> DroppedFragmentRelu<T> cast() const { return DroppedFragmentRelu<T>(Relu<S>::template cast<T>()); }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>&) const {
    return x.binaryExpr(hx, [](const S& v, const S& g) { return v > 0 ? g : S(0); });
  }
};

// additive_coupling whose vijp undoes G before F: the order of the two local vjps swapped.
template <class S> struct SwappedVijpCoupling : AdditiveCoupling<S> {
  explicit SwappedVijpCoupling(const AdditiveCoupling<S>& base) : AdditiveCoupling<S>(base) {}
  template <class T> SwappedVijpCoupling<T> cast() const {
    return SwappedVijpCoupling<T>(AdditiveCoupling<S>::template cast<T>());
  }
  Mat<S> vijp(const Mat<S>& x, const Mat<S>& hx, const Fragment<S>&) const {
    const Index d = this->half();
    const Mat<S> y1 = x.topRows(d) + this->F.forward(x.bottomRows(d));
    Mat<S> delta(x.rows(), x.cols());
    delta.topRows(d) = hx.topRows(d) - this->G.vjp_input(y1, hx.bottomRows(d));
    delta.bottomRows(d) = hx.bottomRows(d) - this->F.vjp_input(x.bottomRows(d), delta.topRows(d));
    return delta;
  }
};

// conv1d whose vjp reads the zero padding one position off: input position
// s = w + t − (p − 1) instead of w + t − p, while forward and jvp keep p.
template <class S> struct ShiftedPaddingVjpConv1d : Conv1d<S> {
  explicit ShiftedPaddingVjpConv1d(const Conv1d<S>& base) : Conv1d<S>(base) {}
  template <class T> ShiftedPaddingVjpConv1d<T> cast() const {
    return ShiftedPaddingVjpConv1d<T>(Conv1d<S>::template cast<T>());
  }
  Mat<S> vjp_input(const Residual<S>&, const Mat<S>& delta) const {
    const Conv1dSpec& sp = this->spec();
    const Index W = sp.width, k = sp.kernel, ci = sp.in_channels, co = sp.out_channels, shifted = (k - 1) / 2 - 1;
    Mat<S> h = Mat<S>::Zero(ci * W, delta.cols());
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index o = 0; o < co; ++o)
        for (Index i = 0; i < ci; ++i)
          for (Index t = 0; t < k; ++t)
            for (Index w = 0; w < W; ++w) {
              const Index s = w + t - shifted;
              if (s >= 0 && s < W) h(i * W + s, j) += this->weight()((o * ci + i) * k + t) * delta(o * W + w, j);
            }
    return h;
  }
};

template <template <class> class Mutant, template <class> class Base> OpCase<Mutant> mutate(const OpCase<Base>& c) {
  return OpCase<Mutant>{Mutant<double>(c.op), c.x, c.xdot, c.pdot, c.delta};
}

struct Tally {
  int cases = 0, base_failures = 0, caught_cases = 0;
  std::vector<std::string> caught_by;
};

// Losses whose gradient is biased by a relative 2^-20: every method starts
// from it, so the methods still agree with each other.
template <class S> struct BiasedGradientMse : Mse<S> {
  explicit BiasedGradientMse(const Mse<S>& base) : Mse<S>(base) {}
  template <class T> BiasedGradientMse<T> cast() const { return BiasedGradientMse<T>(Mse<S>::template cast<T>()); }
  Mat<S> gradient(const Mat<S>& y) const { return Mse<S>::gradient(y) * (S(1) + S(1) / S(1 << 20)); }
};
template <class S> struct BiasedGradientSoftmax : SoftmaxCrossEntropy<S> {
  explicit BiasedGradientSoftmax(const SoftmaxCrossEntropy<S>& base) : SoftmaxCrossEntropy<S>(base) {}
  template <class T> BiasedGradientSoftmax<T> cast() const {
    return BiasedGradientSoftmax<T>(SoftmaxCrossEntropy<S>::template cast<T>());
  }
  Mat<S> gradient(const Mat<S>& y) const { return SoftmaxCrossEntropy<S>::gradient(y) * (S(1) + S(1) / S(1 << 20)); }
};

// Runs every property on `cases` shapes; counts the cases where the mutant
// fails some property, and checks that the correct operator fails none.
template <template <class> class Mutant, template <class> class Base>
Tally hunt(int cases, Shape (*shape)(std::mt19937_64&)) {
  Tally t;
  std::mt19937_64 g(2024);
  for (int k = 0; k < cases; ++k) {
    const OpCase<Base> c = make_case<Base>(shape(g));
    const Exact e = exact_facts(c);
    const OpCase<Mutant> m = mutate<Mutant>(c);
    bool caught = false;
    for (Property p : all_properties()) {
      if (!check<Base, double>(p, c, e).pass()) ++t.base_failures;
      if (!check<Mutant, double>(p, m, e).pass()) {
        caught = true;
        t.caught_by.push_back(property_name(p));
      }
    }
    ++t.cases;
    t.caught_cases += caught;
  }
  return t;
}

Shape any_shape(std::mt19937_64& g) {
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  return Shape{in(1, 6), in(1, 6), in(1, 6), in(1, 3), in(0, 3), g()};
}
Shape square_shape(std::mt19937_64& g) {
  Shape s = any_shape(g);
  s.a = s.b = std::uniform_int_distribution<int>(2, 6)(g);
  s.flavor = 0;
  return s;
}
Shape mixed_relu_shape(std::mt19937_64& g) {
  Shape s = any_shape(g);
  s.a = std::max(s.a, 4);
  s.flavor = 0;  // mixed signs: inactive units exist with high probability
  return s;
}

Shape zero_padding_shape(std::mt19937_64& g) {
  Shape s = any_shape(g);
  s.flavor = 1;  // conv1d: banded strategy, zero padding
  return s;
}

template <template <class> class Mutant, template <class> class Base> void require_caught(Shape (*shape)(std::mt19937_64&)) {
  const Tally t = hunt<Mutant, Base>(12, shape);
  std::string by;
  for (const auto& p : t.caught_by) by += p + " ";
  INFO("caught by: " << by);
  CHECK(t.base_failures == 0);
  // Every case the mutant actually changes must be caught; require most.
  CHECK(2 * t.caught_cases > t.cases);
}

// The loss properties in double on generated cases: exact facts from the
// correct loss, which must pass them all; the mutant must fail most cases.
template <template <class> class Mutant, template <class> class Base> void require_loss_caught() {
  std::mt19937_64 g(2024);
  int cases = 0, caught = 0, base_failures = 0;
  std::string by;
  for (int k = 0; k < 12; ++k) {
    const LossCase<Base> c = make_loss_case<Base>(any_shape(g));
    const LossExact e = loss_exact(c);
    const LossCase<Mutant> m{Mutant<double>(c.loss), c.y, c.ydot};
    bool hit = false;
    for (LossProperty p : all_loss_properties()) {
      if (!check_loss<Base, double>(p, c, e).pass()) ++base_failures;
      if (!check_loss<Mutant, double>(p, m, e).pass()) {
        hit = true;
        by += loss_property_name(p) + " ";
      }
    }
    ++cases;
    caught += hit;
  }
  INFO("caught by: " << by);
  CHECK(base_failures == 0);
  CHECK(2 * caught > cases);
}

}  // namespace

TEST_CASE("mutants: an mse gradient biased by a relative 2^-20 is caught", "[mutants][mse][loss]") {
  require_loss_caught<BiasedGradientMse, Mse>();
}

TEST_CASE("mutants: a softmax_cross_entropy gradient biased by a relative 2^-20 is caught",
          "[mutants][softmax_cross_entropy][loss]") {
  require_loss_caught<BiasedGradientSoftmax, SoftmaxCrossEntropy>();
}

TEST_CASE("mutants: a sign flipped in leaky_relu's vjp is caught", "[mutants][leaky_relu][vjp]") {
  require_caught<SignFlippedVjpLeakyRelu, LeakyRelu>(mixed_relu_shape);
}

TEST_CASE("mutants: a transposed weight in dense's vijp is caught", "[mutants][dense][vijp]") {
  require_caught<TransposedVijpDense, Dense>(square_shape);
}

TEST_CASE("mutants: a dropped relu fragment is caught", "[mutants][relu][fragment]") {
  require_caught<DroppedFragmentRelu, Relu>(mixed_relu_shape);
}

TEST_CASE("mutants: swapped local vjps in additive_coupling's vijp are caught", "[mutants][additive_coupling][vijp]") {
  require_caught<SwappedVijpCoupling, AdditiveCoupling>(any_shape);
}

TEST_CASE("mutants: an off-by-one zero-padding offset in conv1d's vjp is caught", "[mutants][conv1d][vjp]") {
  require_caught<ShiftedPaddingVjpConv1d, Conv1d>(zero_padding_shape);
}

TEST_CASE("mutants: a ledger that keeps eight bytes too many is caught", "[mutants][ledger]") {
  std::mt19937_64 g(7);
  for (NetClass cls : all_net_classes()) {
    const Shape s = random_net_shape(g);
    const Problem p = make_network(cls, s);
    const NetFacts f = net_facts(p);
    MethodRuns<double> runs = run_methods<double>(p);
    for (const auto& c : check_network<double>(NetProperty::ledger_consistency, p, f, runs, s)) CHECK(c.check.pass());
    for (auto& r : runs.result) r.ledger.hold(Category::fragments, 8);  // held and never released
    for (const auto& c : check_network<double>(NetProperty::ledger_consistency, p, f, runs, s)) {
      INFO(net_class_name(cls) << " " << c.method << ": " << c.check.describe());
      // The run with depth anchors is not among `runs`, so its ledger is the true one.
      CHECK(c.check.pass() == (!c.check.applicable || c.method == "moonwalk_mixed(anchor_every=2)"));
    }
  }
}
