// The CUDA operators against the conformance vectors (docs/porting.md,
// docs/cuda.md), on the GPU. Depends on CUDA, Eigen (through moonwalk::cuda)
// and nlohmann-json only, so that it builds on a GPU machine without the
// rest of the project's dependencies.
//
//   cuda_ops_test --op OP --precision float|double [--strategy S] DIR...
//   cuda_ops_test --errors --precision float|double
//   cuda_ops_test --arena
//
// The criterion is self-calibrating: for every case and output, the GPU's
// relative error against the 50-digit expectation must be at most twice the
// CPU reference's own error in the same precision (the vectors carry it)
// plus n·u, the rounding that any correct evaluation in that precision may
// make: u = ε/2 is the unit roundoff and n the number of rounded operations
// that can reach one entry — at most the scalars the operator reads per
// sample (in + out + params) plus the batch it reduces over (all rows·cols
// entries for a loss), plus 4 for each elementary function on the way (CUDA
// documents at most 2 ulp for tanh, cosh, exp, log, sin, cos in float and
// double, and an ulp is at most 2u). The reference's error stands for the
// cancellation and conditioning both share; n·u covers a legitimately
// different order of the same sums where the reference happened to be exact
// (exactly representable inputs make many of its sums exact). With no device
// the program exits 77, which ctest reports as skipped.
#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/kernels/leaky_relu.hpp"
#include "moonwalk/cuda/ops.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace moonwalk::cuda;
using json = nlohmann::json;

namespace {

// 50-digit expectations are read in long double, which must be wider than
// double for the double errors to mean anything (x86-64: 64-bit mantissa).
static_assert(std::numeric_limits<long double>::digits >= 64,
              "long double must carry at least 64 bits to measure double-precision errors");

using Wide = long double;

struct WideMatrix {
  Index rows = 0, cols = 0;
  std::vector<Wide> data;
};

WideMatrix read_matrix(const json& j) {
  WideMatrix m;
  m.rows = j.at("rows").get<Index>();
  m.cols = j.at("cols").get<Index>();
  const auto& data = j.at("data");
  if (static_cast<Index>(data.size()) != m.rows * m.cols) throw std::runtime_error("matrix: data size differs from rows × cols");
  for (const auto& v : data) m.data.push_back(std::strtold(v.get<std::string>().c_str(), nullptr));
  return m;
}

template <class S> HostMatrix<S> narrow(const WideMatrix& m) {
  HostMatrix<S> h(m.rows, m.cols);
  for (std::size_t i = 0; i < m.data.size(); ++i) h.data[i] = static_cast<S>(m.data[i]);
  return h;
}
template <class S> std::vector<S> column(const WideMatrix& m) { return narrow<S>(m).data; }

Wide scalar(const json& j) { return j.is_string() ? std::strtold(j.get<std::string>().c_str(), nullptr) : j.get<Wide>(); }

// ‖computed − expected‖_F / ‖expected‖_F (absolute when expected is zero);
// infinite for a shape mismatch or a non-finite entry.
template <class S> double relative_error(const HostMatrix<S>& got, const WideMatrix& want) {
  if (got.rows != want.rows || got.cols != want.cols) return std::numeric_limits<double>::infinity();
  Wide diff = 0, ref = 0;
  for (std::size_t i = 0; i < want.data.size(); ++i) {
    if (!std::isfinite(got.data[i])) return std::numeric_limits<double>::infinity();
    const Wide d = static_cast<Wide>(got.data[i]) - want.data[i];
    diff += d * d;
    ref += want.data[i] * want.data[i];
  }
  return static_cast<double>(ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff));
}

struct Tally {
  int passed = 0, failed = 0;
  void row(const std::string& name, const std::string& output, double error, double ref_error, double tolerance) {
    const bool ok = error <= tolerance;
    (ok ? passed : failed)++;
    std::cout << std::left << std::setw(30) << name << std::setw(12) << output << std::right << std::scientific
              << std::setprecision(3) << std::setw(12) << error << std::setw(12) << ref_error << std::setw(12)
              << tolerance << "  " << (ok ? "pass" : "FAIL") << "\n";
  }
  void check(bool ok, const std::string& what) {
    (ok ? passed : failed)++;
    if (!ok) std::cout << "FAIL  " << what << "\n";
  }
};

template <class S> const char* precision_name() { return sizeof(S) == 4 ? "float" : "double"; }

