// `moonwalk bench`: Moonwalk's memory, depth, float32 fidelity and time at
// training sizes. Network families are generated as network specs with fixed
// seeds (docs/spec.md, "Network specification"; any row reruns with
// `moonwalk check --net`), depth swept; per method: the ledger's stored
// bytes, the measured heap peak of one gradient (alloc_counter.hpp), the
// median time over the repeats and its ratio to backprop in the same run,
// the time by phase for the Moonwalk methods, the gradient's relative error
// against double (float runs) or 50-digit (double runs) backprop, and the
// largest residual certificate over its bound. Then the depth each method
// reaches within a budget of measured bytes. docs/results.md reads the JSON.
#include "alloc_counter.hpp"
#include "commands.hpp"

#include "moonwalk/verify/methods.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

namespace moonwalk::tools {

namespace {

using namespace moonwalk::verify;

// One family: its operator stack, activation ("" where it has none) and batch.
struct Family {
  std::string name, base, activation;
};

const std::vector<Family>& all_families() {
  static const std::vector<Family> f{{"conv1d_relu", "conv1d", "relu"}, {"conv1d_leaky", "conv1d", "leaky_relu"},
                                     {"conv2d_relu", "conv2d", "relu"}, {"conv2d_leaky", "conv2d", "leaky_relu"},
                                     {"coupling", "coupling", ""},      {"mlp_relu", "mlp", "relu"},
                                     {"mlp_leaky", "mlp", "leaky_relu"}};
  return f;
}

// Training sizes, and the small sizes of --quick (the same structure).
struct Sizes {
  int conv1d_channels, conv1d_width, conv2d_channels, conv2d_side, coupling_width, coupling_hidden, mlp_width, conv_batch,
      dense_batch;
};
constexpr Sizes kTraining{32, 512, 16, 32, 256, 128, 512, 4, 32};
constexpr Sizes kQuick{8, 64, 4, 8, 32, 16, 64, 2, 4};
constexpr int kClasses = 10;

nlohmann::json activation_layer(const std::string& activation, long dim) {
  if (activation == "relu") return {{"op", "relu"}, {"dim", dim}};
  return {{"op", "leaky_relu"}, {"dim", dim}, {"alpha", "0.5"}};
}

// The family's network with `depth` blocks, as a spec with a fixed seed.
nlohmann::json family_spec(const Family& f, int depth, const Sizes& z) {
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json loss{{"type", "softmax_cross_entropy"}};
  int batch = z.conv_batch;
  if (f.base == "conv1d") {
    const int C = z.conv1d_channels, W = z.conv1d_width;
    for (int i = 0; i < depth; ++i) {
      layers.push_back({{"op", "conv1d"}, {"in_channels", C}, {"out_channels", C}, {"width", W}, {"kernel", 3},
                        {"padding", "circular"}, {"strategy", "fft"}, {"fan_in", 3 * C}});
      layers.push_back(activation_layer(f.activation, long{C} * W));
    }
    layers.push_back({{"op", "global_avg_pool"}, {"channels", C}, {"positions", W}});
    layers.push_back({{"op", "dense"}, {"in", C}, {"out", kClasses}});
  } else if (f.base == "conv2d") {
    // Three stages where depth allows: a 2 × 2 patch_downsample2d doubling the
    // channels closes each of the first two (the side halves, the size halves).
    int C = z.conv2d_channels, side = z.conv2d_side, downsamples = 0;
    const int stage = std::max(1, depth / 3);
    for (int i = 0; i < depth; ++i) {
      layers.push_back({{"op", "conv2d"}, {"in_channels", C}, {"out_channels", C}, {"height", side}, {"width", side},
                        {"kernel", 3}, {"padding", "circular"}, {"strategy", "fft"}, {"fan_in", 9 * C}});
      layers.push_back(activation_layer(f.activation, long{C} * side * side));
      if ((i + 1) % stage == 0 && i + 1 < depth && downsamples < 2) {
        layers.push_back({{"op", "patch_downsample2d"}, {"in_channels", C}, {"out_channels", 2 * C}, {"height", side},
                          {"width", side}, {"patch", 2}});
        C *= 2, side /= 2, ++downsamples;
      }
    }
    layers.push_back({{"op", "global_avg_pool"}, {"channels", C}, {"positions", side * side}});
    layers.push_back({{"op", "dense"}, {"in", C}, {"out", kClasses}});
  } else if (f.base == "coupling") {
    // Every layer bijective, so reversible backprop applies: no dense head,
    // an mse loss on x_L.
    batch = z.dense_batch;
    for (int i = 0; i < depth; ++i)
      layers.push_back({{"op", "additive_coupling"}, {"half", z.coupling_width / 2}, {"hidden", z.coupling_hidden}});
    loss = {{"type", "mse"}};
  } else {
    // Narrowing from mlp_width to half of it: every dense layer is submersive.
    batch = z.dense_batch;
    const int n0 = z.mlp_width;
    auto width = [&](int i) { return n0 - (n0 / 2) * i / depth; };
    for (int i = 0; i < depth; ++i) {
      layers.push_back({{"op", "dense"}, {"in", width(i)}, {"out", width(i + 1)}});
      layers.push_back(activation_layer(f.activation, width(i + 1)));
    }
    layers.push_back({{"op", "dense"}, {"in", width(depth)}, {"out", kClasses}});
  }
  return {{"seed", static_cast<unsigned>(1000 + depth)}, {"batch", batch}, {"layers", layers}, {"loss", loss}};
}

// The spec with its drawn parameters, input and labels (or targets) written
// out: what bench/pytorch_bench.py reads, and `moonwalk check --net` too.
// Every drawn value is exactly representable, so %.17g round-trips it.
nlohmann::json explicit_spec(nlohmann::json spec, const Problem& p) {
  auto matrix = [](const Mat<double>& m) {
    nlohmann::json data = nlohmann::json::array();
    for (Index j = 0; j < m.cols(); ++j)
      for (Index i = 0; i < m.rows(); ++i) data.push_back(m(i, j));
    return nlohmann::json{{"rows", m.rows()}, {"cols", m.cols()}, {"data", data}};
  };
  for (std::size_t i = 0; i < p.net.depth(); ++i) {
    const Vec<double> theta = std::visit([](const auto& op) { return Vec<double>(op.params()); }, p.net.layers[i]);
    if (theta.size()) spec["layers"][i]["params"] = std::vector<double>(theta.data(), theta.data() + theta.size());
  }
  spec["input"] = matrix(p.x0);
  spec.erase("batch");
  spec.erase("seed");
  std::visit(
      [&](const auto& l) {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, reference::Mse<double>>) spec["loss"]["target"] = matrix(l.target());
        else spec["loss"]["labels"] = l.labels();
      },
      p.net.loss);
  return spec;
}

enum class BenchMethod { backprop, backprop_minimal, checkpointed, reversible, moonwalk_mixed, moonwalk_mixed_anchors };
const std::vector<BenchMethod> kMethods{BenchMethod::backprop,       BenchMethod::backprop_minimal,
                                        BenchMethod::checkpointed,   BenchMethod::reversible,
                                        BenchMethod::moonwalk_mixed, BenchMethod::moonwalk_mixed_anchors};
std::string bench_method_name(BenchMethod m) {
  switch (m) {
    case BenchMethod::backprop: return "backprop";
    case BenchMethod::backprop_minimal: return "backprop_minimal";
    case BenchMethod::checkpointed: return "checkpointed";
    case BenchMethod::reversible: return "reversible";
    case BenchMethod::moonwalk_mixed: return "moonwalk_mixed";
    case BenchMethod::moonwalk_mixed_anchors: return "moonwalk_mixed_anchors";
  }
  return "?";
}
Method base_method(BenchMethod m) {
  switch (m) {
    case BenchMethod::backprop: return Method::backprop;
    case BenchMethod::backprop_minimal: return Method::backprop_minimal;
    case BenchMethod::checkpointed: return Method::checkpointed;
    case BenchMethod::reversible: return Method::reversible;
    default: return Method::moonwalk_mixed;
  }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <class S> double certificate_ratio(const reference::Gradients<S>& g) {
  if (g.certificate.empty()) return -1;
  auto ratio = [](double c, double b) { return b > 0 ? c / b : (c == 0 ? 0.0 : INFINITY); };
  double worst = ratio(g.terminal, g.terminal_bound);
  for (std::size_t i = 0; i < g.certificate.size(); ++i)
    worst = std::max(worst, ratio(g.certificate[i], g.certificate_bound[i]));
  return worst;
}

double relative(const Vec<mp50>& a, const Vec<mp50>& b) {
  const mp50 nb = b.norm(), d = (a - b).norm();
  return nb > 0 ? to_double(mp50(d / nb)) : (d == 0 ? 0.0 : INFINITY);
}

// What docs/spec.md ("Measured memory") sets beside the ledger: the returned
// gradients (one scalar per parameter and per input entry), and the bound on
// how much the working set may change between depths (one batch of the widest
// layer input or output, plus the largest layer's parameters).
struct WorkingSet {
  std::size_t gradients = 0, widest = 0, largest_params = 0;
};
template <class S> WorkingSet working_set(const reference::Network<S>& net, Index batch) {
  WorkingSet w;
  std::size_t params = 0;
  Index widest = 0;
  for (std::size_t i = 0; i < net.depth(); ++i) {
    params += static_cast<std::size_t>(net.param_count(i));
    w.largest_params = std::max(w.largest_params, static_cast<std::size_t>(net.param_count(i)) * sizeof(S));
    widest = std::max({widest, net.in_dim(i), net.out_dim(i)});
  }
  w.gradients = (params + static_cast<std::size_t>(net.in_dim(0) * batch)) * sizeof(S);
  w.widest = static_cast<std::size_t>(widest * batch) * sizeof(S);
  return w;
}

struct Options {
  std::vector<std::string> families;
  std::vector<int> depths;
  std::string precision = "float";
  int repeats = 3;
  std::size_t budget = std::size_t{64} << 20;
  std::size_t anchor_every = 16;
  double anchor_error = 0;  // > 0: moonwalk_mixed_anchors places its anchors by this error budget instead
  bool anchor_table = false;
  std::string json, export_dir;
  bool quick = false;
  double max_seconds = 4;  // stop a family's sweep once one gradient takes longer
};

// One family at one depth, every method, in precision S.
template <class S>
nlohmann::json bench_row(const Family& f, int depth, const Options& o, const Sizes& z, double& slowest) {
  const nlohmann::json spec = family_spec(f, depth, z);
  const Problem p = problem_from_json(spec);
  const Index batch = p.x0.cols();
  // The reference gradient: double backprop for a float run, 50 digits for double.
  Vec<mp50> exact;
  if constexpr (std::is_same_v<S, float>) exact = flatten(run_method(Method::backprop, p.net, p.x0));
  else exact = flatten(run_method(Method::backprop, p.net.cast<mp50>(), Mat<mp50>(p.x0.cast<mp50>())));
  if (!o.export_dir.empty()) {
    const std::string stem = fmt::format("{}/{}_d{}", o.export_dir, f.name, depth);
    std::ofstream(stem + ".json") << explicit_spec(spec, p).dump() << "\n";
    std::ofstream bin(stem + ".grad.f64", std::ios::binary);
    for (Index i = 0; i < exact.size(); ++i) {
      const double v = to_double(exact(i));
      bin.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
  }
  const Mat<S> x0 = p.x0.template cast<S>();
  const WorkingSet ws = working_set(p.net.cast<S>(), batch);
  nlohmann::json methods = nlohmann::json::object();
  double backprop_seconds = 0;
  for (BenchMethod m : kMethods) {
    MethodOptions mo;
    if (m == BenchMethod::moonwalk_mixed_anchors) {
      if (o.anchor_error > 0) mo.anchor_error = o.anchor_error;
      else mo.anchor_every = o.anchor_every;
    }
    nlohmann::json r;
    std::vector<double> seconds;
    std::map<std::string, std::vector<double>> phases;
    std::optional<reference::Gradients<S>> g;
    std::size_t peak = 0, cache = 0;
    std::optional<reference::Network<S>> net;
    try {
      for (int k = 0; k < std::max(1, o.repeats); ++k) {
        // A fresh network each time: weight-derived factors (the convolutions'
        // per-frequency QR, dense's QR) are computed inside the timed gradient,
        // as in a training step whose weights just changed.
        g.reset();
        net.emplace(p.net.cast<S>());
        const std::size_t before = heap_bytes();
        reset_heap_peak();
        const auto t0 = std::chrono::steady_clock::now();
        g.emplace(run_method(base_method(m), *net, x0, mo));
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        peak = std::max(peak, heap_peak_bytes() - before);
        for (const auto& [name, s] : g->phase_seconds) phases[name].push_back(s);
        const std::size_t with_result = heap_bytes();
        g.reset();
        cache = heap_bytes() > before ? heap_bytes() - before : 0;
        if (with_result < before) throw std::logic_error("heap shrank across a gradient");
      }
      // Factors the network caches outlive the gradient: measure the peak
      // again with them built, so that peak - stored is the working set.
      if (cache > 0) {
        const std::size_t before = heap_bytes();
        reset_heap_peak();
        g.emplace(run_method(base_method(m), *net, x0, mo));
        peak = heap_peak_bytes() - before;
      } else {
        g.emplace(run_method(base_method(m), *net, x0, mo));
      }
    } catch (const reference::NonFiniteError& e) {
      methods[bench_method_name(m)] = {{"broke", e.what()}};
      continue;
    } catch (const reference::Error& e) {
      methods[bench_method_name(m)] = {{"refused", e.what()}};
      continue;
    }
    const double t = median(seconds);
    slowest = std::max(slowest, t);
    if (m == BenchMethod::backprop) backprop_seconds = t;
    const std::size_t stored = g->ledger.peak_stored();
    r["stored_bytes"] = stored;
    nlohmann::json ledger = nlohmann::json::object();
    for (std::size_t c = 0; c < reference::kCategories; ++c) {
      const auto cat = static_cast<reference::Category>(c);
      ledger[reference::category_name(cat)] = g->ledger.peak(cat);
    }
    r["ledger_peak_by_category"] = ledger;
    r["measured_peak_bytes"] = peak;
    r["working_set_bytes"] = static_cast<double>(peak) - static_cast<double>(stored) - static_cast<double>(ws.gradients);
    r["factor_cache_bytes"] = cache;
    r["seconds"] = t;
    r["seconds_all"] = seconds;
    r["ratio_to_backprop"] = backprop_seconds > 0 ? t / backprop_seconds : 0.0;
    if (!phases.empty()) {
      nlohmann::json ph = nlohmann::json::object();
      for (const auto& [name, v] : phases) ph[name] = median(v);
      r["phase_seconds"] = ph;
    }
    r["relative_error"] = relative(flatten(*g), exact);
    r["estimate"] = g->estimate;
    const double cert = certificate_ratio(*g);
    if (cert >= 0) r["max_certificate_over_bound"] = cert;
    if (!g->exceeded.empty()) r["certificate_exceeded"] = g->exceeded;
    r["trusted"] = g->trusted();
    methods[bench_method_name(m)] = r;
  }
  return {{"family", f.name},
          {"depth", depth},
          {"layers", p.net.depth()},
          {"batch", batch},
          {"input_dim", p.net.in_dim(0)},
          {"param_bytes", p.net.cast<S>().param_bytes()},
          {"working_set",
           {{"gradients", ws.gradients}, {"widest_layer_batch", ws.widest}, {"largest_layer_params", ws.largest_params}}},
          {"spec", spec},
          {"methods", methods}};
}

// The largest measured depth whose peak fits, per method, and the depth a
// straight-line fit of peak against depth (the last two depths measured)
// reaches at the budget.
nlohmann::json depth_at_budget(const nlohmann::json& rows, std::size_t budget) {
  nlohmann::json out = nlohmann::json::object();
  std::map<std::string, std::map<std::string, std::vector<std::pair<int, double>>>> points;
  for (const auto& row : rows)
    for (const auto& [m, r] : row["methods"].items())
      if (r.contains("measured_peak_bytes"))
        points[row["family"].get<std::string>()][m].push_back(
            {row["depth"].get<int>(), r["measured_peak_bytes"].get<double>()});
  for (auto& [family, by_method] : points) {
    for (auto& [m, pts] : by_method) {
      std::sort(pts.begin(), pts.end());
      int fits = 0;
      for (const auto& [d, b] : pts)
        if (b <= static_cast<double>(budget)) fits = std::max(fits, d);
      nlohmann::json e{{"largest_measured_depth_within_budget", fits}, {"deepest_measured", pts.back().first}};
      if (pts.size() >= 2) {
        const auto& [d0, b0] = pts[pts.size() - 2];
        const auto& [d1, b1] = pts.back();
        const double slope = (b1 - b0) / (d1 - d0);
        if (slope > 0) {
          e["bytes_per_block"] = slope;
          e["fitted_depth_at_budget"] = d1 + (static_cast<double>(budget) - b1) / slope;
        }
      }
      out[family][m] = e;
    }
  }
  return out;
}

// Depth anchors placed every k layers beside anchors placed by error budget
// (MixedOptions::anchor_error), in float on one family's network per depth:
// the bytes each spends on anchors and in all, the float32 error reached
// against double backprop, and the method's own estimate of it.
int run_anchor_table(const Options& o, const std::vector<Family>& families, const std::vector<int>& depths,
                     const Sizes& z) {
  std::cout << fmt::format("{:<13} {:>5} {:<20} {:>8} {:>14} {:>14} {:>10} {:>10} {:>9}\n", "family", "depth",
                           "anchors", "placed", "anchor bytes", "stored bytes", "rel. error", "estimate", "seconds");
  for (const auto& f : families)
    for (int depth : depths) {
      const Problem p = problem_from_json(family_spec(f, depth, z));
      const Vec<mp50> exact = flatten(run_method(Method::backprop, p.net, p.x0));
      const reference::Network<float> net = p.net.cast<float>();
      const Mat<float> x0 = p.x0.cast<float>();
      struct Placement {
        std::string label;
        MethodOptions mo;
      };
      std::vector<Placement> placements{{"none", {}}};
      for (std::size_t k : {32, 16, 8, 4, 2, 1}) {
        MethodOptions mo;
        mo.anchor_every = k;
        placements.push_back({fmt::format("every {}", k), mo});
      }
      for (double t : {1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6}) {
        MethodOptions mo;
        mo.anchor_error = t;
        placements.push_back({fmt::format("error {:.0e}", t), mo});
      }
      for (const auto& pl : placements) {
        std::vector<double> seconds;
        std::optional<reference::Gradients<float>> g;
        try {
          for (int k = 0; k < std::max(1, o.repeats); ++k) {
            g.reset();
            const reference::Network<float> fresh = net;
            const auto t0 = std::chrono::steady_clock::now();
            g.emplace(run_method(Method::moonwalk_mixed, fresh, x0, pl.mo));
            seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          }
        } catch (const reference::Error& e) {
          std::cout << fmt::format("{:<13} {:>5} {:<20} {}\n", f.name, depth, pl.label, e.what());
          continue;
        }
        const std::size_t anchor_bytes = g->ledger.peak(reference::Category::checkpoints);
        std::cout << fmt::format("{:<13} {:>5} {:<20} {:>8} {:>14} {:>14} {:>10.2e} {:>10.2e} {:>9.3f}\n", f.name, depth,
                                 pl.label, fmt::format("{}/{}", g->anchors.size(), net.depth()),
                                 anchor_bytes, g->ledger.peak_stored(), relative(flatten(*g), exact), g->estimate,
                                 median(seconds));
      }
    }
  std::cout << "anchors: where moonwalk_mixed keeps a layer's full output cotangent (none, every k layers, or where\n"
               "its predicted relative error would pass the target); placed: anchors kept / the network's layers;\n"
               "anchor bytes: what they hold at peak; stored bytes: peak of everything kept between sweeps; rel. error: all float\n"
               "gradients against double backprop; estimate: the method's own; seconds: median of the repeats.\n";
  return 0;
}

int run_bench(const Options& o) {
  const Sizes& z = o.quick ? kQuick : kTraining;
  std::vector<Family> families;
  for (const auto& f : all_families())
    if (o.families.empty() ||
        std::find_if(o.families.begin(), o.families.end(), [&](const std::string& n) { return n == f.name || n == f.base; }) !=
            o.families.end())
      families.push_back(f);
  for (const auto& n : o.families)
    if (std::none_of(all_families().begin(), all_families().end(),
                     [&](const Family& f) { return n == f.name || n == f.base; }))
      throw CLI::ValidationError("--family", "\"" + n + "\" is not a family (conv1d, conv2d, coupling, mlp or a variant)");
  const std::vector<int> depths =
      !o.depths.empty() ? o.depths : o.quick ? std::vector<int>{2, 4} : std::vector<int>{4, 8, 16, 32, 64};
  if (o.anchor_table) return run_anchor_table(o, families, depths, z);
  nlohmann::json rows = nlohmann::json::array();
  const auto start = std::chrono::steady_clock::now();
  std::size_t done = 0;
  const std::size_t total = families.size() * depths.size();
  for (const auto& f : families) {
    for (int d : depths) {
      std::fprintf(stderr, "\rbench: %zu/%zu  %s depth %d  (%.0f s)            ", done + 1, total, f.name.c_str(), d,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      std::fflush(stderr);
      double slowest = 0;
      rows.push_back(o.precision == "float" ? bench_row<float>(f, d, o, z, slowest) : bench_row<double>(f, d, o, z, slowest));
      ++done;
      if (o.max_seconds > 0 && slowest > o.max_seconds) {
        done += static_cast<std::size_t>(depths.end() - std::find(depths.begin(), depths.end(), d)) - 1;
        break;  // deeper nets of this family would take longer still
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "\rbench: %zu rows in %.0f s                                        \n", rows.size(), elapsed);
  const nlohmann::json result{{"precision", o.precision},
                              {"quick", o.quick},
                              {"repeats", o.repeats},
                              {"budget_bytes", o.budget},
                              {"anchor_every", o.anchor_every},
                              {"anchor_error", o.anchor_error},
                              {"seconds_total", elapsed},
                              {"rows", rows},
                              {"depth_at_budget", depth_at_budget(rows, o.budget)}};
  if (!o.json.empty()) {
    std::ofstream out(o.json);
    if (!out) throw std::runtime_error("cannot write " + o.json);
    out << result.dump(1) << "\n";
  }
  std::cout << fmt::format("{:<13} {:>5} {:<23} {:>13} {:>13} {:>9} {:>9} {:>7} {:>10} {:>9}\n", "family", "depth", "method",
                           "stored bytes", "peak bytes", "seconds", "x backprop", "", "rel. error", "cert/bd");
  for (const auto& row : rows)
    for (const auto& [m, r] : row["methods"].items()) {
      if (!r.contains("seconds")) {
        std::cout << fmt::format("{:<13} {:>5} {:<23} {}\n", row["family"].get<std::string>(), row["depth"].get<int>(), m,
                                 r.contains("refused") ? "refused" : "broke: " + r["broke"].get<std::string>());
        continue;
      }
      std::cout << fmt::format("{:<13} {:>5} {:<23} {:>13} {:>13} {:>9.3f} {:>9.2f} {:>7} {:>10.2e} {:>9}\n",
                               row["family"].get<std::string>(), row["depth"].get<int>(), m,
                               r["stored_bytes"].get<std::size_t>(), r["measured_peak_bytes"].get<std::size_t>(),
                               r["seconds"].get<double>(), r["ratio_to_backprop"].get<double>(), "",
                               r["relative_error"].get<double>(),
                               r.contains("max_certificate_over_bound")
                                   ? fmt::format("{:.2e}", r["max_certificate_over_bound"].get<double>())
                                   : "-");
    }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  auto* sub = app.add_subcommand("bench", "memory, depth at a budget, float32 fidelity and time at training sizes");
  sub->add_option("--family", o->families,
                  "families (conv1d, conv2d, coupling, mlp, or one variant such as conv1d_relu); default: all");
  sub->add_option("--depths", o->depths, "blocks per network; default 4 8 16 32 64 (--quick: 2 4)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--precision", o->precision, "precision of the methods run (errors against double, or 50 digits)")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  sub->add_option("--repeats", o->repeats, "gradients timed per method; the median is reported")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--budget", o->budget, "bytes of measured peak for the depth-at-budget table")->capture_default_str();
  sub->add_option("--anchor-every", o->anchor_every, "moonwalk_mixed_anchors: keep the full cotangent every k layers")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  sub->add_option("--anchor-error", o->anchor_error,
                  "moonwalk_mixed_anchors: keep the full cotangent where its predicted relative error would pass "
                  "this, instead of every k layers")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_flag("--anchor-table", o->anchor_table,
                "instead of the bench: moonwalk_mixed in float with anchors every k layers and by error budget, "
                "bytes against the error reached");
  sub->add_option("--max-seconds", o->max_seconds,
                  "stop a family's depth sweep after a depth where one gradient took longer than this (0: never)")
      ->capture_default_str();
  sub->add_option("--json", o->json, "write every row (and the exported spec of each network) as JSON to FILE");
  sub->add_option("--export", o->export_dir,
                  "write each network's explicit spec (DIR/<family>_d<depth>.json) and its reference gradient "
                  "(.grad.f64, little-endian doubles: θ_1..θ_L, ∂ℓ/∂x_0 column by column)");
  sub->add_flag("--quick", o->quick, "small sizes, depths 2 and 4, one repeat: the CI run (under a minute)");
  run_with_exit_code(sub, [o, sub] {
    if (!heap_counted()) {
      std::cerr << "moonwalk bench: this build does not count heap bytes (a sanitizer build keeps its own allocator)\n";
      return kUnavailableExitCode;
    }
    Options opts = *o;
    if (opts.quick && sub->count("--repeats") == 0) opts.repeats = 1;
    return run_bench(opts);
  });
}

}  // namespace moonwalk::tools
