// `moonwalk study conv`: the conv1d vijp strategies' numerics. For each
// initialisation, channel count C (= C_in = C_out), width W and strategy it
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
  std::vector<Index> channels{4, 8};
  std::vector<Index> widths{32, 64};
  Index kernel = 3, block = 8, batch = 2;
  std::uint64_t seed = 1;
};

double to_float_grid(double v) { return static_cast<double>(static_cast<float>(v)); }

// gaussian: every tap N(0, 1/(C_in·k)). first_tap: W_0 = I + G_0/4, W_t = G_t/4,
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
  std::cout << "| init | C | W | strategy | padding | B | cond(J) | fragment/sample (float, double) | float | double | 50 digits |\n"
            << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  struct Strategy {
    ConvStrategy v;
    Padding pad;
    bool whole_width;
  };
  const Strategy strategies[] = {{ConvStrategy::dense, Padding::zero, false},
                                 {ConvStrategy::banded, Padding::zero, false},
                                 {ConvStrategy::fft, Padding::circular, false},
                                 {ConvStrategy::blocked, Padding::zero, false},
                                 {ConvStrategy::blocked, Padding::zero, true},
                                 {ConvStrategy::blocked, Padding::circular, false}};
  for (bool first_tap : {false, true})
    for (Index c : opt.channels)
      for (Index W : opt.widths) {
        std::mt19937_64 gen(opt.seed + static_cast<std::uint64_t>(c * 1000 + W));
        const Vec<double> w = study_weights(c, opt.kernel, first_tap, gen);
        std::normal_distribution<double> n(0, 1);
        Vec<double> b(c);
        for (Index o = 0; o < c; ++o) b(o) = to_float_grid(n(gen));
        Mat<double> x(c * W, opt.batch), delta(c * W, opt.batch);
        for (Index i = 0; i < x.size(); ++i) x.data()[i] = to_float_grid(n(gen));
        for (Index i = 0; i < delta.size(); ++i) delta.data()[i] = to_float_grid(n(gen));
        for (const Strategy& s : strategies) {
          const Index B = s.whole_width ? W : opt.block;
          const Conv1d<double> op(Conv1dSpec{c, c, W, opt.kernel, s.pad, s.v, B}, w, b);
          const Mat<double> J = op.jacobian(x.col(0));
          const auto sv = Eigen::BDCSVD<Mat<double>>(J).singularValues();
          // Below n·ε·σ_max the double SVD cannot resolve σ_min.
          const double floor = static_cast<double>(sv.size()) * std::numeric_limits<double>::epsilon() * sv(0);
          const std::string cond =
              sv(sv.size() - 1) > floor ? fmt::format("{:.1e}", sv(0) / sv(sv.size() - 1)) : std::string("> 1e16");
          const Conv1d<mp50> hp = op.cast<mp50>();
          const Mat<mp50> g = hp.vjp_input(hp.input_residual(x.cast<mp50>()), delta.cast<mp50>());
          // 50-digit dense QR of a (C·W)² Jacobian is too slow for a two-minute study.
          const std::string exact = s.v == ConvStrategy::dense ? "—" : show(rel_error<mp50>(op, x, g, delta));
          std::cout << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {}, {} | {} | {} | {} |\n",
                                   first_tap ? "first-tap" : "gaussian", c, W, reference::conv_strategy_name(s.v),
                                   reference::padding_name(s.pad), s.v == ConvStrategy::blocked ? std::to_string(B) : "—",
                                   cond, op.cast<float>().fragment_size(x.col(0).cast<float>()),
                                   op.fragment_size(x.col(0)), show(rel_error<float>(op, x, g, delta)),
                                   show(rel_error<double>(op, x, g, delta)), exact);
        }
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
  conv->add_option("--kernel", o->kernel, "kernel size k (odd)");
  conv->add_option("--block", o->block, "block size B of the blocked strategy")->check(CLI::PositiveNumber);
  conv->add_option("--seed", o->seed, "seed of the weights and cotangents");
  run_with_exit_code(conv, [o] { return run_study(*o); });
}

}  // namespace moonwalk::tools
