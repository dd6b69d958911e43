#include "moonwalk/cuda/ops/conv2d.hpp"

#include "../banded.cuh"
#include "../blas.cuh"
#include "moonwalk/cuda/detail/host_qr.hpp"
#include "../right_inverse.cuh"
#include "moonwalk/cuda/kernels/conv2d.hpp"

#include <map>

namespace moonwalk::cuda {

using namespace detail;
using kernels::Conv2dShape;

namespace detail {

constexpr const char* kConv2d = "conv2d";

// cuFFT plans for one batch size: R2C of the C_in·B images of g, C2R of the
// C_out·B spectra of δ̂, their work areas taken from the arena.
template <class S> struct Fft2Plans {
  cufftHandle r2c = 0, c2r = 0;
  DeviceBuffer work_r2c, work_c2r;
  Fft2Plans() = default;
  Fft2Plans(const Fft2Plans&) = delete;
  Fft2Plans& operator=(const Fft2Plans&) = delete;
  ~Fft2Plans() {
    if (r2c) cufftDestroy(r2c);
    if (c2r) cufftDestroy(c2r);
  }
};

// A transform over the sides longer than 1: 2-D H × W, or 1-D over the other.
template <class S>
void make_plan_2d(const Context& ctx, cufftHandle& plan, DeviceBuffer& work, const Conv2dShape& s, Index batch,
                  bool forward) {
  check(cufftCreate(&plan), kConv2d, "cufftCreate");
  check(cufftSetAutoAllocation(plan, 0), kConv2d, "cufftSetAutoAllocation");
  long long n[2] = {s.H, s.W};
  int rank = 2;
  if (s.H == 1 || s.W == 1) rank = 1, n[0] = s.H * s.W;
  std::size_t bytes = 0;
  const cufftType type = std::is_same_v<S, float> ? (forward ? CUFFT_R2C : CUFFT_C2R) : (forward ? CUFFT_D2Z : CUFFT_Z2D);
  check(cufftMakePlanMany64(plan, rank, n, nullptr, 1, 0, nullptr, 1, 0, type, batch, &bytes), kConv2d,
        "cufftMakePlanMany");
  work = DeviceBuffer(ctx.arena(), Category::working_set, bytes);
  check(cufftSetWorkArea(plan, work.data()), kConv2d, "cufftSetWorkArea");
  check(cufftSetStream(plan, stream_of(ctx)), kConv2d, "cufftSetStream");
}

// What the vijp needs, a pure function of the weights and the strategy.
template <class S> struct Conv2dFactor {
  Conv2dShape shape;
  Index rank = 0;
  std::unique_ptr<RightInverse<S>> dense;  // dense: the right inverse of J
  std::vector<Index> seeds;                // blocked
  DeviceMatrix<Index> seeds_dev;
  DeviceMatrix<char> seeded;
  DeviceMatrix<S> qr0, tau0;               // blocked: householder_qr of A_00ᵀ
  BandFactor<S> banded;                    // banded: compressed columns of Jᵀ
  DeviceMatrix<S> freq, freq_tau;          // fft: one factor per bin of the half spectrum
  mutable std::map<Index, std::unique_ptr<Fft2Plans<S>>> plans;

  // Cached only once both plans are made, so a failure leaves no half-made entry.
  const Fft2Plans<S>& plans_for(const Context& ctx, Index batch) const {
    auto it = plans.find(batch);
    if (it == plans.end()) {
      auto p = std::make_unique<Fft2Plans<S>>();
      make_plan_2d<S>(ctx, p->r2c, p->work_r2c, shape, shape.ci * batch, true);
      make_plan_2d<S>(ctx, p->c2r, p->work_c2r, shape, shape.co * batch, false);
      it = plans.emplace(batch, std::move(p)).first;
    }
    return *it->second;
  }
};

template <class S> void conv2d_factor_dense(const Context& ctx, const Conv2dShape& s, const S* wt, Conv2dFactor<S>& f) {
  DeviceMatrix<S> J(ctx.arena(), s.out_dim(), s.in_dim());
  J.fill_zero();
  S* Jd = J.data();
  each(ctx, s.out_dim(), kConv2d, [=] __device__(Index row) { kernels::conv2d_jacobian_row(row, s, wt, Jd); });
  f.dense = std::make_unique<RightInverse<S>>(ctx, Jd, s.out_dim(), s.in_dim(), kConv2d);
  f.rank = f.dense->rank();
}

template <class S>
void conv2d_factor_blocked(const Context& ctx, const Conv2dShape& s, const S* wt, const std::vector<S>& host_weights,
                           Conv2dFactor<S>& f) {
  HostMatrix<S> w0t(s.ci, s.co);
  for (Index o = 0; o < s.co; ++o)
    for (Index i = 0; i < s.ci; ++i) w0t(i, o) = host_weights[static_cast<std::size_t>(s.widx(o, i, 0, 0))];
  require(pivoted_rank(w0t) == s.co, kConv2d,
          "blocked strategy: the pivot tap W_00 is singular (rank < C_out); use banded, fft or dense");
  f.rank = s.out_dim();
  f.seeds = s.seed_positions();
  f.seeds_dev = DeviceMatrix<Index>::upload(ctx.arena(), HostMatrix<Index>::column(f.seeds));
  HostMatrix<char> flags(s.positions(), 1);
  for (Index w : f.seeds) flags(w, 0) = 1;
  f.seeded = DeviceMatrix<char>::upload(ctx.arena(), flags);
  f.qr0 = DeviceMatrix<S>(ctx.arena(), s.ci, s.co);
  f.tau0 = DeviceMatrix<S>(ctx.arena(), s.co, 1);
  S *qr = f.qr0.data(), *tau = f.tau0.data();
  each(ctx, s.ci * s.co, kConv2d, [=] __device__(Index e) { kernels::conv2d_pivot_tap_transpose(e, s, wt, qr); });
  each(ctx, 1, kConv2d, [=] __device__(Index) { kernels::householder_qr(qr, s.ci, s.co, s.ci, tau); });
}

template <class S> void conv2d_factor_banded(const Context& ctx, const Conv2dShape& s, const S* wt, Conv2dFactor<S>& f) {
  f.rank = s.out_dim();
  band_allocate(ctx, kernels::band_of(s), f.banded);
  const Index* o = f.banded.offsets.data();
  S* A = f.banded.band.data();
  each(ctx, s.out_dim(), kConv2d, [=] __device__(Index c) { kernels::conv2d_band_fill(c, s, wt, o, A); });
  band_factorize(ctx, f.banded, kConv2d);
}

template <class S> void conv2d_factor_fft(const Context& ctx, const Conv2dShape& s, const S* wt, Conv2dFactor<S>& f) {
  f.rank = s.out_dim();
  const Index F = kernels::spectrum_of(s).bins();
  f.freq = DeviceMatrix<S>(ctx.arena(), 4 * s.ci * s.co, F);
  f.freq_tau = DeviceMatrix<S>(ctx.arena(), 2 * s.co, F);
  S *E = f.freq.data(), *tau = f.freq_tau.data();
  each(ctx, F, kConv2d, [=] __device__(Index e) { kernels::fft2_factor(e, s, wt, E, tau); });
}

template <class S>
std::shared_ptr<const Conv2dFactor<S>> make_conv2d_factor(const Context& ctx, const Conv2dShape& s, ConvStrategy strategy,
                                                          const S* wt, const std::vector<S>& host_weights) {
  auto f = std::make_shared<Conv2dFactor<S>>();
  f->shape = s;
  switch (strategy) {
    case ConvStrategy::dense: conv2d_factor_dense(ctx, s, wt, *f); break;
    case ConvStrategy::blocked: conv2d_factor_blocked(ctx, s, wt, host_weights, *f); break;
    case ConvStrategy::banded: conv2d_factor_banded(ctx, s, wt, *f); break;
    case ConvStrategy::fft: conv2d_factor_fft(ctx, s, wt, *f); break;
  }
  return f;
}

template <class S> void conv2d_vijp_fft(const Context& ctx, const Conv2dFactor<S>& f, const S* g, Index B, S* d) {
  const Conv2dShape s = f.shape;
  const Index F = kernels::spectrum_of(s).bins();
  const bool identity = s.positions() == 1;  // a 1 × 1 image: the transform is the identity
  DeviceMatrix<S> G(ctx.arena(), 2 * F, s.ci * B), D(ctx.arena(), 2 * F, s.co * B), work(ctx.arena(), 2 * s.ci, F * B);
  S *Gd = G.data(), *Dd = D.data(), *wk = work.data();
  if (identity) {
    each(ctx, s.ci * B, kConv2d, [=] __device__(Index e) { Gd[2 * e] = g[e], Gd[2 * e + 1] = 0; });
  } else {
    const Fft2Plans<S>& p = f.plans_for(ctx, B);
    // cuFFT may use a transform's input as scratch; g is the caller's (Phase
    // III reads it again), so the transform reads a copy.
    DeviceMatrix<S> in(ctx.arena(), s.ci * s.positions(), B);
    check(cudaMemcpyAsync(in.data(), g, in.bytes(), cudaMemcpyDeviceToDevice, static_cast<cudaStream_t>(ctx.arena().stream())),
          kConv2d, "copy");
    if constexpr (std::is_same_v<S, float>)
      check(cufftExecR2C(p.r2c, in.data(), reinterpret_cast<cufftComplex*>(Gd)), kConv2d, "cufftExecR2C");
    else
      check(cufftExecD2Z(p.r2c, in.data(), reinterpret_cast<cufftDoubleComplex*>(Gd)), kConv2d, "cufftExecD2Z");
  }
  const S *E = f.freq.data(), *tau = f.freq_tau.data();
  each(ctx, F * B, kConv2d, [=] __device__(Index e) {
    kernels::fft2_solve(e % F, e / F, s, E, tau, Gd, Dd, wk + e * 2 * s.ci);
  });
  if (identity) {
    each(ctx, s.co * B, kConv2d, [=] __device__(Index e) { d[e] = Dd[2 * e]; });
  } else {
    const Fft2Plans<S>& p = f.plans_for(ctx, B);
    if constexpr (std::is_same_v<S, float>)
      check(cufftExecC2R(p.c2r, reinterpret_cast<cufftComplex*>(Dd), d), kConv2d, "cufftExecC2R");
    else
      check(cufftExecZ2D(p.c2r, reinterpret_cast<cufftDoubleComplex*>(Dd), d), kConv2d, "cufftExecZ2D");
  }
  const S P = static_cast<S>(s.positions());
  each(ctx, s.out_dim() * B, kConv2d, [=] __device__(Index e) { d[e] /= P; });
}

template <class S>
void conv2d_vijp_blocked(const Context& ctx, const Conv2dFactor<S>& f, const S* wt, const S* g, const S* frag, Index B,
                         S* d) {
  const Conv2dShape s = f.shape;
  const Index nseeds = static_cast<Index>(f.seeds.size()), chains = (s.H + s.block - 1) / s.block;
  const Index* seeds = f.seeds_dev.data();
  const char* seeded = f.seeded.data();
  const S *qr = f.qr0.data(), *tau = f.tau0.data();
  each(ctx, nseeds * s.co * B, kConv2d,
       [=] __device__(Index e) { kernels::conv2d_blocked_scatter(e, s, seeds, nseeds, frag, d); });
  DeviceMatrix<S> work(ctx.arena(), s.ci, chains * B);
  S* wk = work.data();
  each(ctx, chains * B, kConv2d, [=] __device__(Index e) {
    kernels::conv2d_blocked_chain(e % chains, e / chains, s, wt, qr, tau, seeded, g, d, wk + e * s.ci);
  });
}

inline Conv2dShape shape_of(const Conv2dSpec& s) { return Conv2dShape::of(s); }

}  // namespace detail

template <class S>
Conv2d<S>::Conv2d(Context& ctx, Conv2dSpec spec, const std::vector<S>& weight, const std::vector<S>& bias)
    : Base(ctx, spec) {
  validate();
  require_rows(static_cast<Index>(weight.size()), weights(), name, "weight");
  require_rows(static_cast<Index>(bias.size()), sp_.out_channels, name, "bias");
  std::vector<S> p(weight);
  p.insert(p.end(), bias.begin(), bias.end());
  set_params(p);
}

template <class S> void Conv2d<S>::validate() const {
  const Conv2dSpec& s = sp_;
  require(s.in_channels > 0 && s.out_channels > 0 && s.height > 0 && s.width > 0 && s.kernel > 0, name,
          "channels, height, width and kernel must be positive");
  require(s.kernel % 2 == 1, name, "kernel must be odd for same padding (got an even kernel)");
  require(s.out_channels <= s.in_channels || s.strategy == ConvStrategy::dense, name,
          std::string("C_out > C_in: the Jacobian is not surjective and the ") + conv_strategy_name(s.strategy) +
              " strategy keeps no fragment for its cokernel (use dense, or a wider input)");
  require(s.block >= 1, name, "block size B must be at least 1");
  require(!s.automatic, name,
          "strategy auto is chosen on the host: build the reference operator and pass its resolved_spec()");
  require(!(s.strategy == ConvStrategy::fft && s.padding != Padding::circular), name, "fft strategy needs circular padding");
  require(!(s.strategy == ConvStrategy::banded && s.padding != Padding::zero), name, "banded strategy needs zero padding");
}

template <class S> void Conv2d<S>::set_params(const std::vector<S>& p) {
  require_rows(static_cast<Index>(p.size()), param_count(), name, "parameters");
  require_finite(HostMatrix<S>(weights(), 1, std::vector<S>(p.begin(), p.begin() + weights())), name, "weight");
  require_finite(HostMatrix<S>(sp_.out_channels, 1, std::vector<S>(p.begin() + weights(), p.end())), name, "bias");
  params_ = p;
  theta_ = DeviceMatrix<S>::upload(ctx_->arena(), HostMatrix<S>::column(p), Category::parameters);
  factor_.reset();
}

template <class S> const Conv2dFactor<S>& Conv2d<S>::factor() const {
  if (!factor_) factor_ = make_conv2d_factor(*ctx_, shape_of(sp_), sp_.strategy, theta_.data(), params_);
  return *factor_;
}

template <class S> Index Conv2d<S>::per_sample_fragment() const {
  switch (sp_.strategy) {
    case ConvStrategy::dense: return out_dim() - factor().rank;
    case ConvStrategy::blocked:
      return static_cast<Index>(shape_of(sp_).seed_positions().size()) * sp_.out_channels;
    default: return 0;
  }
}

template <class S> DeviceMatrix<S> Conv2d<S>::forward(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceMatrix<S> y(ctx_->arena(), out_dim(), x.cols());
  const Conv2dShape s = shape_of(sp_);
  const S *wt = theta_.data(), *b = theta_.data() + weights(), *xd = x.data();
  S* yd = y.data();
  each(*ctx_, y.size(), name, [=] __device__(Index e) { kernels::conv2d_forward(e, s, wt, b, xd, yd); });
  return y;
}

template <class S>
DeviceMatrix<S> Conv2d<S>::jvp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& xdot, const DeviceMatrix<S>& pdot) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(xdot, in_dim(), x.cols(), name, "tangent");
  require_param_dir(pdot.rows(), pdot.cols(), param_count(), name);
  DeviceMatrix<S> y(ctx_->arena(), out_dim(), x.cols());
  const Conv2dShape s = shape_of(sp_);
  const S *wt = theta_.data(), *xd = x.data(), *td = xdot.data();
  const S* wdot = pdot.empty() ? nullptr : pdot.data();
  const S* bdot = pdot.empty() ? nullptr : pdot.data() + weights();
  S* yd = y.data();
  each(*ctx_, y.size(), name, [=] __device__(Index e) { kernels::conv2d_jvp(e, s, wt, td, wdot, bdot, xd, yd); });
  return y;
}

