// `moonwalk study conv`: the conv1d vijp strategies' numerics. For each
// initialisation, channel count C (= C_in = C_out), width W, kernel k and
// strategy (auto included, per padding) it
// prints cond(J), the fragment per sample, and the vijp's relative error
// ‖vijp(Jᵀδ, fragment(δ)) − δ‖/‖δ‖ in float, double and 50 digits against the
// exact δ. Weights and δ are rounded to float first, so every precision solves
// the same system; g = Jᵀδ is formed in 50 digits and rounded to each precision.
#include "commands.hpp"

#include "moonwalk/reference/ops/conv1d.hpp"

#include <Eigen/SVD>
#include <fmt/format.h>

#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace moonwalk::tools {

namespace {

using reference::Conv1d;
using reference::Conv1dSpec;
using reference::ConvStrategy;
using reference::Index;
using reference::Mat;
using reference::Padding;
using reference::Vec;

struct StudyOptions {
  std::vector<Index> channels{2, 4, 8};
  std::vector<Index> widths{16, 32, 64};
  std::vector<Index> kernels{3, 5};
  Index block = 8, batch = 2;
  std::uint64_t seed = 1;
  bool exact = true;  // the 50-digit column
};

double to_float_grid(double v) { return static_cast<double>(static_cast<float>(v)); }

// gaussian: every tap N(0, 1/(C_in·k)). first_tap: A_0 = I + G_0/4, A_t = G_t/4,
// so the pivot tap dominates the others and the recurrence contracts.
Vec<double> study_weights(Index c, Index k, bool first_tap, std::mt19937_64& g) {
  std::normal_distribution<double> n(0, 1 / std::sqrt(static_cast<double>(c * k)));
  Vec<double> w(c * c * k);
  for (Index i = 0; i < w.size(); ++i) w(i) = n(g) * (first_tap ? 0.25 : 1.0);
  if (first_tap)
    for (Index o = 0; o < c; ++o) w((o * c + o) * k) += 1;
  return w.unaryExpr(&to_float_grid);
}

template <class S>
std::optional<double> rel_error(const Conv1d<double>& op, const Mat<double>& x, const Mat<mp50>& g,
                                const Mat<double>& delta) {
  const Conv1d<S> o = op.template cast<S>();
  const Mat<S> xs = x.template cast<S>(), ds = delta.template cast<S>();
  const Mat<S> gs = g.unaryExpr([](const mp50& v) { return static_cast<S>(v); });
  try {
    const Mat<S> h = o.vijp(xs, gs, o.fragment(xs, ds));
    return to_double((h.template cast<mp50>() - delta.template cast<mp50>()).norm() / delta.template cast<mp50>().norm());
  } catch (const reference::Error&) {
    return std::nullopt;  // a non-finite result: the error overflowed
  }
}

std::string show(const std::optional<double>& e) { return e ? fmt::format("{:.1e}", *e) : std::string("overflow"); }

int run_study(const StudyOptions& opt) {
  std::cout << "| init | C | W | k | strategy | padding | B | cond(J) | fragment/sample (float, double) | float | double | 50 digits |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  struct Strategy {
    ConvStrategy v;
    Padding pad;
    bool whole_width, automatic;
  };
  const Strategy strategies[] = {{ConvStrategy::dense, Padding::zero, false, false},
                                 {ConvStrategy::banded, Padding::zero, false, false},
                                 {ConvStrategy::blocked, Padding::zero, false, false},
                                 {ConvStrategy::blocked, Padding::zero, true, false},
                                 {ConvStrategy::dense, Padding::zero, false, true},
                                 {ConvStrategy::fft, Padding::circular, false, false},
                                 {ConvStrategy::blocked, Padding::circular, false, false},
                                 {ConvStrategy::dense, Padding::circular, false, true}};
  // auto against the best fixed strategy of its configuration (init, C, W, k,
  // padding), in float: the ratio of their errors.
  double worst = 0;
  std::string worst_at;
  int configurations = 0;
  for (bool first_tap : {false, true})
    for (Index c : opt.channels)
      for (Index W : opt.widths)
        for (Index kernel : opt.kernels) {
          // k = 3 draws what the study drew before it swept kernels.
          std::mt19937_64 gen(opt.seed + static_cast<std::uint64_t>(c * 1000 + W + 100000 * (kernel - 3)));
          const Vec<double> w = study_weights(c, kernel, first_tap, gen);
          std::normal_distribution<double> n(0, 1);
          Vec<double> b(c);
          for (Index o = 0; o < c; ++o) b(o) = to_float_grid(n(gen));
          Mat<double> x(c * W, opt.batch), delta(c * W, opt.batch);
          for (Index i = 0; i < x.size(); ++i) x.data()[i] = to_float_grid(n(gen));
          for (Index i = 0; i < delta.size(); ++i) delta.data()[i] = to_float_grid(n(gen));
          double best = INFINITY;
          for (const Strategy& s : strategies) {
            const Index B = s.whole_width ? W : opt.block;
            const Conv1d<double> op(Conv1dSpec{c, c, W, kernel, s.pad, s.v, B, s.automatic}, w, b);
            const Mat<double> J = op.jacobian(x.col(0));
            const auto sv = Eigen::BDCSVD<Mat<double>>(J).singularValues();
            // Below n·ε·σ_max the double SVD cannot resolve σ_min.
            const double floor = static_cast<double>(sv.size()) * std::numeric_limits<double>::epsilon() * sv(0);
            const std::string cond =
                sv(sv.size() - 1) > floor ? fmt::format("{:.1e}", sv(0) / sv(sv.size() - 1)) : std::string("> 1e16");
            const Conv1d<mp50> hp = op.cast<mp50>();
            const Mat<mp50> g = hp.vjp_input(hp.input_residual(x.cast<mp50>()), delta.cast<mp50>());
            // 50-digit dense QR of a (C·W)² Jacobian is too slow for a two-minute study.
            const Conv1d<float> opf = op.cast<float>();
            const std::string exact = !opt.exact || op.resolved_spec().strategy == ConvStrategy::dense
                                          ? "—"
                                          : show(rel_error<mp50>(op, x, g, delta));
            // auto chooses per precision: the float choice, and the double one where it differs.
            std::string name = reference::conv_strategy_name(opf.resolved_spec().strategy);
            if (s.automatic) {
              name = "auto: " + name;
              if (op.resolved_spec().strategy != opf.resolved_spec().strategy ||
                  op.resolved_spec().block != opf.resolved_spec().block)
                name += fmt::format(" (double: {} B {})", reference::conv_strategy_name(op.resolved_spec().strategy),
                                    op.resolved_spec().block);
            }
            const std::optional<double> ef = rel_error<float>(op, x, g, delta);
            const double e = ef ? *ef : INFINITY;
            if (!s.automatic) {
              best = std::min(best, e);
            } else {
              // An auto that failed fails the study, whatever the others did.
              const double ratio = !std::isfinite(e) ? INFINITY : e <= best ? 1.0 : e / best;
              ++configurations;
              if (!(ratio <= worst)) {
                worst = ratio;
                worst_at = fmt::format("{} C {} W {} k {} {}", first_tap ? "first-tap" : "gaussian", c, W, kernel,
                                       reference::padding_name(s.pad));
              }
              best = INFINITY;  // the next padding's strategies follow
            }
            std::cout << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {}, {} | {} | {} | {} |\n",
                                     first_tap ? "first-tap" : "gaussian", c, W, kernel, name,
                                     reference::padding_name(s.pad),
                                     opf.resolved_spec().strategy == ConvStrategy::blocked
                                         ? std::to_string(opf.resolved_spec().block)
                                         : "—",
                                     cond, opf.fragment_size(x.col(0).cast<float>()), op.fragment_size(x.col(0)),
                                     show(ef), show(rel_error<double>(op, x, g, delta)), exact);
          }
        }
  std::cout << fmt::format("\nauto against the best fixed strategy, float error, {} configurations (init, C, W, k, "
                           "padding): at most {:.2f} times it ({})\n",
                           configurations, worst, worst_at);
  if (!(worst <= 10)) {
    std::cout << "FAIL: auto is more than 10 times worse than the best strategy there\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_study_command(CLI::App& app) {
  auto* study = app.add_subcommand("study", "numerical studies");
  study->require_subcommand(1);
  auto o = std::make_shared<StudyOptions>();
  auto* conv = study->add_subcommand("conv", "conv1d vijp strategies: cond(J), fragment and error vs 50 digits");
  conv->add_option("--channels", o->channels, "channel counts C (C_in = C_out)");
  conv->add_option("--widths", o->widths, "widths W");
  conv->add_option("--kernels", o->kernels, "kernel sizes k (odd)");
  conv->add_option("--block", o->block, "block size B of the blocked strategy")->check(CLI::PositiveNumber);
  conv->add_option("--seed", o->seed, "seed of the weights and cotangents");
  conv->add_flag("!--no-exact", o->exact, "skip the 50-digit column");
  run_with_exit_code(conv, [o] { return run_study(*o); });
}

}  // namespace moonwalk::tools