// The inputs of one vector on the device.
template <class S> struct Inputs {
  DeviceMatrix<S> x, xdot, pdot, delta, g;
  DeviceFragment<S> fragment;
};

template <class S> Inputs<S> upload(Context& ctx, const json& c) {
  Arena& a = ctx.arena();
  Inputs<S> in;
  in.x = DeviceMatrix<S>::upload(a, narrow<S>(read_matrix(c.at("x"))));
  in.xdot = DeviceMatrix<S>::upload(a, narrow<S>(read_matrix(c.at("xdot"))));
  const WideMatrix p = read_matrix(c.at("pdot"));
  in.pdot = p.data.empty() ? DeviceMatrix<S>(a, 0, 1) : DeviceMatrix<S>::upload(a, narrow<S>(p));
  in.delta = DeviceMatrix<S>::upload(a, narrow<S>(read_matrix(c.at("delta"))));
  in.g = DeviceMatrix<S>::upload(a, narrow<S>(read_matrix(c.at("g"))));
  in.fragment = DeviceFragment<S>::upload(a, column<S>(read_matrix(c.at("fragment"))));
  return in;
}

template <class Op, class S, class = void> struct HasResidualFragment : std::false_type {};
template <class Op, class S>
struct HasResidualFragment<Op, S, std::void_t<decltype(std::declval<const Op&>().fragment(
                                      std::declval<const DeviceResidual<S>&>(), std::declval<const DeviceMatrix<S>&>()))>>
    : std::true_type {};

// Elementary functions on the longest path to one entry (see the top).
int elementary_functions(const std::string& op) {
  if (op == "tanh") return 1;                                                // tanh or cosh
  if (op == "additive_coupling" || op == "softmax_cross_entropy") return 2;  // tanh in F and G; exp, log
  if (op == "conv1d") return 2;                                              // cos, sin of the fft factor
  return 0;
}

// Runs one operator on one vector and compares every expected output.
template <class S, class Op>
void run_case(Context& ctx, const Op& op, const std::string& opname, const json& c, Tally& tally) {
  const std::string name = c.at("name").get<std::string>();
  const Inputs<S> in = upload<S>(ctx, c);
  const Index batch = in.x.cols();
  const double u = std::numeric_limits<S>::epsilon() / 2;
  const double n = static_cast<double>(op.in_dim() + op.out_dim() + op.param_count() + batch +
                                       4 * elementary_functions(opname));
  const json& want = c.at("expected");
  const json& ref = c.at("reference_error").at(precision_name<S>());

  const std::size_t held = ctx.arena().current(Category::input_residuals);
  const DeviceResidual<S> r = op.input_residual(in.x);
  const std::size_t residual = ctx.arena().current(Category::input_residuals) - held;
  // What the reference keeps (reference/ops/*.hpp input_residual): mask words
  // for the (leaky) relu, x itself for tanh and additive_coupling.
  std::size_t expected_residual = 0;
  if (opname == "relu" || opname == "leaky_relu") expected_residual = static_cast<std::size_t>((op.in_dim() * batch + 63) / 64) * 8;
  if (opname == "tanh" || opname == "additive_coupling") expected_residual = static_cast<std::size_t>(op.in_dim() * batch) * sizeof(S);
  tally.check(residual == expected_residual && r.bytes() == expected_residual,
              name + ": input_residual holds " + std::to_string(residual) + " bytes, the reference " +
                  std::to_string(expected_residual));
  if (!r.mask.empty()) {
    // The reference BitMask's words: bit k of the column-major entries is x > 0.
    const HostMatrix<S> x = in.x.download();
    std::vector<std::uint64_t> words(static_cast<std::size_t>(r.mask.words()));
    for (Index w = 0; w < r.mask.words(); ++w)
      words[static_cast<std::size_t>(w)] = kernels::positive_word(w, x.size(), x.data.data());
    tally.check(r.mask.download() == words, name + ": the sign mask's words differ from the reference BitMask's");
  }

  std::map<std::string, HostMatrix<S>> got;
  got["forward"] = op.forward(in.x).download();
  got["jvp"] = op.jvp(in.x, in.xdot, in.pdot).download();
  got["vjp_input"] = op.vjp_input(r, in.delta).download();
  got["vjp_params"] = op.vjp_params(in.x, in.delta).download();
  const DeviceFragment<S> f = op.fragment(in.x, in.delta);
  got["fragment"] = f.values.download();
  tally.check(f.size() == op.fragment_size(in.x), name + ": fragment_size differs from the fragment's size");
  if constexpr (HasResidualFragment<Op, S>::value) {
    const HostMatrix<S> from_residual = op.fragment(r, in.delta).values.download();
    tally.check(from_residual.data == got["fragment"].data, name + ": fragment from the residual differs from fragment(x, δ)");
  }
  if (want.contains("vijp")) got["vijp"] = op.vijp(in.x, in.g, in.fragment).download();
  ctx.synchronize(opname.c_str());
  for (const auto& [key, value] : want.items()) {
    const double ref_error = ref.at(key).template get<double>();
    tally.row(name, key, relative_error(got.at(key), read_matrix(value)), ref_error, 2 * ref_error + n * u);
  }
}

