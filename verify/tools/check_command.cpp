// `moonwalk check`: one network through every gradient method at float,
// double and 50 digits; errors against 50-digit backprop judged against each
// method's own error estimate and residual certificates, and the bytes each
// method kept between its sweeps. Exit 1 when any row fails.
#include "commands.hpp"

#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/methods.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <type_traits>
#include <iostream>
#include <memory>

namespace moonwalk::tools {

namespace {

using namespace moonwalk::verify;

// The built-in default: a small 1-D conv net where relu makes fragments matter.
nlohmann::json default_network(const std::string& activation, int depth) {
  const int C = 4, W = 16;
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < depth; ++i) {
    layers.push_back({{"op", "conv1d"}, {"in_channels", C}, {"out_channels", C}, {"width", W}, {"kernel", 3},
                      {"padding", "zero"}, {"strategy", "banded"}, {"fan_in", C * 3}});
    if (activation == "relu") layers.push_back({{"op", "relu"}, {"dim", C * W}});
    else if (activation == "leaky_relu") layers.push_back({{"op", "leaky_relu"}, {"dim", C * W}, {"alpha", 0.5}});
    else throw CLI::ValidationError("--activation", "must be relu or leaky_relu");
  }
  layers.push_back({{"op", "global_avg_pool"}, {"channels", C}, {"positions", W}});
  layers.push_back({{"op", "dense"}, {"in", C}, {"out", 3}});
  return {{"seed", 7}, {"batch", 2}, {"layers", layers}, {"loss", {{"type", "softmax_cross_entropy"}}}};
}

struct Row {
  std::string method, precision, refused;
  std::string broke;  // a NaN or Inf inside the method: its phase and layer
  double error = 0, estimate = 0;
  double certificate_ratio = -1;  // largest certificate / bound over the layers and the loss; -1: none
  std::string exceeded;           // where the first certificate exceeded its bound
  std::size_t stored = 0;
  double ratio = 0;
  // Why the row fails, empty when it passes. A refusal (reversible on a
  // non-bijective layer, ...) is the method's answer, not a failure.
  std::string failure() const {
    if (!refused.empty()) return {};
    if (!broke.empty()) return "broke down: " + broke;
    if (!std::isfinite(error)) return "the gradient is not finite";
    if (!exceeded.empty()) return "certificate exceeded at " + exceeded;
    if (!std::isfinite(estimate)) return "no estimate (not finite): nothing vouches for this gradient";
    if (estimate >= 1) return fmt::format("estimate {:.3e}: not one correct digit", estimate);
    if (error > reference::methods::kEstimateFactor * estimate)
      return fmt::format("error {:.3e} > {} x estimate {:.3e}, and no certificate exceeded its bound", error,
                         reference::methods::kEstimateFactor, estimate);
    return {};
  }
};

double rel(const Vec<mp50>& a, const Vec<mp50>& b) {
  const mp50 nb = b.norm(), d = (a - b).norm();
  if (nb > 0) return to_double(mp50(d / nb));
  return d == 0 ? 0.0 : INFINITY;
}

template <class S> double certificate_ratio(const reference::Gradients<S>& g) {
  if (g.certificate.empty()) return -1;
  auto ratio = [](double c, double b) { return b > 0 ? c / b : (c == 0 ? 0.0 : INFINITY); };
  double worst = ratio(g.terminal, g.terminal_bound);
  for (std::size_t i = 0; i < g.certificate.size(); ++i)
    worst = std::max(worst, ratio(g.certificate[i], g.certificate_bound[i]));
  return worst;
}

// Each method in precision S against 50-digit backprop, judged against its
// own estimate and certificates.
template <class S>
void run_precision(const Problem& p, const Vec<mp50>& exact, const MethodOptions& o, std::vector<Row>& rows) {
  const reference::Network<S> net = p.net.cast<S>();
  const Mat<S> x0 = p.x0.template cast<S>();
  std::size_t backprop_bytes = 0;
  for (Method m : all_methods()) {
    Row r;
    r.method = method_name(m);
    r.precision = scalar_name<S>();
    try {
      const auto g = run_method(m, net, x0, o);
      r.error = rel(flatten(g), exact);
      r.estimate = g.estimate;
      r.certificate_ratio = certificate_ratio(g);
      r.exceeded = g.exceeded;
      r.stored = g.ledger.peak_stored();
      if (m == Method::backprop) backprop_bytes = r.stored;
      r.ratio = backprop_bytes ? static_cast<double>(r.stored) / static_cast<double>(backprop_bytes) : 0;
    } catch (const reference::NonFiniteError& e) {
      r.broke = e.what();
    } catch (const reference::Error& e) {
      r.refused = e.what();
    }
    rows.push_back(r);
  }
}

// What strategy auto chose at each convolution that asked for it, in float
// and in double: each precision chooses for its own rounding.
template <class Op> std::string auto_choice(const Op& op) {
  const auto& s = op.resolved_spec();
  return fmt::format("{}{} (trial error {:.1e})", reference::conv_strategy_name(s.strategy),
                     s.strategy == reference::ConvStrategy::blocked ? fmt::format(" B {}", s.block) : std::string(),
                     op.trial_error());
}
void print_auto_choices(const Problem& p) {
  for (std::size_t i = 0; i < p.net.depth(); ++i)
    std::visit(
        [&](const auto& op) {
          using Op = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<Op, reference::Conv1d<double>> || std::is_same_v<Op, reference::Conv2d<double>>)
            if (op.spec().automatic)
              std::cout << fmt::format("{}: strategy auto chose {} in float, {} in double\n", p.net.label(i),
                                       auto_choice(op.template cast<float>()), auto_choice(op));
        },
        p.net.layers[i]);
}