template <class S> DeviceResidual<S> Conv2d<S>::input_residual(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  DeviceResidual<S> r;
  r.batch = x.cols();
  return r;
}

template <class S> DeviceMatrix<S> Conv2d<S>::vjp_input(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, name, "output cotangent");
  DeviceMatrix<S> h(ctx_->arena(), in_dim(), r.batch);
  const Conv2dShape s = shape_of(sp_);
  const S *wt = theta_.data(), *dd = delta.data();
  S* hd = h.data();
  each(*ctx_, h.size(), name, [=] __device__(Index e) { kernels::conv2d_vjp_input(e, s, wt, dd, hd); });
  return h;
}

template <class S> DeviceMatrix<S> Conv2d<S>::vjp_params(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(delta, out_dim(), x.cols(), name, "output cotangent");
  DeviceMatrix<S> g(ctx_->arena(), param_count(), 1);
  const Conv2dShape s = shape_of(sp_);
  const Index B = x.cols();
  const S *dd = delta.data(), *xd = x.data();
  S* gd = g.data();
  each(*ctx_, g.size(), name, [=] __device__(Index e) { kernels::conv2d_vjp_params(e, s, dd, xd, B, gd); });
  return g;
}

template <class S> Index Conv2d<S>::fragment_size(const DeviceMatrix<S>& x) const {
  check_matrix(x, in_dim(), name, "input");
  return per_sample_fragment() * x.cols();
}