template <class S, class Loss>
void run_loss(Context& ctx, const Loss& loss, const std::string& opname, const json& c, Tally& tally) {
  const std::string name = c.at("name").get<std::string>();
  const DeviceMatrix<S> x = DeviceMatrix<S>::upload(ctx.arena(), narrow<S>(read_matrix(c.at("x"))));
  const double u = std::numeric_limits<S>::epsilon() / 2;
  const double n = static_cast<double>(x.size() + 4 * elementary_functions(opname));
  const json& ref = c.at("reference_error").at(precision_name<S>());
  std::map<std::string, HostMatrix<S>> got;
  got["value"] = HostMatrix<S>(1, 1, {loss.value(x)});
  got["gradient"] = loss.gradient(x).download();
  for (const auto& [key, value] : c.at("expected").items()) {
    const double ref_error = ref.at(key).template get<double>();
    tally.row(name, key, relative_error(got.at(key), read_matrix(value)), ref_error, 2 * ref_error + n * u);
  }
}

Conv1dSpec conv_spec(const json& cfg) {
  Conv1dSpec s;
  s.in_channels = cfg.at("in_channels").get<Index>();
  s.out_channels = cfg.at("out_channels").get<Index>();
  s.width = cfg.at("width").get<Index>();
  s.kernel = cfg.at("kernel").get<Index>();
  s.block = cfg.contains("block") ? cfg.at("block").get<Index>() : s.width;
  s.padding = cfg.at("padding").get<std::string>() == "zero" ? Padding::zero : Padding::circular;
  const std::string v = cfg.at("strategy").get<std::string>();
  for (ConvVijp c : {ConvVijp::dense, ConvVijp::banded, ConvVijp::fft, ConvVijp::blocked})
    if (v == conv_vijp_name(c)) s.vijp = c;
  return s;
}

// Builds the operator of a vector from its config and θ, then runs it.
template <class S> void run_vector(Context& ctx, const std::string& op, const json& c, Tally& tally) {
  const json& cfg = c.at("config");
  auto dim = [&](const char* key) { return cfg.at(key).get<Index>(); };
  if (op == "mse") {
    const Mse<S> loss(ctx, narrow<S>(read_matrix(c.at("target"))), static_cast<S>(scalar(cfg.at("scale"))));
    return run_loss<S>(ctx, loss, op, c, tally);
  }
  if (op == "softmax_cross_entropy") {
    const SoftmaxCrossEntropy<S> loss(ctx, dim("classes"), cfg.at("labels").get<std::vector<Index>>(),
                                      static_cast<S>(scalar(cfg.at("scale"))));
    return run_loss<S>(ctx, loss, op, c, tally);
  }
  const std::vector<S> theta = column<S>(read_matrix(c.at("params")));
  if (op == "dense") {
    const Index m = dim("out"), n = dim("in");
    const Dense<S> d(ctx, HostMatrix<S>(m, n, std::vector<S>(theta.begin(), theta.begin() + m * n)),
                     std::vector<S>(theta.begin() + m * n, theta.end()));
    run_case<S>(ctx, d, op, c, tally);
  } else if (op == "leaky_relu") {
    run_case<S>(ctx, LeakyRelu<S>(ctx, dim("dim"), static_cast<S>(scalar(cfg.at("alpha")))), op, c, tally);
  } else if (op == "relu") {
    run_case<S>(ctx, Relu<S>(ctx, dim("dim")), op, c, tally);
  } else if (op == "tanh") {
    run_case<S>(ctx, Tanh<S>(ctx, dim("dim")), op, c, tally);
  } else if (op == "additive_coupling") {
    run_case<S>(ctx, AdditiveCoupling<S>(ctx, dim("half"), dim("hidden"), theta), op, c, tally);
  } else if (op == "global_avg_pool") {
    run_case<S>(ctx, GlobalAvgPool<S>(ctx, dim("channels"), dim("positions")), op, c, tally);
  } else if (op == "conv1d") {
    const Conv1dSpec s = conv_spec(cfg);
    const Index nw = s.out_channels * s.in_channels * s.kernel;
    run_case<S>(ctx, Conv1d<S>(ctx, s, std::vector<S>(theta.begin(), theta.begin() + nw),
                               std::vector<S>(theta.begin() + nw, theta.end())),
                op, c, tally);
  } else if (op == "patch_downsample1d") {
    const Index ci = dim("in_channels"), co = dim("out_channels"), k = dim("patch");
    const Index nm = co * ci * k;
    run_case<S>(ctx, PatchDownsample1d<S>(ctx, ci, dim("width"), k, HostMatrix<S>(co, ci * k, std::vector<S>(theta.begin(), theta.begin() + nm)),
                                          std::vector<S>(theta.begin() + nm, theta.end())),
                op, c, tally);
  } else {
    throw std::runtime_error("no CUDA operator named '" + op + "'");
  }
}