int run_check(const std::string& net_file, const std::string& activation, int depth, const MethodOptions& o, bool json,
              std::size_t max_bytes) {
  const nlohmann::json spec = net_file.empty() ? default_network(activation, depth) : read_json_file(net_file);
  const Problem p = in_file(net_file.empty() ? "the built-in network" : net_file,
                            [&] { return problem_from_json(spec, max_bytes); });
  const Vec<mp50> exact = flatten(run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>())));
  if (!json) print_auto_choices(p);
  std::vector<Row> rows;
  run_precision<float>(p, exact, o, rows);
  run_precision<double>(p, exact, o, rows);
  run_precision<mp50>(p, exact, o, rows);
  int failures = 0;
  for (const auto& r : rows) failures += !r.failure().empty();

  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows) {
      if (!r.refused.empty()) j.push_back({{"method", r.method}, {"precision", r.precision}, {"refused", r.refused}});
      else if (!r.broke.empty())
        j.push_back({{"method", r.method}, {"precision", r.precision}, {"pass", false}, {"failure", r.failure()}});
      else {
        nlohmann::json row{{"method", r.method}, {"precision", r.precision}, {"relative_error", r.error},
                           {"estimate", r.estimate}, {"stored_bytes", r.stored}, {"ratio_to_backprop", r.ratio},
                           {"pass", r.failure().empty()}};
        if (r.certificate_ratio >= 0) row["max_certificate_over_bound"] = r.certificate_ratio;
        if (!r.exceeded.empty()) row["certificate_exceeded"] = r.exceeded;
        if (!r.failure().empty()) row["failure"] = r.failure();
        j.push_back(row);
      }
    }
    std::cout << nlohmann::json{{"network", spec}, {"results", j}}.dump(2) << "\n";
    return failures ? 1 : 0;
  }
  std::cout << fmt::format("network: {} layers, input {} x {} (batch), {}\n", p.net.depth(), p.x0.rows(), p.x0.cols(),
                           net_file.empty() ? "built-in default (" + activation + ")" : net_file);
  std::cout << fmt::format("{:<17} {:<7} {:>11} {:>11} {:>9} {:>10} {:>13} {:>7}  {}\n", "method", "prec", "rel. error",
                           "estimate", "err/est", "cert/bound", "stored bytes", "ratio", "verdict");
  for (const auto& r : rows) {
    if (!r.refused.empty() || !r.broke.empty()) {
      std::cout << fmt::format("{:<17} {:<7} {}\n", r.method, r.precision,
                               r.broke.empty() ? "refused: " + r.refused : "FAIL  " + r.failure());
      continue;
    }
    const double over = r.estimate > 0 ? r.error / r.estimate : (r.error == 0 ? 0.0 : INFINITY);
    const std::string cert = r.certificate_ratio < 0 ? "-"
                             : std::isnan(r.certificate_ratio) ? "nan"
                                                               : fmt::format("{:.2e}", r.certificate_ratio);
    std::cout << fmt::format("{:<17} {:<7} {:>11.3e} {:>11.3e} {:>9.2e} {:>10} {:>13} {:>7.3f}  {}\n", r.method,
                             r.precision, r.error, r.estimate, over, cert, r.stored, r.ratio,
                             r.failure().empty() ? "pass" : "FAIL");
    if (!r.failure().empty()) std::cout << "    " << r.failure() << "\n";
  }
  std::cout << "rel. error: all gradients against 50-digit backprop. estimate: the method's own a-posteriori\n"
               "estimate of that error, computed in its precision without the exact answer (docs/numerics.md);\n"
               "a row fails when the error exceeds "
            << reference::methods::kEstimateFactor
            << " x its estimate, when the estimate is not finite, or when a residual\n"
               "certificate (Moonwalk methods: per layer ‖vjp_input(h_i) − h_{i−1}‖/‖h_{i−1}‖, and the rebuilt\n"
               "∂ℓ/∂x_L) exceeds its bound; cert/bound: the largest such ratio. stored bytes: peak of what is\n"
               "kept between sweeps (parameters excluded); ratio: to backprop in the same precision.\n";
  if (failures) std::cout << failures << " failing rows\n";
  return failures ? 1 : 0;
}

}  // namespace

