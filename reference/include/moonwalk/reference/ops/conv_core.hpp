// The convolution operators' shared implementation. conv1d and conv2d are one
// computation over a plane of H × W positions (conv1d: H = 1) read through a
// list of taps, tap t an offset (dr_t, dq_t) with weight A[o][i][t] at
// θ[(o·C_in + i)·T + t]; the two operators differ only in their taps and in
// the blocked strategy's seeds (conv_geometry.hpp). The math of each strategy
// is in conv1d.hpp and conv2d.hpp; in these terms:
//   - banded: raster order makes Jᵀ block-banded with half-bandwidth
//     h = max_t |dr_t·W + dq_t| positions;
//   - fft: M_{f,g} = Σ_t A_tᵀ ω_H^{−f·dr_t} ω_W^{−g·dq_t}, a 2-D DFT (with
//     H = 1 a 1-D one, its second pass the identity);
//   - blocked: position w from the equation at its tap-0 input
//     s = w + (dr_0, dq_0), every other tap t reading δ at s − (dr_t, dq_t),
//     earlier in raster order.
// With float and double the products and conv1d's fft transforms run through
// conv_kernels.hpp (matrix products over contiguous runs, Eigen's FFT);
// multiprecision keeps the loops here, which state the math.
#pragma once

#include "moonwalk/reference/ops/conv_geometry.hpp"
#include "moonwalk/reference/ops/conv_kernels.hpp"
#include "moonwalk/reference/ops/conv_spec.hpp"
#include "moonwalk/reference/ops/pivoted_right_inverse.hpp"
#include "moonwalk/reference/tensor.hpp"

#include <Eigen/SVD>
#include <boost/math/constants/constants.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace moonwalk::reference::detail {

// What the shared code needs to know of a convolution's shape.
struct ConvPlane {
  using Index = std::ptrdiff_t;
  Index ci = 1, co = 1, H = 1, W = 1;
  bool circular = false;
  std::vector<std::pair<Index, Index>> taps;  // (dr, dq) of tap t, in weight order
  std::vector<Index> seeds;                   // the blocked strategy's, ascending raster positions
  Index chain = 1;                            // the longest chain of blocked recurrence steps
  std::vector<Index> sources;                 // src(w, t) at t·positions() + w

  Index positions() const { return H * W; }
  static Index wrap(Index v, Index n) { return ((v % n) + n) % n; }
  // Raster position w moved by (dr, dq); −1 outside for zero padding.
  Index shift(Index w, Index dr, Index dq) const {
    Index r = w / W + dr, q = w % W + dq;
    if (circular) {
      r = wrap(r, H);
      q = wrap(q, W);
    } else if (r < 0 || r >= H || q < 0 || q >= W) {
      return -1;
    }
    return r * W + q;
  }
  // The input position output w reads through tap t (−1: zero padding), from
  // a table: the hot loops would otherwise spend their time in the wrap's
  // integer divisions.
  Index src(Index w, Index t) const { return sources[static_cast<std::size_t>(t * positions() + w)]; }
  void tabulate() {
    sources.resize(taps.size() * static_cast<std::size_t>(positions()));
    for (std::size_t t = 0; t < taps.size(); ++t)
      for (Index w = 0; w < positions(); ++w)
        sources[t * static_cast<std::size_t>(positions()) + static_cast<std::size_t>(w)] =
            shift(w, taps[t].first, taps[t].second);
  }
  Index half_band() const {
    Index h = 0;
    for (const auto& [dr, dq] : taps) h = std::max(h, std::abs(dr * W + dq));
    return h;
  }
};