template <class S> Index Conv2d<S>::checkpoint_size(const DeviceMatrix<S>& x) const {
  return sp_.strategy == ConvStrategy::blocked ? fragment_size(x) : 0;
}

template <class S> DeviceFragment<S> Conv2d<S>::fragment(const DeviceMatrix<S>& x, const DeviceMatrix<S>& delta) const {
  return fragment(input_residual(x), delta);
}

template <class S>
DeviceFragment<S> Conv2d<S>::fragment(const DeviceResidual<S>& r, const DeviceMatrix<S>& delta) const {
  check_matrix(delta, out_dim(), r.batch, name, "output cotangent");
  const Index per = per_sample_fragment();
  DeviceFragment<S> out{DeviceMatrix<S>(ctx_->arena(), per * r.batch, 1, Category::fragments)};
  if (per == 0) return out;
  const Conv2dFactor<S>& f = factor();
  if (sp_.strategy == ConvStrategy::dense) {
    f.dense->fragment(delta.data(), r.batch, out.values.data());
  } else {
    const Conv2dShape s = shape_of(sp_);
    const Index nseeds = static_cast<Index>(f.seeds.size());
    const Index* seeds = f.seeds_dev.data();
    const S* dd = delta.data();
    S* fd = out.values.data();
    each(*ctx_, out.size(), name,
         [=] __device__(Index e) { kernels::conv2d_blocked_gather(e, s, seeds, nseeds, dd, fd); });
  }
  return out;
}