void add_check_command(CLI::App& app) {
  auto net = std::make_shared<std::string>();
  auto activation = std::make_shared<std::string>("relu");
  auto depth = std::make_shared<int>(4);
  auto o = std::make_shared<MethodOptions>();
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("check", "every gradient method at float, double and 50 digits on one network");
  sub->add_option("--net", *net, "network spec (JSON, docs/spec.md); default: a built-in 1-D conv net");
  sub->add_option("--activation", *activation, "activation of the built-in net: relu or leaky_relu");
  sub->add_option("--depth", *depth, "conv blocks in the built-in net")->check(CLI::Range(1, 64));
  auto* every =
      sub->add_option("--anchor-every", o->anchor_every, "moonwalk_mixed: keep the full cotangent every k layers");
  sub->add_option("--anchor-error", o->anchor_error,
                  "moonwalk_mixed: keep the full cotangent where its predicted relative error would pass this")
      ->check(CLI::Range(0.0, 1.0).description("in (0, 1)"))
      ->excludes(every);
  sub->add_flag("--json", *json, "print the table as JSON");
  auto max_bytes = std::make_shared<std::size_t>(default_max_bytes());
  sub->add_option("--max-bytes", *max_bytes, "refuse a --net whose tensors need more (50-digit scalars)")
      ->capture_default_str();
  auto fault = std::make_shared<std::string>();
  auto fault_at = std::make_shared<std::string>();
  auto fault_size = std::make_shared<double>(std::ldexp(1.0, -20));
  sub->add_option("--fault", *fault,
                  "verification: inject a fault into moonwalk_mixed's inverse-forward sweep (vijp_bias: h_i x "
                  "(1 + size); fragment: every fragment entry x (1 + size); anchor: the kept h_i shifted by size "
                  "x its norm)")
      ->check(CLI::IsMember({"vijp_bias", "fragment", "anchor"}));
  sub->add_option("--fault-at", *fault_at, "where: an operator name (every layer of it) or a layer index");
  sub->add_option("--fault-size", *fault_size, "relative size of the fault")->capture_default_str();
  run_with_exit_code(sub, [=] {
    MethodOptions opts = *o;
    if (!fault->empty()) {
      using K = reference::methods::Faults::Kind;
      auto& f = opts.faults;
      f.kind = *fault == "vijp_bias" ? K::vijp_bias : *fault == "fragment" ? K::fragment : K::anchor;
      f.size = *fault_size;
      if (fault_at->empty()) throw CLI::ValidationError("--fault", "needs --fault-at (an operator name or a layer index)");
      if (std::all_of(fault_at->begin(), fault_at->end(), [](unsigned char c) { return std::isdigit(c); }))
        f.layer = std::stoul(*fault_at);
      else f.op = *fault_at;
    }
    return run_check(*net, *activation, *depth, opts, *json, *max_bytes);
  });
}

}  // namespace moonwalk::tools