// Derived (Conv1d<S> or Conv2d<S>) supplies `name`, `pivot_tap`, and the
// static `check_shape(spec)` and `plane_of(spec)`; Spec is its Conv1dSpec or
// Conv2dSpec.
template <class Derived, class S, class Spec> class ConvCore {
public:
  ConvCore(Spec spec, Vec<S> weight, Vec<S> bias) : sp_(spec), rs_(spec), w_(std::move(weight)), b_(std::move(bias)) {
    Derived::check_shape(sp_);
    require(sp_.block >= 1, name(), "block size B must be at least 1");  // before the seeds are laid out
    lay_out();
    validate();
    if (sp_.automatic) choose();
  }

  // The configuration as given (strategy `auto` included), which casts keep.
  const Spec& spec() const { return sp_; }
  // The strategy and block in use: the given ones, or auto's choice.
  const Spec& resolved_spec() const { return rs_; }
  // auto: the relative error of the chosen strategy's trial solve; -1 without auto.
  double trial_error() const { return trial_error_; }
  Index in_dim() const { return ci() * P(); }
  Index out_dim() const { return co() * P(); }
  Index param_count() const { return w_.size() + b_.size(); }
  const Vec<S>& weight() const { return w_; }
  const Vec<S>& bias() const { return b_; }

  Vec<S> params() const {
    Vec<S> p(param_count());
    p << w_, b_;
    return p;
  }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name(), "parameters");
    w_ = p.head(w_.size());
    b_ = p.tail(b_.size());
    factor_.reset();
    validate();
    if (sp_.automatic) choose();  // new weights, a new choice: once per step
  }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    Mat<S> y = conv(w_, x);
    add_bias(y, b_);
    return y;
  }

  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, name(), "tangent and input");
    require_param_dir(pdot, param_count(), name());
    require_finite(xdot, name(), "tangent");
    Mat<S> y = conv(w_, xdot);
    if (pdot.size()) {
      y += conv(pdot.head(w_.size()), x);
      add_bias(y, pdot.tail(b_.size()));
    }
    return y;
  }

  Residual<S> input_residual(const Mat<S>& x) const {
    check_input(x);
    Residual<S> r;
    r.batch = x.cols();
    return r;
  }

  Mat<S> vjp_input(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_input<S>(w_, delta, ci(), co(), P(), runs_);
    const ConvPlane& pl = pl_;
    Mat<S> h = Mat<S>::Zero(in_dim(), delta.cols());
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < T(); ++t) {
            const S wt = w_(widx(o, i, t));
            for (Index w = 0; w < P(); ++w) {
              const Index s = pl.src(w, t);
              if (s >= 0) h(i * P() + s, j) += wt * delta(o * P() + w, j);
            }
          }
    return h;
  }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_params<S>(x, delta, ci(), co(), P(), runs_);
    const ConvPlane& pl = pl_;
    Vec<S> g = Vec<S>::Zero(param_count());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o) {
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < T(); ++t)
            for (Index w = 0; w < P(); ++w) {
              const Index s = pl.src(w, t);
              if (s >= 0) g(widx(o, i, t)) += delta(o * P() + w, j) * x(i * P() + s, j);
            }
        g(w_.size() + o) += delta.col(j).segment(o * P(), P()).sum();
      }
    return g;
  }

  Index fragment_size(const Mat<S>& x) const { return per_sample_fragment() * x.cols(); }

  // Scalars the blocked strategy stores in place of the cokernel: its seeds.
  // δ is a function of Jᵀδ and the seeds, so they cover any cokernel (one
  // appears when a non-pivot tap is singular at tiny widths).
  Index checkpoint_size(const Mat<S>& x) const {
    return rs_.strategy == ConvStrategy::blocked ? fragment_size(x) : 0;
  }

  // Error amplification of the vijp beyond cond(J), for the tolerance. Blocked:
  // with P = (A_0ᵀ)⁺ and ρ = ‖P‖·Σ_{t≥1}‖A_t‖, an error e made at a position
  // obeys ‖e‖ ≤ ‖P‖·η + ρ·max ‖e'‖ over the positions it reads, η the rounding
  // of the right-hand side (≲ n·u·Σ_t‖A_t‖·‖δ‖). Over a chain of L steps
  // (the plane's `chain`) this sums to ‖P‖·Σ_t‖A_t‖·Σ_{j<L} ρ^j times n·u·‖δ‖.
  // Other strategies: 1 (backward stable).
  double vijp_amplification() const {
    if (rs_.strategy != ConvStrategy::blocked) return 1.0;
    double total = 0, pivot = 0, sigma_min = 0;
    for (Index t = 0; t < T(); ++t) {
      Eigen::JacobiSVD<Mat<double>> svd(tap_transpose(t).unaryExpr([](const S& v) { return to_double(v); }));
      total += svd.singularValues()(0);
      if (t == 0) pivot = svd.singularValues()(0), sigma_min = svd.singularValues()(co() - 1);
    }
    if (sigma_min == 0) return std::numeric_limits<double>::infinity();
    const double rho = (total - pivot) / sigma_min;
    double series = 0, power = 1;
    for (Index j = 0; j < pl_.chain; ++j, power *= rho) series += power;
    return total / sigma_min * series;
  }

  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    return fragment(input_residual(x), delta);
  }
  // The fragment depends on the weights and δ only: Phase II needs no input.
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    Fragment<S> out;
    const Index per = per_sample_fragment();
    out.values.resize(per * r.batch);
    if (per == 0) return out;
    if (rs_.strategy == ConvStrategy::dense) {
      out.values = factor().pivoted.fragment(delta);
    } else {
      const std::vector<Index>& seeds = pl_.seeds;
      for (Index j = 0; j < r.batch; ++j)
        for (std::size_t q = 0; q < seeds.size(); ++q)
          for (Index o = 0; o < co(); ++o)
            out.values(j * per + static_cast<Index>(q) * co() + o) = delta(o * P() + seeds[q], j);
    }
    return out;
  }

  Mat<S> vijp(const Mat<S>& x, const Mat<S>& g, const Fragment<S>& frag) const {
    check_input(x);
    require_same_shape(x, g, name(), "input cotangent and input");
    require_finite(g, name(), "input cotangent");
    require_fragment(frag, fragment_size(x), name());
    Mat<S> d;
    switch (rs_.strategy) {
      case ConvStrategy::dense: d = factor().pivoted.solve(g, frag.values); break;
      case ConvStrategy::banded: d = vijp_banded(g); break;
      case ConvStrategy::fft: d = vijp_fft(g); break;
      case ConvStrategy::blocked: d = vijp_blocked(g, frag); break;
    }
    require_finite(d, name(), "vijp result (the system is singular)");
    return d;
  }

  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    return jacobian_matrix();
  }

