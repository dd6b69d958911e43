// conv2d: stride 1, odd kernel k × k, p = (k − 1)/2, "same" output H × W,
//   C_out ≤ C_in. A column is channel-major, then row-major: C × H × W, entry
//   (c, r, q) at index c·H·W + r·W + q; a position (r, q) has raster index
//   r·W + q. y[o, r, q] = b[o] + Σ_i Σ_{a,b} W[o][i][a][b] x[i, r + a − p, q + b − p],
//   out-of-range inputs zero (Padding::zero) or wrapped mod H, W
//   (Padding::circular). θ = (weights, bias): W[o][i][a][b] at
//   θ[((o·C_in + i)·k + a)·k + b], then b. W_ab is the C_out × C_in tap (a, b).
//   jvp: conv(W, ẋ) + conv(Ẇ, x) + ḃ.
//   vjp_input: h[:, s] = Σ_{a,b} W_abᵀ δ[:, s + (p − a, p − b)];
//   vjp_params: (Σ δ[o, r, q] x[i, r + a − p, q + b − p], Σ δ).
//   vijp: solve Jᵀ δ = g (least squares when C_out < C_in), by a strategy:
//   - dense: column-pivoted QR of the materialised Jᵀ (the oracle). Fragment:
//     the entries of δ at the columns pivoting left out; none when J has full
//     row rank. The only strategy that accepts C_out > C_in (the cokernel is
//     its fragment).
//   - banded (zero padding): Householder QR of Jᵀ in raster order (row
//     s·C_in + i, column w·C_out + o for raster positions s, w). Output w
//     reads inputs at raster offsets within ±h, h = p·W + p, so Jᵀ is
//     block-banded with half-bandwidth h positions: reflector c spans rows up
//     to (w + h + 1)·C_in and R's row c columns up to (w + 2h + 1)·C_out.
//     Orthogonal, so no pivoting is needed: error ≈ ε·cond(J). No fragment.
//   - fft (circular padding): Jᵀ is block-circulant with circulant blocks.
//     With ĥ_{f,g} = Σ_{r,q} h[:, r, q] ω_H^{−fr} ω_W^{−gq}:
//     ĥ_{f,g} = M_{f,g} δ̂_{f,g}, M_{f,g} = Σ_{a,b} W_abᵀ ω_H^{f(p−a)} ω_W^{g(p−b)}.
//     Each C_in × C_out complex system is solved (least squares) through its
//     real embedding [Re −Im; Im Re] by Householder QR; the transforms are
//     direct DFTs along rows, then columns. No fragment.
//   - blocked: the pivot-tap recurrence in raster order, position (r, q) from
//     the equation at input position (r − p, q − p):
//     δ[:, r, q] = (W_00ᵀ)⁺ (g[:, r − p, q − p] − Σ_{(a,b)≠(0,0)} W_abᵀ δ[:, r − a, q − b]).
//     Every δ it reads lies up and to the left, hence earlier in raster order.
//     Seeds (positions whose δ the reverse pass stores): the k − 1 rows before
//     every block start B, 2B, ... (and before row 0, wrapped, in circular
//     padding); in zero padding also the first p rows and the first p columns
//     of every row, which no equation determines; in circular padding the last
//     k − 1 columns of every row, which the wrapped left neighbours of
//     columns 0 .. k − 2 read. Fragment: δ at the seeds in raster order,
//     C_out values each, per sample. A chain of recurrence steps stays inside
//     one block of B rows.
//   domain: finite weights, bias, inputs; the pivot tap W_00 of full row rank
//   for blocked.
#pragma once

#include "moonwalk/reference/ops/conv1d.hpp"
#include "moonwalk/reference/ops/conv_geometry.hpp"
#include "moonwalk/reference/ops/conv_kernels.hpp"
#include "moonwalk/reference/ops/conv_spec.hpp"

