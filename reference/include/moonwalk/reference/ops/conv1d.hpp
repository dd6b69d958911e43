// conv1d: stride 1, odd kernel k, p = (k − 1)/2, "same" output width W,
//   C_out ≤ C_in. A column is channel-major C × W (index c·W + w).
//   y[o, w] = b[o] + Σ_i Σ_t W[o][i][t] x[i, w + t − p], out-of-range inputs
//   zero (Padding::zero) or wrapped mod W (Padding::circular).
//   θ = (weights, bias): weight W[o][i][t] at θ[(o·C_in + i)·k + t], then b.
//   W_t denotes the C_out × C_in matrix of tap t.
//   jvp: conv(W, ẋ) + conv(Ẇ, x) + ḃ.
//   vjp_input: h[:, s] = Σ_t W_tᵀ δ[:, s + p − t];  vjp_params: (Σ δ[o,w] x[i, w+t−p], Σ δ).
//   vijp: solve Jᵀ δ = g (least squares when C_out < C_in), by a strategy:
//   - dense: column-pivoted QR of the materialised Jᵀ (the oracle). Fragment:
//     as for dense, the entries of δ at the columns pivoting left out; none
//     when J has full row rank (generic weights, C_out ≤ C_in).
//   - banded (zero padding): Householder QR of Jᵀ in position-major order
//     (row s·C_in + i, column w·C_out + o), where Jᵀ is block-banded: column
//     block w meets row blocks w − p .. w + p, so reflector c spans rows up to
//     (w + p + 1)·C_in and R's row c columns up to (w + 2p + 1)·C_out. One QR
//     serves the square and the least-squares (C_out < C_in) case; Householder
//     QR is backward stable, error ≈ ε·cond(J). No fragment.
//   - fft (circular padding): Jᵀ is block-circulant. With ĥ_f = Σ_s h[:, s]
//     ω^{−fs}, ω = e^{2πi/W}: ĥ_f = M_f δ̂_f, M_f = Σ_t W_tᵀ ω^{f(p−t)}. Each
//     C_in × C_out complex system is solved (least squares) through its real
//     embedding [Re −Im; Im Re] by Householder QR, then a direct inverse DFT.
//     O(W²) per channel pair, exact in every scalar type. No fragment.
//   - blocked: the pivot-tap recurrence, position w from equation s = w − p:
//     δ[:, w] = (W_0ᵀ)⁺ (g[:, s] − Σ_{t≥1} W_tᵀ δ[:, w − t]). Seeds (the
//     positions whose δ is stored in the reverse pass): the k − 1 positions
//     before every block start B, 2B, ... (and before 0, wrapped, in circular
//     padding), plus positions 0 .. p − 1 in zero padding, which no equation
//     determines. Fragment: δ at the seeds, ascending, C_out values each, per
//     sample. A chain of recurrence steps is at most B long.
//   domain: finite weights, bias, inputs; the pivot tap W_0 of full row rank
//   for blocked.
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
#include <limits>
#include <memory>
#include <vector>

namespace moonwalk::reference {

template <class S> struct Conv1d {
  static constexpr const char* name = "conv1d";
  static constexpr bool bijective = false;

  Conv1d(Conv1dSpec spec, Vec<S> weight, Vec<S> bias) : sp_(spec), w_(std::move(weight)), b_(std::move(bias)) {
    validate();
  }

  const Conv1dSpec& spec() const { return sp_; }
  Index in_dim() const { return sp_.in_channels * sp_.width; }
  Index out_dim() const { return sp_.out_channels * sp_.width; }
  Index param_count() const { return w_.size() + b_.size(); }
  const Vec<S>& weight() const { return w_; }
  const Vec<S>& bias() const { return b_; }

  Vec<S> params() const {
    Vec<S> p(param_count());
    p << w_, b_;
    return p;
  }
  void set_params(const Vec<S>& p) {
    require_rows(p, param_count(), name, "parameters");
    w_ = p.head(w_.size());
    b_ = p.tail(b_.size());
    factor_.reset();
    validate();
  }
  template <class T> Conv1d<T> cast() const { return Conv1d<T>(sp_, w_.template cast<T>(), b_.template cast<T>()); }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    Mat<S> y = conv(w_, x);
    for (Index j = 0; j < y.cols(); ++j)
      for (Index o = 0; o < co(); ++o) y.col(j).segment(o * W(), W()).array() += b_(o);
    return y;
  }

