// The CUDA operators on the GPU: against the conformance vectors
// (docs/porting.md) with the self-calibrating criterion of
// cuda/include/moonwalk/cuda/check/crosscheck.hpp, their refusals, and the
// arena's accounting. Depends on CUDA, Eigen and nlohmann-json only, so that
// it builds on a GPU machine without the rest of the project's dependencies.
//
//   cuda_ops_test --op OP --precision float|double [--strategy S] DIR...
//   cuda_ops_test --errors --precision float|double
//   cuda_ops_test --arena
//
// With no device the program exits 77, which ctest reports as skipped.
#include "moonwalk/cuda/check/crosscheck.hpp"
#include "moonwalk/cuda/context.hpp"
#include "moonwalk/cuda/ops.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

using namespace moonwalk::cuda;

namespace {

// Counts the refusal and arena checks.
struct Tally {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& what) {
    (ok ? passed : failed)++;
    if (!ok) std::cout << "FAIL  " << what << "\n";
  }
};

// Every vector of one operator (and strategy) in every directory given.
template <class S>
int run_vectors(Context& ctx, const std::string& op, const std::string& strategy, const std::vector<std::string>& dirs) {
  check::Table t;
  int cases = 0;
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/" + op + ".json";
    if (std::filesystem::exists(path))
      cases += check::check_operator<S>(ctx, op, check::read_vectors(path, "moonwalk-vectors"), strategy, t);
  }
  if (cases == 0) {
    std::cout << "FAIL  no vectors for " << op << " in the directories given: export them (docs/cuda.md)\n";
    return 1;
  }
  std::cout << op << (strategy.empty() ? "" : " (" + strategy + ")") << " in " << check::scalar_name<S>() << ", " << cases
            << " cases\n";
  check::print_table(t.rows(), ctx.device().name, std::cout);
  return t.failures() ? 1 : 0;
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
               [&] { conv(Conv1dSpec{2, 2, 4, 3, Padding::zero, ConvStrategy::fft}, S(1)); });
  expect_error(tally, "conv1d", "weight holds a non-finite value", [&] { conv(Conv1dSpec{2, 2, 4, 3}, nan); });
  // Centre tap only: A_0 = 0 is singular for blocked; J = 0 for banded.
  const Conv1d<S> blocked = conv(Conv1dSpec{2, 2, 6, 3, Padding::circular, ConvStrategy::blocked, 3}, S(1));
  expect_error(tally, "conv1d", "the pivot tap W_0 is singular", [&] { blocked.fragment(ones(12, 1), ones(12, 1)); });
  const Conv1d<S> zero = conv(Conv1dSpec{2, 2, 6, 3, Padding::zero, ConvStrategy::banded}, S(0));
  expect_error(tally, "conv1d", "the Jacobian is rank deficient", [&] { zero.vijp(ones(12, 1), ones(12, 1), none); });
  const Conv1d<S> fft_zero = conv(Conv1dSpec{2, 2, 6, 3, Padding::circular, ConvStrategy::fft}, S(0));
  expect_error(tally, "conv1d", "the system is singular", [&] { fft_zero.vijp(ones(12, 1), ones(12, 1), none); });
  auto conv2d = [&](Conv2dSpec s, S scale) {
    const Index k = s.kernel, ci = s.in_channels, centre = (k - 1) / 2;
    std::vector<S> w(static_cast<std::size_t>(s.out_channels * ci * k * k), S(0));
    for (Index o = 0; o < std::min(s.out_channels, ci); ++o)
      w[static_cast<std::size_t>(((o * ci + o) * k + centre) * k + centre)] = scale;
    return Conv2d<S>(ctx, s, w, std::vector<S>(static_cast<std::size_t>(s.out_channels), S(0)));
  };
  expect_error(tally, "conv2d", "kernel must be odd", [&] { conv2d(Conv2dSpec{2, 2, 3, 4, 2}, S(1)); });
  expect_error(tally, "conv2d", "banded strategy needs zero padding",
               [&] { conv2d(Conv2dSpec{2, 2, 3, 4, 3, Padding::circular, ConvStrategy::banded}, S(1)); });
  expect_error(tally, "conv2d", "the fft strategy keeps no fragment for its cokernel",
               [&] { conv2d(Conv2dSpec{1, 2, 3, 4, 3, Padding::circular, ConvStrategy::fft}, S(1)); });
  expect_error(tally, "conv2d", "weight holds a non-finite value", [&] { conv2d(Conv2dSpec{2, 2, 3, 4, 3}, nan); });
  // Centre tap only: A_00 = 0 is singular for blocked; J = 0 for banded and fft.
  const Conv2d<S> blocked2 = conv2d(Conv2dSpec{2, 2, 4, 3, 3, Padding::circular, ConvStrategy::blocked, 2}, S(1));
  expect_error(tally, "conv2d", "the pivot tap W_00 is singular", [&] { blocked2.fragment(ones(24, 1), ones(24, 1)); });
  const Conv2d<S> zero2 = conv2d(Conv2dSpec{2, 2, 4, 3, 3, Padding::zero, ConvStrategy::banded}, S(0));
  expect_error(tally, "conv2d", "the Jacobian is rank deficient", [&] { zero2.vijp(ones(24, 1), ones(24, 1), none); });
  const Conv2d<S> fft_zero2 = conv2d(Conv2dSpec{2, 2, 4, 3, 3, Padding::circular, ConvStrategy::fft}, S(0));
  expect_error(tally, "conv2d", "the system is singular", [&] { fft_zero2.vijp(ones(24, 1), ones(24, 1), none); });
  // More outputs than inputs: the dense strategy's fragment is the cokernel.
  const Conv2d<S> wide = conv2d(Conv2dSpec{1, 2, 2, 2, 1}, S(1));
  expect_error(tally, "conv2d", "vijp at a non-submersive point needs its fragment (4 scalars",
               [&] { wide.vijp(ones(4, 1), ones(4, 1), none); });
  expect_error(tally, "patch_downsample2d", "height and width must be multiples of the patch size",
               [&] { PatchDownsample2d<S>(ctx, 1, 4, 5, 2, HostMatrix<S>(1, 4, {1, 1, 1, 1}), {0}); });
  expect_error(tally, "patch_downsample2d", "weight holds a non-finite value",
               [&] { PatchDownsample2d<S>(ctx, 1, 2, 2, 2, HostMatrix<S>(1, 4, {1, nan, 1, 1}), {0}); });
  expect_error(tally, "patch_downsample2d", "C_out > C_in·k²: the Jacobian is not surjective",
               [&] { PatchDownsample2d<S>(ctx, 1, 2, 2, 1, HostMatrix<S>(2, 1, {1, 1}), {0, 0}); });
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
    x.retag(Category::checkpoints);
    tally.check(a.current(Category::layer_inputs) == 0 && a.current(Category::checkpoints) == 2400,
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
  tally.check(a.peak(Category::checkpoints) == 0 && a.peak_total() == base, "reset_peaks starts from what is held");
  const std::size_t working = a.current(Category::working_set);
  {
    const Arena::Redirect transient(a, Category::input_residuals, Category::working_set);
    const DeviceBitMask m(a, 64, 2);
    tally.check(a.peak(Category::input_residuals) == 0 && a.current(Category::working_set) == working + 16,
                "a redirected allocation is counted where it is redirected to");
  }
  tally.check(a.current(Category::working_set) == working, "a redirected allocation is handed back to its category");
  {
    const DeviceBitMask m(a, 64, 2);
    tally.check(a.current(Category::input_residuals) == 16, "the redirection ends with its scope");
  }
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