template <class S>
int run_vectors(Context& ctx, const std::string& op, const std::string& strategy, const std::vector<std::string>& dirs) {
  Tally tally;
  int cases = 0;
  std::cout << op << (strategy.empty() ? "" : " (" + strategy + ")") << " in " << precision_name<S>() << " on "
            << ctx.device().name << "\n"
            << std::left << std::setw(30) << "case" << std::setw(12) << "output" << std::right << std::setw(12)
            << "gpu error" << std::setw(12) << "cpu error" << std::setw(12) << "bound" << "\n";
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/" + op + ".json";
    if (!std::filesystem::exists(path)) continue;
    const json doc = json::parse(std::ifstream(path));
    if (doc.at("format") != "moonwalk-vectors" || doc.at("version") != 1)
      throw std::runtime_error(path + ": not a moonwalk-vectors version 1 file");
    for (const json& c : doc.at("cases")) {
      if (!strategy.empty() && c.at("config").at("strategy").get<std::string>() != strategy) continue;
      ++cases;
      try {
        run_vector<S>(ctx, op, c, tally);
      } catch (const std::exception& e) {
        tally.check(false, c.at("name").get<std::string>() + ": " + e.what());
      }
    }
  }
  if (cases == 0) {
    std::cout << "FAIL  no vectors for " << op << " in the directories given: export them (docs/cuda.md)\n";
    return 1;
  }
  std::cout << cases << " cases, " << tally.passed << " checks passed, " << tally.failed << " failed\n";
  return tally.failed ? 1 : 0;
}

// ---- refusals ---------------------------------------------------------------------

template <class F> void expect_error(Tally& tally, const std::string& prefix, const std::string& part, F f) {
  try {
    f();
  } catch (const Error& e) {
    const std::string what = e.what();
    const bool ok = what.rfind(prefix + ": ", 0) == 0 && what.find(part) != std::string::npos;
    tally.check(ok, "expected \"" + prefix + ": …" + part + "…\", got \"" + what + "\"");
    if (ok) std::cout << "refused: " << what << "\n";
    return;
  } catch (const std::exception& e) {
    tally.check(false, "expected moonwalk::cuda::Error from " + prefix + ", got \"" + e.what() + "\"");
    return;
  }
  tally.check(false, "expected \"" + prefix + ": …" + part + "…\", nothing was thrown");
}