template <class S>
DeviceMatrix<S> Conv2d<S>::vijp(const DeviceMatrix<S>& x, const DeviceMatrix<S>& g, const DeviceFragment<S>& f) const {
  check_matrix(x, in_dim(), name, "input");
  check_matrix(g, in_dim(), x.cols(), name, "input cotangent");
  require_fragment(f.size(), fragment_size(x), name);
  const Conv2dFactor<S>& fac = factor();
  const Index B = x.cols();
  DeviceMatrix<S> d(ctx_->arena(), out_dim(), B);
  switch (sp_.strategy) {
    case ConvStrategy::dense: fac.dense->solve(g.data(), B, f.values.data(), d.data()); break;
    case ConvStrategy::banded: band_apply(*ctx_, fac.banded, g.data(), B, d.data(), name); break;
    case ConvStrategy::fft: conv2d_vijp_fft(*ctx_, fac, g.data(), B, d.data()); break;
    case ConvStrategy::blocked: conv2d_vijp_blocked(*ctx_, fac, theta_.data(), g.data(), f.values.data(), B, d.data()); break;
  }
  require(all_finite(*ctx_, d.data(), d.size(), name), name,
          "vijp result (the system is singular) holds a non-finite value");
  return d;
}

template class Conv2d<float>;
template class Conv2d<double>;

}  // namespace moonwalk::cuda