protected:
  Spec sp_, rs_;
  Vec<S> w_, b_;

private:
  void lay_out() {
    pl_ = Derived::plane_of(rs_);
    pl_.tabulate();
    runs_ = conv_kernels::tap_runs(P(), T(), [this](Index w, Index t) { return pl_.src(w, t); });
  }

  // The largest relative error of op's vijp over kAutoTrials ±1 cotangents δ
  // (splitmix64 signs, column-major), g = Jᵀδ formed in S:
  // ‖vijp(g, fragment(δ)) − δ‖ / ‖δ‖ per column; infinite where the strategy
  // refuses the weights or its result overflows. One direction can miss the
  // growth of a recurrence by 30×; the largest of four did not in the study.
  static constexpr Index kAutoTrials = 4;
  static double trial(const Derived& op);
  // strategy auto (conv1d.hpp gives the rule): trial solves in S, then the
  // choice's factor is kept, so the first vijp does not factor again.
  // Defined below the class, not inline: conv1d.hpp and conv2d.hpp declare its
  // float, double and mp50 instances extern, so that only the layers' library
  // (reference/src/network_<scalar>.cpp) compiles the trials.
  void choose();

  // Checks common to both operators, after Derived's shape checks.
  void validate() const {
    require(rs_.automatic || !(rs_.strategy == ConvStrategy::fft && sp_.padding != Padding::circular), name(),
            "fft strategy needs circular padding");
    require(rs_.automatic || !(rs_.strategy == ConvStrategy::banded && sp_.padding != Padding::zero), name(),
            "banded strategy needs zero padding");
    require_rows(w_, co() * ci() * T(), name(), "weight");
    require_rows(b_, co(), name(), "bias");
    require_finite(w_, name(), "weight");
    require_finite(b_, name(), "bias");
  }

  struct Factor {
    PivotedRightInverse<S> pivoted;          // dense
    Eigen::ColPivHouseholderQR<Mat<S>> qr;  // blocked: A_0ᵀ
    Mat<S> band;  // banded: Householder vectors below, R above
    Vec<S> tau;
    std::vector<Eigen::HouseholderQR<Mat<S>>> freq;  // fft: one per frequency pair, raster order
    Vec<S> cos_h, sin_h, cos_w, sin_w;               // fft: cos, sin of 2πm/H and 2πm/W
  };

  static const char* name() { return Derived::name; }
  Index ci() const { return sp_.in_channels; }
  Index co() const { return sp_.out_channels; }
  Index H() const { return pl_.H; }
  Index Wd() const { return pl_.W; }
  Index P() const { return pl_.positions(); }
  Index T() const { return static_cast<Index>(pl_.taps.size()); }
  Index widx(Index o, Index i, Index t) const { return (o * ci() + i) * T() + t; }

  template <class Bias> void add_bias(Mat<S>& y, const Bias& b) const {
    for (Index j = 0; j < y.cols(); ++j)
      for (Index o = 0; o < co(); ++o) y.col(j).segment(o * P(), P()).array() += b(o);
  }

  template <class Weights> Mat<S> conv(const Weights& wt, const Mat<S>& x) const {
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::forward<S>(wt, x, ci(), co(), P(), runs_);
    const ConvPlane& pl = pl_;
    Mat<S> y = Mat<S>::Zero(out_dim(), x.cols());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < T(); ++t) {
            const S c = wt(widx(o, i, t));
            for (Index w = 0; w < P(); ++w) {
              const Index s = pl.src(w, t);
              if (s >= 0) y(o * P() + w, j) += c * x(i * P() + s, j);
            }
          }
    return y;
  }

  // J (or, with `position_major`, Jᵀ in position-major order: row s·C_in + i,
  // column w·C_out + o).
  Mat<S> jacobian_matrix(bool position_major = false) const {
    const ConvPlane& pl = pl_;
    Mat<S> J = position_major ? Mat<S>::Zero(in_dim(), out_dim()) : Mat<S>::Zero(out_dim(), in_dim());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i)
        for (Index t = 0; t < T(); ++t)
          for (Index w = 0; w < P(); ++w) {
            const Index s = pl.src(w, t);
            if (s < 0) continue;
            if (position_major)
              J(s * ci() + i, w * co() + o) += w_(widx(o, i, t));
            else
              J(o * P() + w, i * P() + s) += w_(widx(o, i, t));
          }
    return J;
  }

  Mat<S> tap_transpose(Index t) const {
    Mat<S> m(ci(), co());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i) m(i, o) = w_(widx(o, i, t));
    return m;
  }

  Index per_sample_fragment() const {
    switch (rs_.strategy) {
      case ConvStrategy::dense: return factor().pivoted.cokernel();
      case ConvStrategy::blocked: return static_cast<Index>(pl_.seeds.size()) * co();
      default: return 0;
    }
  }

  // Position-major profile of Jᵀ: one past the last row of column c's
  // reflector, and one past the last column of R's row c.
  Index band_row_end(Index c, Index h) const { return std::min(in_dim(), (c / co() + h + 1) * ci()); }
  Index band_col_end(Index c, Index h) const { return std::min(out_dim(), (c / co() + 2 * h + 1) * co()); }

  Mat<S> vijp_banded(const Mat<S>& g) const {
    const Factor& f = factor();
    const Index nb = g.cols(), h = pl_.half_band();
    Mat<S> rhs(in_dim(), nb);
    for (Index i = 0; i < ci(); ++i)
      for (Index s = 0; s < P(); ++s) rhs.row(s * ci() + i) = g.row(i * P() + s);
    Vec<S> ws(nb);
    for (Index c = 0; c < out_dim(); ++c) {
      const Index len = band_row_end(c, h) - c;
      rhs.block(c, 0, len, nb).applyHouseholderOnTheLeft(f.band.col(c).segment(c + 1, len - 1), f.tau(c), ws.data());
    }
    Mat<S> z(out_dim(), nb);
    for (Index c = out_dim() - 1; c >= 0; --c) {
      const Index e = band_col_end(c, h);
      Mat<S> acc = rhs.row(c);
      if (e > c + 1) acc -= f.band.row(c).segment(c + 1, e - c - 1) * z.middleRows(c + 1, e - c - 1);
      z.row(c) = acc / f.band(c, c);
    }
    Mat<S> d(out_dim(), nb);
    for (Index o = 0; o < co(); ++o)
      for (Index w = 0; w < P(); ++w) d.row(o * P() + w) = z.row(w * co() + o);
    return d;
  }

  // In-place 2-D DFT of the C × P complex array (re, im), one row per channel:
  // along each row of positions (length W), then along each column (length H).
  // sign −1: forward; +1: inverse without the 1/(H·W).
  void dft2(Mat<S>& re, Mat<S>& im, int sign) const {
    const Factor& f = factor();
    Mat<S> tr(re.rows(), P()), ti(re.rows(), P());
    // One 1-D DFT of length n on each of `lines` lines: entry u of line l at
    // raster index l·line_step + u·step.
    auto pass = [&](Index n, Index step, Index lines, Index line_step, const Vec<S>& cs, const Vec<S>& sn) {
      tr.setZero();
      ti.setZero();
      for (Index l = 0; l < lines; ++l)
        for (Index fr = 0; fr < n; ++fr)
          for (Index u = 0; u < n; ++u) {
            const Index m = (fr * u) % n, to = l * line_step + fr * step, from = l * line_step + u * step;
            const S c = cs(m), s = sign * sn(m);
            tr.col(to) += re.col(from) * c - im.col(from) * s;
            ti.col(to) += im.col(from) * c + re.col(from) * s;
          }
      re.swap(tr);
      im.swap(ti);
    };
    pass(Wd(), 1, H(), Wd(), f.cos_w, f.sin_w);  // along each row
    if (H() > 1) pass(H(), Wd(), Wd(), 1, f.cos_h, f.sin_h);  // along each column
  }

  Mat<S> vijp_fft(const Mat<S>& g) const {
    const Factor& f = factor();
    if constexpr (conv_kernels::enabled<S>)
      if (H() == 1)
        return conv_kernels::vijp_fft_1d<S>(g, ci(), co(), Wd(), [&f](Index fr, const Vec<S>& b) -> Vec<S> {
          return f.freq[static_cast<std::size_t>(fr)].solve(b);
        });
    const Index nb = g.cols();
    Mat<S> d(out_dim(), nb);
    for (Index j = 0; j < nb; ++j) {
      Mat<S> re(ci(), P()), im = Mat<S>::Zero(ci(), P());
      for (Index i = 0; i < ci(); ++i) re.row(i) = g.col(j).segment(i * P(), P()).transpose();
      dft2(re, im, -1);
      Mat<S> zr(co(), P()), zi(co(), P());
      for (Index fr = 0; fr < P(); ++fr) {
        Vec<S> b(2 * ci());
        b << re.col(fr), im.col(fr);
        const Vec<S> z = f.freq[static_cast<std::size_t>(fr)].solve(b);
        zr.col(fr) = z.head(co());
        zi.col(fr) = z.tail(co());
      }
      dft2(zr, zi, +1);
      for (Index o = 0; o < co(); ++o) d.col(j).segment(o * P(), P()) = zr.row(o).transpose() / S(P());
    }
    return d;
  }

  Mat<S> vijp_blocked(const Mat<S>& g, const Fragment<S>& frag) const {
    const Factor& f = factor();
    const ConvPlane& pl = pl_;
    const Index per = per_sample_fragment();
    std::vector<bool> seeded(static_cast<std::size_t>(P()), false);
    for (Index s : pl.seeds) seeded[static_cast<std::size_t>(s)] = true;
    std::vector<Mat<S>> taps;
    for (Index t = 0; t < T(); ++t) taps.push_back(tap_transpose(t));
    const auto [dr0, dq0] = pl.taps.front();
    Mat<S> d = Mat<S>::Zero(out_dim(), g.cols());
    Mat<S> D(co(), P());  // δ of one sample, raster position by column
    for (Index j = 0; j < g.cols(); ++j) {
      for (std::size_t q = 0; q < pl.seeds.size(); ++q)
        D.col(pl.seeds[q]) = frag.values.segment(j * per + static_cast<Index>(q) * co(), co());
      for (Index w = 0; w < P(); ++w) {
        if (seeded[static_cast<std::size_t>(w)]) continue;
        const Index s = pl.shift(w, dr0, dq0);  // the equation that determines position w
        Vec<S> rhs(ci());
        for (Index i = 0; i < ci(); ++i) rhs(i) = g(i * P() + s, j);
        for (Index t = 1; t < T(); ++t) {
          const auto [dr, dq] = pl.taps[static_cast<std::size_t>(t)];
          const Index u = pl.shift(s, -dr, -dq);  // the output that reads input s through tap t
          if (u >= 0) rhs -= taps[static_cast<std::size_t>(t)] * D.col(u);
        }
        D.col(w) = f.qr.solve(rhs);
      }
      for (Index o = 0; o < co(); ++o) d.col(j).segment(o * P(), P()) = D.row(o).transpose();
    }
    return d;
  }

  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name()); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, name()); }

  // A pure function of the weights and the strategy: computed once, shared by
  // the batch and by copies of this layer.
  const Factor& factor() const {
    if (!factor_) {
      auto f = std::make_shared<Factor>();
      switch (rs_.strategy) {
        case ConvStrategy::dense: f->pivoted = PivotedRightInverse<S>(jacobian_matrix()); break;
        case ConvStrategy::blocked:
          f->qr.compute(tap_transpose(0));
          require(f->qr.rank() == co(), name(),
                  std::string("blocked strategy: the pivot tap ") + Derived::pivot_tap +
                      " is singular (rank < C_out); use banded, fft or dense");
          break;
        case ConvStrategy::banded: factor_banded(*f); break;
        case ConvStrategy::fft: factor_fft(*f); break;
      }
      factor_ = std::move(f);
    }
    return *factor_;
  }

  void factor_banded(Factor& f) const {
    Mat<S>& A = f.band;
    A = jacobian_matrix(true);
    const Index h = pl_.half_band();
    f.tau.resize(out_dim());
    Vec<S> ws(out_dim());
    for (Index c = 0; c < out_dim(); ++c) {
      const Index len = band_row_end(c, h) - c, e = band_col_end(c, h);
      S beta;
      A.col(c).segment(c, len).makeHouseholderInPlace(f.tau(c), beta);
      A(c, c) = beta;
      require(beta != S(0), name(), "banded strategy: the Jacobian is rank deficient; use dense");
      if (e > c + 1)
        A.block(c, c + 1, len, e - c - 1)
            .applyHouseholderOnTheLeft(A.col(c).segment(c + 1, len - 1), f.tau(c), ws.data());
    }
  }

  void factor_fft(Factor& f) const {
    using std::cos;
    using std::sin;
    const ConvPlane& pl = pl_;
    const S two_pi = 2 * boost::math::constants::pi<S>();
    auto table = [&](Index n, Vec<S>& c, Vec<S>& s) {
      c.resize(n);
      s.resize(n);
      for (Index m = 0; m < n; ++m) {
        c(m) = cos(two_pi * S(m) / S(n));
        s(m) = sin(two_pi * S(m) / S(n));
      }
    };
    table(H(), f.cos_h, f.sin_h);
    table(Wd(), f.cos_w, f.sin_w);
    for (Index fh = 0; fh < H(); ++fh)
      for (Index fw = 0; fw < Wd(); ++fw) {
        Mat<S> re = Mat<S>::Zero(ci(), co()), im = Mat<S>::Zero(ci(), co());
        for (Index t = 0; t < T(); ++t) {
          const auto [dr, dq] = pl.taps[static_cast<std::size_t>(t)];
          const Index mh = ConvPlane::wrap(-fh * dr, H()), mw = ConvPlane::wrap(-fw * dq, Wd());
          // ω_H^{mh} ω_W^{mw} = e^{iθ}, θ the sum of the two table angles.
          const S c = f.cos_h(mh) * f.cos_w(mw) - f.sin_h(mh) * f.sin_w(mw);
          const S s = f.sin_h(mh) * f.cos_w(mw) + f.cos_h(mh) * f.sin_w(mw);
          const Mat<S> Wt = tap_transpose(t);
          re += Wt * c;
          im += Wt * s;
        }
        Mat<S> E(2 * ci(), 2 * co());
        E << re, -im, im, re;
        f.freq.emplace_back(E);
      }
  }

  ConvPlane pl_;
  conv_kernels::TapRuns runs_;  // the float/double kernels' contiguous runs of src
  mutable std::shared_ptr<const Factor> factor_;
  double trial_error_ = -1;
};