template <class S> int run_errors(Context& ctx) {
  Tally tally;
  Arena& a = ctx.arena();
  const S nan = std::numeric_limits<S>::quiet_NaN();
  auto ones = [&](Index r, Index c) { return DeviceMatrix<S>::upload(a, HostMatrix<S>(r, c, std::vector<S>(static_cast<std::size_t>(r * c), S(1)))); };
  const DeviceFragment<S> none{DeviceMatrix<S>(a, 0, 1, Category::fragments)};

  HostMatrix<S> W(2, 3, {1, 0, 0, 1, 0, 0});
  const Dense<S> dense(ctx, W, {0, 0});
  expect_error(tally, "dense", "input has 4 rows, expected 3", [&] { dense.forward(ones(4, 1)); });
  expect_error(tally, "dense", "output cotangent and input differ in batch size",
               [&] { dense.vjp_params(ones(3, 2), ones(2, 3)); });
  HostMatrix<S> Wn = W;
  Wn(1, 2) = nan;
  expect_error(tally, "dense", "weight holds a non-finite value", [&] { Dense<S>(ctx, Wn, {0, 0}); });
  const Dense<S> deficient(ctx, HostMatrix<S>(2, 3, {1, 1, 0, 0, 0, 0}), {0, 0});
  expect_error(tally, "dense", "vijp at a non-submersive point needs its fragment (1 scalars",
               [&] { deficient.vijp(ones(3, 1), ones(3, 1), none); });

  const Relu<S> relu(ctx, 3);
  const DeviceMatrix<S> mixed = DeviceMatrix<S>::upload(a, HostMatrix<S>(3, 1, {1, -1, 2}));
  expect_error(tally, "relu", "vijp at a non-submersive point needs its fragment (1 scalars",
               [&] { relu.vijp(mixed, ones(3, 1), none); });
  expect_error(tally, "relu", "fragment has 2 scalars, expected 1",
               [&] { relu.vijp(mixed, ones(3, 1), DeviceFragment<S>::upload(a, {1, 1})); });
  expect_error(tally, "relu", "output cotangent and input differ in batch size",
               [&] { relu.vjp_input(relu.input_residual(ones(3, 2)), ones(3, 1)); });

  expect_error(tally, "leaky_relu", "slope must be > 0", [&] { LeakyRelu<S>(ctx, 3, S(0)); });
  expect_error(tally, "leaky_relu", "parameter direction has 2 entries, expected 0",
               [&] { LeakyRelu<S>(ctx, 3, S(0.5)).jvp(ones(3, 1), ones(3, 1), ones(2, 1)); });
  const Tanh<S> tanh_op(ctx, 1);
  const S far = sizeof(S) == 4 ? S(60) : S(400);
  expect_error(tally, "tanh", "underflows to 0",
               [&] { tanh_op.vijp(DeviceMatrix<S>::upload(a, HostMatrix<S>(1, 1, {far})), ones(1, 1), none); });
  expect_error(tally, "global_avg_pool", "input has 5 rows, expected 6",
               [&] { GlobalAvgPool<S>(ctx, 2, 3).forward(ones(5, 1)); });
  expect_error(tally, "additive_coupling", "parameters holds a non-finite value", [&] {
    std::vector<S> p(static_cast<std::size_t>(2 * (2 * 2 * 3 + 3 + 2)), S(0));
    p[5] = nan;
    AdditiveCoupling<S>(ctx, 2, 3, p);
  });

  auto conv = [&](Conv1dSpec s, S scale) {
    std::vector<S> w(static_cast<std::size_t>(s.out_channels * s.in_channels * s.kernel), S(0));
    for (Index o = 0; o < s.out_channels; ++o) w[static_cast<std::size_t>((o * s.in_channels + o) * s.kernel + (s.kernel - 1) / 2)] = scale;
    return Conv1d<S>(ctx, s, w, std::vector<S>(static_cast<std::size_t>(s.out_channels), S(0)));
  };
  expect_error(tally, "conv1d", "kernel must be odd", [&] { conv(Conv1dSpec{2, 2, 4, 2}, S(1)); });
  expect_error(tally, "conv1d", "fft strategy needs circular padding",
               [&] { conv(Conv1dSpec{2, 2, 4, 3, Padding::zero, ConvVijp::fft}, S(1)); });
  expect_error(tally, "conv1d", "weight holds a non-finite value", [&] { conv(Conv1dSpec{2, 2, 4, 3}, nan); });
  // Centre tap only: W_0 = 0 is singular for blocked; J = 0 for banded.
  const Conv1d<S> blocked = conv(Conv1dSpec{2, 2, 6, 3, Padding::circular, ConvVijp::blocked, 3}, S(1));
  expect_error(tally, "conv1d", "the pivot tap W_0 is singular", [&] { blocked.fragment(ones(12, 1), ones(12, 1)); });
  const Conv1d<S> zero = conv(Conv1dSpec{2, 2, 6, 3, Padding::zero, ConvVijp::banded}, S(0));
  expect_error(tally, "conv1d", "the Jacobian is rank deficient", [&] { zero.vijp(ones(12, 1), ones(12, 1), none); });
  const Conv1d<S> fft_zero = conv(Conv1dSpec{2, 2, 6, 3, Padding::circular, ConvVijp::fft}, S(0));
  expect_error(tally, "conv1d", "the system is singular", [&] { fft_zero.vijp(ones(12, 1), ones(12, 1), none); });
  expect_error(tally, "patch_downsample1d", "width must be a multiple of the patch size",
               [&] { PatchDownsample1d<S>(ctx, 1, 5, 2, HostMatrix<S>(1, 2, {1, 1}), {0}); });
  expect_error(tally, "patch_downsample1d", "weight holds a non-finite value",
               [&] { PatchDownsample1d<S>(ctx, 1, 4, 2, HostMatrix<S>(1, 2, {1, nan}), {0}); });
  expect_error(tally, "mse", "prediction and target", [&] { Mse<S>(ctx, HostMatrix<S>(2, 1, {1, 2})).value(ones(3, 1)); });
  expect_error(tally, "softmax_cross_entropy", "label 3 out of range", [&] { SoftmaxCrossEntropy<S>(ctx, 3, {0, 3}); });
  std::cout << tally.passed << " checks passed, " << tally.failed << " failed\n";
  return tally.failed ? 1 : 0;
}