  Mat<S> jvp(const Mat<S>& x, const Mat<S>& xdot, const Vec<S>& pdot) const {
    check_input(x);
    require_same_shape(x, xdot, name, "tangent and input");
    require_param_dir(pdot, param_count(), name);
    require_finite(xdot, name, "tangent");
    Mat<S> y = conv(w_, xdot);
    if (pdot.size()) {
      y += conv(pdot.head(w_.size()), x);
      for (Index j = 0; j < y.cols(); ++j)
        for (Index o = 0; o < co(); ++o) y.col(j).segment(o * W(), W()).array() += pdot(w_.size() + o);
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
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_input<S>(w_, delta, ci(), co(), W(), runs());
    Mat<S> h = Mat<S>::Zero(in_dim(), delta.cols());
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < k(); ++t) {
            const S wt = w_(widx(o, i, t));
            for (Index w = 0; w < W(); ++w) {
              const Index s = src(w, t);
              if (s >= 0) h(i * W() + s, j) += wt * delta(o * W() + w, j);
            }
          }
    return h;
  }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_params<S>(x, delta, ci(), co(), W(), runs());
    Vec<S> g = Vec<S>::Zero(param_count());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o) {
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < k(); ++t)
            for (Index w = 0; w < W(); ++w) {
              const Index s = src(w, t);
              if (s >= 0) g(widx(o, i, t)) += delta(o * W() + w, j) * x(i * W() + s, j);
            }
        g(w_.size() + o) += delta.col(j).segment(o * W(), W()).sum();
      }
    return g;
  }

  Index fragment_size(const Mat<S>& x) const { return per_sample_fragment() * x.cols(); }

  // Scalars the blocked strategy stores in place of the cokernel: its seeds.
  // δ is a function of Jᵀδ and the seeds, so they cover any cokernel (one
  // appears when a non-pivot tap is singular at tiny widths).
  Index checkpoint_size(const Mat<S>& x) const {
    return sp_.strategy == ConvStrategy::blocked ? fragment_size(x) : 0;
  }

  // Error amplification of the vijp beyond cond(J), for the tolerance. Blocked:
  // with P = (W_0ᵀ)⁺ and ρ = ‖P‖·Σ_{t≥1}‖W_t‖, an error e_w made at position w
  // obeys ‖e_w‖ ≤ ‖P‖·η + ρ·max_{t≥1}‖e_{w−t}‖, η the rounding of the right-hand
  // side (≲ n·u·Σ_t‖W_t‖·‖δ‖). Over a chain of L ≤ B steps this sums to
  // ‖P‖·Σ_t‖W_t‖·Σ_{j<L} ρ^j times n·u·‖δ‖. Other strategies: 1 (backward stable).
  double vijp_amplification() const {
    if (sp_.strategy != ConvStrategy::blocked) return 1.0;
    std::vector<double> norms(static_cast<std::size_t>(k()));
    double sigma_min = 0;
    for (Index t = 0; t < k(); ++t) {
      Mat<double> Wt(co(), ci());
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i) Wt(o, i) = to_double(w_(widx(o, i, t)));
      Eigen::JacobiSVD<Mat<double>> svd(Wt);
      norms[static_cast<std::size_t>(t)] = svd.singularValues()(0);
      if (t == 0) sigma_min = svd.singularValues()(co() - 1);
    }
    if (sigma_min == 0) return std::numeric_limits<double>::infinity();
    double total = 0, rest = 0;
    for (Index t = 0; t < k(); ++t) total += norms[static_cast<std::size_t>(t)];
    rest = total - norms[0];
    const double rho = rest / sigma_min;
    const Index L = std::min(sp_.block, W());
    double series = 0, power = 1;
    for (Index j = 0; j < L; ++j, power *= rho) series += power;
    return total / sigma_min * series;
  }

  Fragment<S> fragment(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    return fragment(input_residual(x), delta);
  }
  // The fragment depends on the weights and δ only: Phase II needs no input.
  Fragment<S> fragment(const Residual<S>& r, const Mat<S>& delta) const {
    check_cotangent(delta, r.batch);
    const Index batch = r.batch;
    Fragment<S> out;
    const Index per = per_sample_fragment();
    out.values.resize(per * batch);
    if (per == 0) return out;
    if (sp_.strategy == ConvStrategy::dense) {
      out.values = factor().pivoted.fragment(delta);
    } else {
      const std::vector<Index> seeds = seed_positions();
      for (Index j = 0; j < batch; ++j)
        for (std::size_t q = 0; q < seeds.size(); ++q)
          for (Index o = 0; o < co(); ++o)
            out.values(j * per + static_cast<Index>(q) * co() + o) = delta(o * W() + seeds[q], j);
    }
    return out;
  }

  Mat<S> vijp(const Mat<S>& x, const Mat<S>& g, const Fragment<S>& frag) const {
    check_input(x);
    require_same_shape(x, g, name, "input cotangent and input");
    require_finite(g, name, "input cotangent");
    require_fragment(frag, fragment_size(x), name);
    Mat<S> d;
    switch (sp_.strategy) {
      case ConvStrategy::dense: d = factor().pivoted.solve(g, frag.values); break;
      case ConvStrategy::banded: d = vijp_banded(g); break;
      case ConvStrategy::fft: d = vijp_fft(g); break;
      case ConvStrategy::blocked: d = vijp_blocked(g, frag); break;
    }
    require_finite(d, name, "vijp result (the system is singular)");
    return d;
  }

  Mat<S> jacobian(const Vec<S>& x) const {
    check_input(x);
    return jacobian_matrix();
  }

