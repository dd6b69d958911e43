// `moonwalk check`: one network through every gradient method at float,
// double and 50 digits; errors against 50-digit backprop, the largest
// residual certificate, and the bytes each method kept between its sweeps.
#include "commands.hpp"

#include "moonwalk/verify/methods.hpp"
#include "moonwalk/verify/tolerance.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
    else throw std::invalid_argument("--activation must be relu or leaky_relu");
  }
  layers.push_back({{"op", "global_avg_pool"}, {"channels", C}, {"positions", W}});
  layers.push_back({{"op", "dense"}, {"in", C}, {"out", 3}});
  return {{"seed", 7}, {"batch", 2}, {"layers", layers}, {"loss", {{"type", "softmax_cross_entropy"}}}};
}

struct Row {
  std::string method, precision, refused;
  double error = 0, certificate = 0;
  std::size_t stored = 0;
  double ratio = 0;
  double allowed = 0;  // the agreement bound (tests/reference/methods/agreement_test.cpp)
  bool pass() const { return !refused.empty() || error <= allowed; }
};

double rel(const Vec<mp50>& a, const Vec<mp50>& b) {
  const mp50 nb = b.norm(), d = (a - b).norm();
  return to_double(nb > 0 ? mp50(d / nb) : d);
}

// In 50 digits a method may differ from backprop by 4·N·u·A; in float and
// double by twice backprop's own error plus that (N: the layers' dimensions,
// A: the product of their condition numbers).
template <class S>
void run_precision(const Problem& p, const Vec<mp50>& exact, const MethodOptions& o, double A, std::vector<Row>& rows) {
  const reference::Network<S> net = p.net.cast<S>();
  const Mat<S> x0 = p.x0.template cast<S>();
  double N = 0;
  for (std::size_t i = 0; i < p.net.depth(); ++i) N += static_cast<double>(p.net.in_dim(i) + p.net.out_dim(i));
  std::size_t backprop_bytes = 0;
  double backprop_error = 0;
  for (Method m : all_methods()) {
    Row r;
    r.method = method_name(m);
    r.precision = scalar_name<S>();
    try {
      const auto g = run_method(m, net, x0, o);
      r.error = rel(flatten(g), exact);
      for (double c : g.certificate) r.certificate = std::max(r.certificate, c);
      r.stored = g.ledger.peak_stored();
      if (m == Method::backprop) backprop_bytes = r.stored, backprop_error = r.error;
      r.allowed = (std::is_same_v<S, mp50> ? 0.0 : 2 * backprop_error) + verify::bound<S>(N, 1.0, A);
      r.ratio = backprop_bytes ? static_cast<double>(r.stored) / static_cast<double>(backprop_bytes) : 0;
    } catch (const reference::Error& e) {
      r.refused = e.what();
    }
    rows.push_back(r);
  }
}

int run_check(const std::string& net_file, const std::string& activation, int depth, const MethodOptions& o, bool json) {
  nlohmann::json spec;
  if (net_file.empty()) spec = default_network(activation, depth);
  else {
    std::ifstream in(net_file);
    if (!in) throw std::invalid_argument("cannot read '" + net_file + "'");
    spec = nlohmann::json::parse(in);
  }
  const Problem p = problem_from_json(spec);
  const Vec<mp50> exact = flatten(run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>())));
  const double A = amplification(p);
  std::vector<Row> rows;
  run_precision<float>(p, exact, o, A, rows);
  run_precision<double>(p, exact, o, A, rows);
  run_precision<mp50>(p, exact, o, A, rows);
  int failures = 0;
  for (const auto& r : rows) failures += !r.pass();

  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows) {
      if (!r.refused.empty()) j.push_back({{"method", r.method}, {"precision", r.precision}, {"refused", r.refused}});
      else
        j.push_back({{"method", r.method}, {"precision", r.precision}, {"relative_error", r.error},
                     {"max_certificate", r.certificate}, {"stored_bytes", r.stored}, {"ratio_to_backprop", r.ratio},
                     {"allowed_error", r.allowed}, {"pass", r.pass()}});
    }
    std::cout << nlohmann::json{{"network", spec}, {"amplification", A}, {"results", j}}.dump(2) << "\n";
    return failures ? 1 : 0;
  }
  std::cout << fmt::format("network: {} layers, input {} x {} (batch), {}\n", p.net.depth(), p.x0.rows(), p.x0.cols(),
                           net_file.empty() ? "built-in default (" + activation + ")" : net_file);
  std::cout << fmt::format("{:<17} {:<7} {:>12} {:>12} {:>12} {:>13} {:>7}  {}\n", "method", "prec", "rel. error",
                           "allowed", "certificate", "stored bytes", "ratio", "verdict");
  for (const auto& r : rows) {
    if (!r.refused.empty())
      std::cout << fmt::format("{:<17} {:<7} refused: {}\n", r.method, r.precision, r.refused);
    else
      std::cout << fmt::format("{:<17} {:<7} {:>12.3e} {:>12.3e} {:>12.3e} {:>13} {:>7.3f}  {}\n", r.method,
                               r.precision, r.error, r.allowed, r.certificate, r.stored, r.ratio,
                               r.pass() ? "pass" : "FAIL");
  }
  std::cout << "rel. error: all gradients against 50-digit backprop; certificate: largest per-layer\n"
               "‖vjp_input(h_i) − h_{i−1}‖/‖h_{i−1}‖ (Moonwalk methods); stored bytes: peak of what is kept\n"
               "between sweeps (layer inputs, residuals, fragments, anchors; parameters excluded);\n"
               "ratio: to backprop in the same precision; allowed: 4·N·u·A (+ twice backprop's error below 50\n"
               "digits), A = product of the layers' condition numbers = "
            << fmt::format("{:.3e}", A) << ".\n";
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
  sub->add_option("--anchor-every", o->anchor_every, "moonwalk_mixed: keep the full cotangent every k layers");
  sub->add_flag("--json", *json, "print the table as JSON");
  run_with_exit_code(sub, [=] { return run_check(*net, *activation, *depth, *o, *json); });
}

}  // namespace moonwalk::tools