// ---- the arena ----------------------------------------------------------------------

int run_arena(Context& ctx) {
  Tally tally;
  Arena& a = ctx.arena();
  tally.check(a.current(Category::working_set) == Context::kBlasWorkspaceBytes,
              "the cuBLAS workspace is the working set of a fresh context");
  a.reset_peaks();
  const std::size_t base = a.current_total();
  {
    DeviceMatrix<double> x(a, 100, 3, Category::layer_inputs);
    DeviceBitMask m(a, 65, 3);
    DeviceMatrix<float> f(a, 7, 1, Category::fragments);
    tally.check(a.current(Category::layer_inputs) == 2400, "layer_inputs hold 100·3 doubles");
    tally.check(a.current(Category::input_residuals) == 32, "a 65 × 3 mask holds four 64-bit words");
    tally.check(a.current(Category::fragments) == 28, "fragments hold 7 floats");
    tally.check(a.stored() == 2400 + 32 + 28, "stored() sums the kept categories");
    x.retag(Category::anchors);
    tally.check(a.current(Category::layer_inputs) == 0 && a.current(Category::anchors) == 2400,
                "retag moves bytes between categories");
    tally.check(a.peak(Category::layer_inputs) == 2400, "retag keeps the peak");
    const PoolUsage p = a.pool_usage();
    tally.check(p.used >= a.current_total(), "the pool holds at least what the arena counts");
    tally.check(a.live_buffers() >= 3, "live buffers are counted");
  }
  ctx.synchronize();
  tally.check(a.current_total() == base, "everything handed back");
  tally.check(a.peak_total() == base + 2400 + 32 + 28, "the total peak");
  tally.check(a.peak_stored() == 2400 + 32 + 28, "the stored peak");
  a.reset_peaks();
  tally.check(a.peak(Category::anchors) == 0 && a.peak_total() == base, "reset_peaks starts from what is held");
  std::cout << tally.passed << " checks passed, " << tally.failed << " failed\n";
  return tally.failed ? 1 : 0;
}

int usage() {
  std::cerr << "usage: cuda_ops_test --op OP --precision float|double [--strategy S] DIR...\n"
               "       cuda_ops_test --errors --precision float|double\n"
               "       cuda_ops_test --arena\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, op, precision = "double", strategy;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--op") mode = "vectors", op = next();
    else if (a == "--precision") precision = next();
    else if (a == "--strategy") strategy = next();
    else if (a == "--errors") mode = "errors";
    else if (a == "--arena") mode = "arena";
    else if (!a.empty() && a[0] != '-') dirs.push_back(a);
    else return usage();
  }
  if (mode.empty() || (precision != "float" && precision != "double") || (mode == "vectors" && op.empty()))
    return usage();
  try {
    Context ctx;
    const bool f32 = precision == "float";
    if (mode == "arena") return run_arena(ctx);
    if (mode == "errors") return f32 ? run_errors<float>(ctx) : run_errors<double>(ctx);
    return f32 ? run_vectors<float>(ctx, op, strategy, dirs) : run_vectors<double>(ctx, op, strategy, dirs);
  } catch (const NoDevice& e) {
    std::cout << "skipped: " << e.what() << "\n";
    return kSkipReturnCode;
  } catch (const std::exception& e) {
    std::cout << "FAIL  " << e.what() << "\n";
    return 1;
  }
}