private:
  struct Factor {
    PivotedRightInverse<S> pivoted;          // dense
    Eigen::ColPivHouseholderQR<Mat<S>> qr;  // blocked: W_0ᵀ
    Mat<S> band;  // banded: Householder vectors below, R above
    Vec<S> tau;
    std::vector<Eigen::HouseholderQR<Mat<S>>> freq;  // fft: one per frequency
    Vec<S> cosine, sine;                             // fft: cos, sin of 2πm/W
  };

  Index ci() const { return sp_.in_channels; }
  Index co() const { return sp_.out_channels; }
  Index W() const { return sp_.width; }
  Index k() const { return sp_.kernel; }
  Conv1dShape geometry() const { return Conv1dShape::of(sp_); }
  Index pad() const { return geometry().pad(); }
  Index widx(Index o, Index i, Index t) const { return geometry().widx(o, i, t); }
  Index wrap(Index s) const { return geometry().wrap(s); }
  // Input position read by output w through tap t; −1 where zero padding supplies it.
  Index src(Index w, Index t) const { return geometry().src(w, t); }


  conv_kernels::TapRuns runs() const {
    return conv_kernels::tap_runs(W(), k(), [this](Index w, Index t) { return src(w, t); });
  }

  template <class Weights> Mat<S> conv(const Weights& wt, const Mat<S>& x) const {
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::forward<S>(wt, x, ci(), co(), W(), runs());
    Mat<S> y = Mat<S>::Zero(out_dim(), x.cols());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index t = 0; t < k(); ++t) {
            const S a = wt(widx(o, i, t));
            for (Index w = 0; w < W(); ++w) {
              const Index s = src(w, t);
              if (s >= 0) y(o * W() + w, j) += a * x(i * W() + s, j);
            }
          }
    return y;
  }

  Mat<S> jacobian_matrix() const {
    Mat<S> J = Mat<S>::Zero(out_dim(), in_dim());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i)
        for (Index t = 0; t < k(); ++t)
          for (Index w = 0; w < W(); ++w) {
            const Index s = src(w, t);
            if (s >= 0) J(o * W() + w, i * W() + s) += w_(widx(o, i, t));
          }
    return J;
  }

  Mat<S> tap_transpose(Index t) const {
    Mat<S> m(ci(), co());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i) m(i, o) = w_(widx(o, i, t));
    return m;
  }

  std::vector<Index> seed_positions() const { return geometry().seed_positions(); }


  Index per_sample_fragment() const {
    switch (sp_.strategy) {
      case ConvStrategy::dense: return factor().pivoted.cokernel();
      case ConvStrategy::blocked: return static_cast<Index>(seed_positions().size()) * co();
      default: return 0;
    }
  }

  // Position-major profile of Jᵀ: one past the last row of column c's
  // reflector, and one past the last column of R's row c.
  Index band_row_end(Index c) const { return std::min(in_dim(), (c / co() + pad() + 1) * ci()); }
  Index band_col_end(Index c) const { return std::min(out_dim(), (c / co() + 2 * pad() + 1) * co()); }

  Mat<S> vijp_banded(const Mat<S>& g) const {
    const Factor& f = factor();
    const Index nb = g.cols();
    Mat<S> rhs(in_dim(), nb);
    for (Index i = 0; i < ci(); ++i)
      for (Index s = 0; s < W(); ++s) rhs.row(s * ci() + i) = g.row(i * W() + s);
    Vec<S> ws(nb);
    for (Index c = 0; c < out_dim(); ++c) {
      const Index len = band_row_end(c) - c;
      rhs.block(c, 0, len, nb).applyHouseholderOnTheLeft(f.band.col(c).segment(c + 1, len - 1), f.tau(c), ws.data());
    }
    Mat<S> z(out_dim(), nb);
    for (Index c = out_dim() - 1; c >= 0; --c) {
      const Index e = band_col_end(c);
      Mat<S> acc = rhs.row(c);
      if (e > c + 1) acc -= f.band.row(c).segment(c + 1, e - c - 1) * z.middleRows(c + 1, e - c - 1);
      z.row(c) = acc / f.band(c, c);
    }
    Mat<S> d(out_dim(), nb);
    for (Index o = 0; o < co(); ++o)
      for (Index w = 0; w < W(); ++w) d.row(o * W() + w) = z.row(w * co() + o);
    return d;
  }

  Mat<S> vijp_fft(const Mat<S>& g) const {
    const Factor& f = factor();
    if constexpr (conv_kernels::enabled<S>)
      return conv_kernels::vijp_fft_1d<S>(g, ci(), co(), W(), [&f](Index fr, const Vec<S>& b) -> Vec<S> {
        return f.freq[static_cast<std::size_t>(fr)].solve(b);
      });
    const Index nb = g.cols();
    Mat<S> d = Mat<S>::Zero(out_dim(), nb);
    for (Index j = 0; j < nb; ++j)
      for (Index fr = 0; fr < W(); ++fr) {
        Vec<S> b = Vec<S>::Zero(2 * ci());
        for (Index i = 0; i < ci(); ++i)
          for (Index s = 0; s < W(); ++s) {
            const Index m = (fr * s) % W();
            b(i) += g(i * W() + s, j) * f.cosine(m);
            b(ci() + i) -= g(i * W() + s, j) * f.sine(m);
          }
        const Vec<S> z = f.freq[static_cast<std::size_t>(fr)].solve(b);
        for (Index o = 0; o < co(); ++o)
          for (Index w = 0; w < W(); ++w) {
            const Index m = (fr * w) % W();
            d(o * W() + w, j) += z(o) * f.cosine(m) - z(co() + o) * f.sine(m);
          }
      }
    return d / S(W());
  }

  Mat<S> vijp_blocked(const Mat<S>& g, const Fragment<S>& frag) const {
    const Factor& f = factor();
    const std::vector<Index> seeds = seed_positions();
    const Index per = per_sample_fragment();
    std::vector<bool> seeded(static_cast<std::size_t>(W()), false);
    for (Index s : seeds) seeded[static_cast<std::size_t>(s)] = true;
    std::vector<Mat<S>> taps;
    for (Index t = 0; t < k(); ++t) taps.push_back(tap_transpose(t));
    Mat<S> d = Mat<S>::Zero(out_dim(), g.cols());
    Mat<S> D(co(), W());  // δ of one sample, position by column
    for (Index j = 0; j < g.cols(); ++j) {
      for (std::size_t q = 0; q < seeds.size(); ++q)
        D.col(seeds[q]) = frag.values.segment(j * per + static_cast<Index>(q) * co(), co());
      for (Index w = 0; w < W(); ++w) {
        if (seeded[static_cast<std::size_t>(w)]) continue;
        const Index s = src(w, 0);  // the equation that determines position w
        Vec<S> rhs(ci());
        for (Index i = 0; i < ci(); ++i) rhs(i) = g(i * W() + s, j);
        for (Index t = 1; t < k(); ++t) {
          const Index u = sp_.padding == Padding::circular ? wrap(w - t) : w - t;
          if (u >= 0) rhs -= taps[static_cast<std::size_t>(t)] * D.col(u);
        }
        D.col(w) = f.qr.solve(rhs);
      }
      for (Index o = 0; o < co(); ++o) d.col(j).segment(o * W(), W()) = D.row(o).transpose();
    }
    return d;
  }

  void validate() const {
    require(ci() > 0 && co() > 0 && W() > 0 && k() > 0, name, "channels, width and kernel must be positive");
    require(k() % 2 == 1, name, "kernel must be odd for same padding (got an even kernel)");
    require(co() <= ci(), name, "C_out > C_in: the Jacobian is not surjective (use a wider input)");
    require(sp_.block >= 1, name, "block size B must be at least 1");
    require(!(sp_.strategy == ConvStrategy::fft && sp_.padding != Padding::circular), name,
            "fft strategy needs circular padding");
    require(!(sp_.strategy == ConvStrategy::banded && sp_.padding != Padding::zero), name,
            "banded strategy needs zero padding");
    require_rows(w_, co() * ci() * k(), name, "weight");
    require_rows(b_, co(), name, "bias");
    require_finite(w_, name, "weight");
    require_finite(b_, name, "bias");
  }
  void check_input(const Mat<S>& x) const { require_input(x, in_dim(), name); }
  void check_cotangent(const Mat<S>& d, Index batch) const { require_cotangent(d, out_dim(), batch, name); }

  // A pure function of the weights and the strategy: computed once, shared by
  // the batch and by copies of this layer.
  const Factor& factor() const {
    if (!factor_) {
      auto f = std::make_shared<Factor>();
      switch (sp_.strategy) {
        case ConvStrategy::dense:
          f->pivoted = PivotedRightInverse<S>(jacobian_matrix());
          break;
        case ConvStrategy::blocked:
          f->qr.compute(tap_transpose(0));
          require(f->qr.rank() == co(), name,
                  "blocked strategy: the pivot tap W_0 is singular (rank < C_out); use banded, fft or dense");
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
    A = Mat<S>::Zero(in_dim(), out_dim());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i)
        for (Index t = 0; t < k(); ++t)
          for (Index w = 0; w < W(); ++w) {
            const Index s = src(w, t);
            if (s >= 0) A(s * ci() + i, w * co() + o) += w_(widx(o, i, t));
          }
    f.tau.resize(out_dim());
    Vec<S> ws(out_dim());
    for (Index c = 0; c < out_dim(); ++c) {
      const Index len = band_row_end(c) - c, e = band_col_end(c);
      S beta;
      A.col(c).segment(c, len).makeHouseholderInPlace(f.tau(c), beta);
      A(c, c) = beta;
      require(beta != S(0), name, "banded strategy: the Jacobian is rank deficient; use dense");
      if (e > c + 1)
        A.block(c, c + 1, len, e - c - 1)
            .applyHouseholderOnTheLeft(A.col(c).segment(c + 1, len - 1), f.tau(c), ws.data());
    }
  }

  void factor_fft(Factor& f) const {
    using std::cos;
    using std::sin;
    const S two_pi = 2 * boost::math::constants::pi<S>();
    f.cosine.resize(W());
    f.sine.resize(W());
    for (Index m = 0; m < W(); ++m) {
      f.cosine(m) = cos(two_pi * S(m) / S(W()));
      f.sine(m) = sin(two_pi * S(m) / S(W()));
    }
    for (Index fr = 0; fr < W(); ++fr) {
      Mat<S> re = Mat<S>::Zero(ci(), co()), im = Mat<S>::Zero(ci(), co());
      for (Index t = 0; t < k(); ++t) {
        const Index m = wrap(fr * (pad() - t));
        const Mat<S> Wt = tap_transpose(t);
        re += Wt * f.cosine(m);
        im += Wt * f.sine(m);
      }
      Mat<S> E(2 * ci(), 2 * co());
      E << re, -im, im, re;
      f.freq.emplace_back(E);
    }
  }

  Conv1dSpec sp_;
  Vec<S> w_, b_;
  mutable std::shared_ptr<const Factor> factor_;
};

}  // namespace moonwalk::reference