template <class Derived, class S, class Spec> double ConvCore<Derived, S, Spec>::trial(const Derived& op) {
  const Mat<S> x = Mat<S>::Zero(op.in_dim(), kAutoTrials);
  Mat<S> d(op.out_dim(), kAutoTrials);
  for (Index k = 0; k < d.size(); ++k) {
    std::uint64_t z = static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    d.data()[k] = ((z ^ (z >> 31)) & 1) ? S(1) : S(-1);
  }
  try {
    const Mat<S> h = op.vijp(x, op.vjp_input(op.input_residual(x), d), op.fragment(x, d));
    double worst = 0;
    for (Index j = 0; j < kAutoTrials; ++j)
      worst = std::max(worst, to_double(S((h.col(j) - d.col(j)).norm() / d.col(j).norm())));
    return std::isfinite(worst) ? worst : std::numeric_limits<double>::infinity();
  } catch (const Error&) {
    return std::numeric_limits<double>::infinity();
  }
}

template <class Derived, class S, class Spec> void ConvCore<Derived, S, Spec>::choose() {
  auto with = [&](ConvStrategy v, Index B) {
    Spec s = sp_;
    s.automatic = false;
    s.strategy = v;
    s.block = B;
    return s;
  };
  struct Tried {
    Spec spec;
    double error;
    std::shared_ptr<const Factor> factor;
  };
  std::vector<Tried> tried;
  auto attempt = [&](const Spec& s) {
    try {
      const Derived op(s, w_, b_);
      const double e = trial(op);
      tried.push_back({s, e, static_cast<const ConvCore&>(op).factor_});
    } catch (const Error&) {  // a strategy that does not take this shape (conv2d, C_out > C_in)
      tried.push_back({s, std::numeric_limits<double>::infinity(), nullptr});
    }
  };
  const Index extent = Derived::block_extent(sp_);
  if (sp_.padding == Padding::circular) {
    attempt(with(ConvStrategy::fft, extent));
  } else {
    attempt(with(ConvStrategy::banded, extent));
    // Blocks down to 2(k − 1) rows: below that the seeds, k − 1 rows per
    // block, would hold more than half of δ.
    const Index smallest = std::min(extent, std::max<Index>(1, 2 * (sp_.kernel - 1)));
    for (Index B = extent;; B = std::max(smallest, (B + 1) / 2)) {
      attempt(with(ConvStrategy::blocked, B));
      if (B == smallest) break;
    }
    double best = std::numeric_limits<double>::infinity();
    for (const Tried& t : tried) best = std::min(best, t.error);
    if (!(best <= 16 * to_double(eps<S>())) && out_dim() <= kAutoDenseRows)
      attempt(with(ConvStrategy::dense, extent));
  }
  double best = std::numeric_limits<double>::infinity();
  for (const Tried& t : tried) best = std::min(best, t.error);
  // In trial order (banded, then blocked from the largest block, then dense),
  // the first within the target: twice the best trial, or one ε where that
  // is smaller (a rounding or two: no reason to store more).
  const double target = std::max(2 * best, to_double(eps<S>()));
  const Tried* pick = &tried.back();
  if (best == std::numeric_limits<double>::infinity()) {
    for (const Tried& t : tried)
      if (t.spec.strategy == ConvStrategy::dense) pick = &t;
  } else {
    for (const Tried& t : tried)
      if (t.error <= target) {
        pick = &t;
        break;
      }
  }
  rs_ = pick->spec;
  trial_error_ = pick->error;
  lay_out();
  factor_ = pick->factor;
}

}  // namespace moonwalk::reference::detail