namespace moonwalk::reference {

template <class S> struct Conv2d {
  static constexpr const char* name = "conv2d";
  static constexpr bool bijective = false;

  Conv2d(Conv2dSpec spec, Vec<S> weight, Vec<S> bias) : sp_(spec), w_(std::move(weight)), b_(std::move(bias)) {
    validate();
  }

  const Conv2dSpec& spec() const { return sp_; }
  Index positions() const { return sp_.height * sp_.width; }
  Index in_dim() const { return sp_.in_channels * positions(); }
  Index out_dim() const { return sp_.out_channels * positions(); }
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
  template <class T> Conv2d<T> cast() const { return Conv2d<T>(sp_, w_.template cast<T>(), b_.template cast<T>()); }

  Mat<S> forward(const Mat<S>& x) const {
    check_input(x);
    Mat<S> y = conv(w_, x);
    for (Index j = 0; j < y.cols(); ++j)
      for (Index o = 0; o < co(); ++o) y.col(j).segment(o * P(), P()).array() += b_(o);
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
        for (Index o = 0; o < co(); ++o) y.col(j).segment(o * P(), P()).array() += pdot(w_.size() + o);
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
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_input<S>(w_, delta, ci(), co(), P(), runs());
    Mat<S> h = Mat<S>::Zero(in_dim(), delta.cols());
    for (Index j = 0; j < delta.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index a = 0; a < k(); ++a)
            for (Index b = 0; b < k(); ++b) {
              const S wt = w_(widx(o, i, a, b));
              for (Index w = 0; w < P(); ++w) {
                const Index s = src(w, a, b);
                if (s >= 0) h(i * P() + s, j) += wt * delta(o * P() + w, j);
              }
            }
    return h;
  }

  Vec<S> vjp_params(const Mat<S>& x, const Mat<S>& delta) const {
    check_input(x);
    check_cotangent(delta, x.cols());
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::vjp_params<S>(x, delta, ci(), co(), P(), runs());
    Vec<S> g = Vec<S>::Zero(param_count());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o) {
        for (Index i = 0; i < ci(); ++i)
          for (Index a = 0; a < k(); ++a)
            for (Index b = 0; b < k(); ++b)
              for (Index w = 0; w < P(); ++w) {
                const Index s = src(w, a, b);
                if (s >= 0) g(widx(o, i, a, b)) += delta(o * P() + w, j) * x(i * P() + s, j);
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
    return sp_.strategy == ConvStrategy::blocked ? fragment_size(x) : 0;
  }

  // Error amplification of the vijp beyond cond(J), for the tolerance. Blocked:
  // with P = (W_00ᵀ)⁺ and ρ = ‖P‖·Σ_{(a,b)≠(0,0)}‖W_ab‖, an error e made at a
  // position obeys ‖e‖ ≤ ‖P‖·η + ρ·max ‖e'‖ over the positions it reads, η the
  // rounding of the right-hand side (≲ n·u·Σ‖W_ab‖·‖δ‖). Along a chain each
  // step moves up a row or left a column, never down or right, so a chain in a
  // block of R unseeded rows and F unseeded columns has at most L = R + F − 1
  // positions, and the error sums to ‖P‖·Σ‖W_ab‖·Σ_{j<L} ρ^j times n·u·‖δ‖.
  // Other strategies: 1 (backward stable).
  double vijp_amplification() const {
    if (sp_.strategy != ConvStrategy::blocked) return 1.0;
    double total = 0, pivot = 0, sigma_min = 0;
    for (Index a = 0; a < k(); ++a)
      for (Index b = 0; b < k(); ++b) {
        Eigen::JacobiSVD<Mat<double>> svd(tap_transpose(a, b).unaryExpr([](const S& v) { return to_double(v); }));
        total += svd.singularValues()(0);
        if (a == 0 && b == 0) pivot = svd.singularValues()(0), sigma_min = svd.singularValues()(co() - 1);
      }
    if (sigma_min == 0) return std::numeric_limits<double>::infinity();
    const double rho = (total - pivot) / sigma_min;
    const Seeds sd = seeds();
    Index free_cols = 0;
    for (Index q = 0; q < Wd(); ++q) free_cols += !sd.column[static_cast<std::size_t>(q)];
    const Index L = std::max<Index>(1, std::min(sp_.block, H()) + free_cols - 1);
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
      const std::vector<Index> list = seeds().list;
      for (Index j = 0; j < batch; ++j)
        for (std::size_t q = 0; q < list.size(); ++q)
          for (Index o = 0; o < co(); ++o)
            out.values(j * per + static_cast<Index>(q) * co() + o) = delta(o * P() + list[q], j);
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
    Eigen::ColPivHouseholderQR<Mat<S>> qr;  // blocked: W_00ᵀ
    Mat<S> band;  // banded: Householder vectors below, R above
    Vec<S> tau;
    std::vector<Eigen::HouseholderQR<Mat<S>>> freq;  // fft: one per frequency pair, raster order
    Vec<S> cos_h, sin_h, cos_w, sin_w;               // fft: cos, sin of 2πm/H and 2πm/W
  };
  // Seeded positions of the blocked strategy: a mask over raster positions,
  // the same list ascending, and which columns are seeded in every row.
  struct Seeds {
    std::vector<bool> mask, column;
    std::vector<Index> list;
  };

  Index ci() const { return sp_.in_channels; }
  Index co() const { return sp_.out_channels; }
  Index H() const { return sp_.height; }
  Index Wd() const { return sp_.width; }
  Index P() const { return positions(); }
  Index k() const { return sp_.kernel; }
  Conv2dShape geometry() const { return Conv2dShape::of(sp_); }
  Index pad() const { return geometry().pad(); }
  Index widx(Index o, Index i, Index a, Index b) const { return geometry().widx(o, i, a, b); }
  static Index wrap(Index v, Index n) { return Conv2dShape::wrap(v, n); }
  // Raster input position read by raster output position w through tap (a, b);
  // −1 where zero padding supplies the input.
  Index src(Index w, Index a, Index b) const { return geometry().src(w, a, b); }

  conv_kernels::TapRuns runs() const {
    return conv_kernels::tap_runs(P(), k() * k(), [this](Index w, Index t) { return src(w, t / k(), t % k()); });
  }

  template <class Weights> Mat<S> conv(const Weights& wt, const Mat<S>& x) const {
    if constexpr (conv_kernels::enabled<S>) return conv_kernels::forward<S>(wt, x, ci(), co(), P(), runs());
    Mat<S> y = Mat<S>::Zero(out_dim(), x.cols());
    for (Index j = 0; j < x.cols(); ++j)
      for (Index o = 0; o < co(); ++o)
        for (Index i = 0; i < ci(); ++i)
          for (Index a = 0; a < k(); ++a)
            for (Index b = 0; b < k(); ++b) {
              const S c = wt(widx(o, i, a, b));
              for (Index w = 0; w < P(); ++w) {
                const Index s = src(w, a, b);
                if (s >= 0) y(o * P() + w, j) += c * x(i * P() + s, j);
              }
            }
    return y;
  }

  Mat<S> jacobian_matrix() const {
    Mat<S> J = Mat<S>::Zero(out_dim(), in_dim());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i)
        for (Index a = 0; a < k(); ++a)
          for (Index b = 0; b < k(); ++b)
            for (Index w = 0; w < P(); ++w) {
              const Index s = src(w, a, b);
              if (s >= 0) J(o * P() + w, i * P() + s) += w_(widx(o, i, a, b));
            }
    return J;
  }

  Mat<S> tap_transpose(Index a, Index b) const {
    Mat<S> m(ci(), co());
    for (Index o = 0; o < co(); ++o)
      for (Index i = 0; i < ci(); ++i) m(i, o) = w_(widx(o, i, a, b));
    return m;
  }

  Seeds seeds() const {
    Seeds sd;
    const Conv2dShape g = geometry();
    const std::vector<char> col = g.seeded_columns();
    sd.column.assign(col.begin(), col.end());
    sd.list = g.seed_positions();
    sd.mask.assign(static_cast<std::size_t>(P()), false);
    for (Index w : sd.list) sd.mask[static_cast<std::size_t>(w)] = true;
    return sd;
  }


  Index per_sample_fragment() const {
    switch (sp_.strategy) {
      case ConvStrategy::dense: return factor().pivoted.cokernel();
      case ConvStrategy::blocked: return static_cast<Index>(seeds().list.size()) * co();
      default: return 0;
    }
  }

  // Raster-order profile of Jᵀ: one past the last row of column c's
  // reflector, and one past the last column of R's row c.
  Index half_band() const { return pad() * Wd() + pad(); }
  Index band_row_end(Index c) const { return std::min(in_dim(), (c / co() + half_band() + 1) * ci()); }
  Index band_col_end(Index c) const { return std::min(out_dim(), (c / co() + 2 * half_band() + 1) * co()); }

  Mat<S> vijp_banded(const Mat<S>& g) const {
    const Factor& f = factor();
    const Index nb = g.cols();
    Mat<S> rhs(in_dim(), nb);
    for (Index i = 0; i < ci(); ++i)
      for (Index s = 0; s < P(); ++s) rhs.row(s * ci() + i) = g.row(i * P() + s);
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
    pass(H(), Wd(), Wd(), 1, f.cos_h, f.sin_h);  // along each column
  }

  Mat<S> vijp_fft(const Mat<S>& g) const {
    const Factor& f = factor();
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
    const Seeds sd = seeds();
    const Index per = per_sample_fragment();
    std::vector<Mat<S>> taps;
    for (Index a = 0; a < k(); ++a)
      for (Index b = 0; b < k(); ++b) taps.push_back(tap_transpose(a, b));
    const bool circular = sp_.padding == Padding::circular;
    Mat<S> d = Mat<S>::Zero(out_dim(), g.cols());
    Mat<S> D(co(), P());  // δ of one sample, raster position by column
    for (Index j = 0; j < g.cols(); ++j) {
      for (std::size_t q = 0; q < sd.list.size(); ++q)
        D.col(sd.list[q]) = frag.values.segment(j * per + static_cast<Index>(q) * co(), co());
      for (Index w = 0; w < P(); ++w) {
        if (sd.mask[static_cast<std::size_t>(w)]) continue;
        const Index r = w / Wd(), q = w % Wd();
        const Index s = circular ? wrap(r - pad(), H()) * Wd() + wrap(q - pad(), Wd()) : (r - pad()) * Wd() + q - pad();
        Vec<S> rhs(ci());
        for (Index i = 0; i < ci(); ++i) rhs(i) = g(i * P() + s, j);
        for (Index a = 0; a < k(); ++a)
          for (Index b = 0; b < k(); ++b) {
            if (a == 0 && b == 0) continue;
            Index ur = r - a, uq = q - b;
            if (circular) ur = wrap(ur, H()), uq = wrap(uq, Wd());
            else if (ur < 0 || uq < 0) continue;
            rhs -= taps[static_cast<std::size_t>(a * k() + b)] * D.col(ur * Wd() + uq);
          }
        D.col(w) = f.qr.solve(rhs);
      }
      for (Index o = 0; o < co(); ++o) d.col(j).segment(o * P(), P()) = D.row(o).transpose();
    }
    return d;
  }

  void validate() const {
    require(ci() > 0 && co() > 0 && H() > 0 && Wd() > 0 && k() > 0, name,
            "channels, height, width and kernel must be positive");
    require(k() % 2 == 1, name, "kernel must be odd for same padding (got an even kernel)");
    require(co() <= ci() || sp_.strategy == ConvStrategy::dense, name,
            std::string("C_out > C_in: the Jacobian is not surjective and the ") + conv_strategy_name(sp_.strategy) +
                " strategy keeps no fragment for its cokernel (use dense, or a wider input)");
    require(sp_.block >= 1, name, "block size B must be at least 1");
    require(!(sp_.strategy == ConvStrategy::fft && sp_.padding != Padding::circular), name,
            "fft strategy needs circular padding");
    require(!(sp_.strategy == ConvStrategy::banded && sp_.padding != Padding::zero), name,
            "banded strategy needs zero padding");
    require_rows(w_, co() * ci() * k() * k(), name, "weight");
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
          f->qr.compute(tap_transpose(0, 0));
          require(f->qr.rank() == co(), name,
                  "blocked strategy: the pivot tap W_00 is singular (rank < C_out); use banded, fft or dense");
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
        for (Index a = 0; a < k(); ++a)
          for (Index b = 0; b < k(); ++b)
            for (Index w = 0; w < P(); ++w) {
              const Index s = src(w, a, b);
              if (s >= 0) A(s * ci() + i, w * co() + o) += w_(widx(o, i, a, b));
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
        for (Index a = 0; a < k(); ++a)
          for (Index b = 0; b < k(); ++b) {
            const Index mh = wrap(fh * (pad() - a), H()), mw = wrap(fw * (pad() - b), Wd());
            // ω_H^{mh} ω_W^{mw} = e^{iθ}, θ the sum of the two table angles.
            const S c = f.cos_h(mh) * f.cos_w(mw) - f.sin_h(mh) * f.sin_w(mw);
            const S s = f.sin_h(mh) * f.cos_w(mw) + f.cos_h(mh) * f.sin_w(mw);
            const Mat<S> Wt = tap_transpose(a, b);
            re += Wt * c;
            im += Wt * s;
          }
        Mat<S> E(2 * ci(), 2 * co());
        E << re, -im, im, re;
        f.freq.emplace_back(E);
      }
  }

  Conv2dSpec sp_;
  Vec<S> w_, b_;
  mutable std::shared_ptr<const Factor> factor_;
};

}  // namespace moonwalk::reference
