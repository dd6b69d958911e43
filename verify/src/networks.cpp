#include "moonwalk/verify/networks.hpp"

#include "moonwalk/verify/decimal.hpp"
#include "moonwalk/verify/op_config.hpp"

#include <algorithm>
#include <set>

namespace moonwalk::verify {

using namespace moonwalk::reference;

const std::vector<NetClass>& all_net_classes() {
  static const std::vector<NetClass> all{NetClass::dense_relu, NetClass::conv_relu, NetClass::conv_leaky,
                                         NetClass::coupling,   NetClass::mixed,     NetClass::conv2d_relu};
  return all;
}

std::string net_class_name(NetClass c) {
  switch (c) {
    case NetClass::dense_relu: return "dense_relu";
    case NetClass::conv_relu: return "conv_relu";
    case NetClass::conv_leaky: return "conv_leaky";
    case NetClass::coupling: return "coupling";
    case NetClass::mixed: return "mixed";
    case NetClass::conv2d_relu: return "conv2d_relu";
  }
  return "?";
}

NetClass parse_net_class(const std::string& name) {
  for (NetClass c : all_net_classes())
    if (net_class_name(c) == name) return c;
  throw std::invalid_argument("unknown network class '" + name + "' (dense_relu, conv_relu, conv_leaky, coupling, mixed, conv2d_relu)");
}

Shape random_net_shape(std::mt19937_64& g) {
  auto in = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  Shape s;
  s.a = in(1, 3), s.b = in(1, 4), s.c = in(1, 7), s.batch = in(2, 3), s.flavor = in(0, 3);
  s.seed = g();
  return s;
}

namespace {

int clamp(int v, int lo, int hi) { return std::min(std::max(v, lo), hi); }

nlohmann::json params_json(const Vec<double>& p) {
  nlohmann::json a = nlohmann::json::array();
  for (Index i = 0; i < p.size(); ++i) a.push_back(p(i));
  return a;
}

// Generic weights, the initialisation networks are trained from: integers in
// [−8, 8] / 2^(3 + ⌈log₄ fan_in⌉), as problem_from_json draws them.
Mat<double> generic(ExactRng& r, Index rows, Index cols, Index fan_in) {
  int shift = 3;
  for (Index f = 1; f < fan_in; f *= 4) ++shift;
  return r.matrix(rows, cols, 8, shift);
}

nlohmann::json dense_layer(ExactRng& r, Index in, Index out) {
  Vec<double> p(out * in + out);
  p << Eigen::Map<const Vec<double>>(generic(r, out, in, in).data(), out * in), generic(r, out, 1, in);
  return {{"op", "dense"}, {"in", in}, {"out", out}, {"params", params_json(p)}};
}

// Convolution weights [I 0] on a dominant tap plus perturbations n/128,
// |n| ≤ 8, as verify/src/cases.cpp draws them: J has full row rank with
// σ_min ≥ 1/4, and the blocked recurrence stays contractive (tap 0 dominant).
nlohmann::json conv_layer(ExactRng& r, Index ci, Index co, Index width, Index kernel, int strategy) {
  const ConvStrategy v = static_cast<ConvStrategy>(strategy % 4);
  const bool circular = v == ConvStrategy::fft || ((v == ConvStrategy::dense || v == ConvStrategy::blocked) && r.coin());
  const Index dominant = v == ConvStrategy::blocked ? 0 : (kernel - 1) / 2;
  Vec<double> p(co * ci * kernel + co);
  p.head(co * ci * kernel) = r.matrix(co * ci * kernel, 1, 8, 7);
  for (Index o = 0; o < co; ++o) p((o * ci + o) * kernel + dominant) += 1;
  p.tail(co) = r.matrix(co, 1, 8, 3);
  return {{"op", "conv1d"},
          {"in_channels", ci},
          {"out_channels", co},
          {"width", width},
          {"kernel", kernel},
          {"padding", circular ? "circular" : "zero"},
          {"strategy", conv_strategy_name(v)},
          {"block", 1 + static_cast<Index>(r.value(0, 2, 0))},
          {"params", params_json(p)}};
}

// As conv_layer, with k × k taps and perturbations n/256: the blocked
// recurrence reads k² − 1 taps, so its contraction ρ = ‖A_00⁻¹‖ Σ ‖A_ab‖
// needs them smaller than in 1-D to stay below 1.
nlohmann::json conv2d_layer(ExactRng& r, Index ci, Index co, Index height, Index width, Index kernel, int strategy) {
  const ConvStrategy v = static_cast<ConvStrategy>(strategy % 4);
  const bool circular = v == ConvStrategy::fft || ((v == ConvStrategy::dense || v == ConvStrategy::blocked) && r.coin());
  const Index dominant = v == ConvStrategy::blocked ? 0 : (kernel - 1) / 2;
  const Index taps = kernel * kernel;
  Vec<double> p(co * ci * taps + co);
  p.head(co * ci * taps) = r.matrix(co * ci * taps, 1, 8, 8);
  for (Index o = 0; o < co; ++o) p((o * ci + o) * taps + dominant * kernel + dominant) += 1;
  p.tail(co) = r.matrix(co, 1, 8, 3);
  return {{"op", "conv2d"},
          {"in_channels", ci},
          {"out_channels", co},
          {"height", height},
          {"width", width},
          {"kernel", kernel},
          {"padding", circular ? "circular" : "zero"},
          {"strategy", conv_strategy_name(v)},
          {"block", 1 + static_cast<Index>(r.value(0, 1, 0))},
          {"params", params_json(p)}};
}

nlohmann::json leaky_layer(ExactRng& r, Index dim) {
  return {{"op", "leaky_relu"}, {"dim", dim}, {"alpha", std::ldexp(1.0, r.coin() ? -1 : -2)}};
}

nlohmann::json coupling_layer(ExactRng& r, Index half, Index hidden) {
  // θ order (docs/porting.md): F then G, each vec A₁ (k×d), b₁, vec A₂ (d×k), b₂.
  struct Part {
    Index rows, cols, fan_in;
  };
  const Part parts[] = {{hidden, half, half}, {hidden, 1, half}, {half, hidden, hidden}, {half, 1, hidden}};
  Vec<double> p(2 * (hidden * half + hidden + half * hidden + half));
  Index k = 0;
  for (int net = 0; net < 2; ++net)
    for (const Part& part : parts) {
      const Mat<double> m = generic(r, part.rows, part.cols, part.fan_in);
      p.segment(k, m.size()) = Eigen::Map<const Vec<double>>(m.data(), m.size());
      k += m.size();
    }
  return {{"op", "additive_coupling"}, {"half", half}, {"hidden", hidden}, {"params", params_json(p)}};
}

// Cross-entropy needs two classes to have a gradient; one output means mse.
nlohmann::json loss_for(ExactRng& r, Index outputs) {
  return outputs >= 2 && r.coin() ? nlohmann::json{{"type", "softmax_cross_entropy"}} : nlohmann::json{{"type", "mse"}};
}

nlohmann::json dense_relu(const Shape& s, ExactRng& r) {
  const int blocks = clamp(s.a, 1, 3);
  Index d = 1 + clamp(s.b, 1, 6);
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < blocks; ++i) {
    // flavor bit 1: the first block is tall (m = n + 1), a dense with a fragment.
    const Index m = (i == 0 && (s.flavor & 2)) ? d + 1 : std::max<Index>(1, d - (r.coin() ? 1 : 0));
    layers.push_back(dense_layer(r, d, m));
    layers.push_back({{"op", "relu"}, {"dim", m}});
    d = m;
  }
  const Index classes = 2 + (s.flavor & 1);
  layers.push_back(dense_layer(r, d, classes));
  return {{"layers", layers}, {"loss", loss_for(r, classes)}};
}

// flavor picks the first block's strategy (0 dense, 1 banded, 2 fft,
// 3 blocked); each later block takes the next one, so a deep network mixes them.
void conv_stack(const Shape& s, ExactRng& r, Index width, Index& channels, bool relu, nlohmann::json& layers) {
  const int blocks = clamp(s.a, 1, 3);
  for (int i = 0; i < blocks; ++i) {
    const Index co = channels > 1 && r.coin() ? channels - 1 : channels;
    const Index kernel = r.value(0, 3, 0) == 0 ? 1 : 3;
    layers.push_back(conv_layer(r, channels, co, width, kernel, s.flavor + i));
    channels = co;
    if (relu) layers.push_back({{"op", "relu"}, {"dim", co * width}});
    else layers.push_back(leaky_layer(r, co * width));
  }
}

nlohmann::json conv_relu(const Shape& s, ExactRng& r) {
  Index channels = clamp(s.b, 1, 4);
  const Index width = 2 + clamp(s.c, 1, 7);
  nlohmann::json layers = nlohmann::json::array();
  conv_stack(s, r, width, channels, true, layers);
  layers.push_back({{"op", "global_avg_pool"}, {"channels", channels}, {"positions", width}});
  const Index classes = 2 + static_cast<Index>(r.value(0, 1, 0));
  layers.push_back(dense_layer(r, channels, classes));
  return {{"layers", layers}, {"loss", loss_for(r, classes)}};
}

// The patch map and the last dense are wide, so the only fragments are the
// blocked strategy's seeds, unless flavor bit 1 makes the patch map
// rank-deficient.
nlohmann::json conv_leaky(const Shape& s, ExactRng& r) {
  Index channels = clamp(s.b, 1, 4);
  const Index patch = 2 + (s.flavor & 1), patches = clamp(s.c, 1, 3), width = patch * patches;
  nlohmann::json layers = nlohmann::json::array();
  conv_stack(s, r, width, channels, false, layers);
  const Index n = channels * patch;
  const Index co = 2 + static_cast<Index>(r.value(0, static_cast<int>(n) - 2, 0));
  Mat<double> M = r.matrix(co, n, 8, 7);
  for (Index o = 0; o < co; ++o) M(o, o) += 1;  // [I 0] + perturbation: full row rank, well conditioned
  // flavor bit 1: the last row repeats the first, exactly in every precision,
  // so rank M = C_out − 1 and every patch has a fragment, which Phase II must
  // take from the residual alone.
  if (s.flavor & 2) M.row(co - 1) = M.row(0);
  Vec<double> p(co * n + co);
  p << Eigen::Map<const Vec<double>>(M.data(), co * n), r.matrix(co, 1, 8, 3);
  layers.push_back({{"op", "patch_downsample1d"}, {"in_channels", channels}, {"out_channels", co},
                    {"width", width}, {"patch", patch}, {"params", params_json(p)}});
  layers.push_back(leaky_layer(r, co * patches));
  layers.push_back({{"op", "global_avg_pool"}, {"channels", co}, {"positions", patches}});
  const Index classes = 2 + static_cast<Index>(r.value(0, static_cast<int>(std::min<Index>(co, 3)) - 2, 0));
  layers.push_back(dense_layer(r, co, classes));
  return {{"layers", layers}, {"loss", loss_for(r, classes)}};
}

nlohmann::json coupling(const Shape& s, ExactRng& r) {
  const int blocks = clamp(s.a, 1, 3);
  const Index half = clamp(s.b, 1, 3), hidden = clamp(s.c, 1, 4);
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < blocks; ++i) {
    layers.push_back(coupling_layer(r, half, hidden));
    if (r.coin()) layers.push_back(leaky_layer(r, 2 * half));
    else layers.push_back({{"op", "tanh"}, {"dim", 2 * half}});
  }
  return {{"layers", layers}, {"loss", loss_for(r, 2 * half)}};
}

// Images of 2 × 2 to 4 × 4 keep the 50-digit spectra of every Jacobian
// cheap; flavor picks the first block's strategy as in conv_stack, and
// flavor bit 0 adds a patch_downsample2d (patch 2, wide: submersive).
nlohmann::json conv2d_relu(const Shape& s, ExactRng& r) {
  const int blocks = clamp(s.a, 1, 2);
  Index channels = clamp(s.b, 1, 3);
  const bool patch = s.flavor & 1;
  const Index height = 2 + (patch ? 0 : (clamp(s.c, 1, 7) - 1) % 3), width = 2 + 2 * ((clamp(s.c, 1, 7) - 1) % 2);
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < blocks; ++i) {
    const Index co = channels > 1 && r.coin() ? channels - 1 : channels;
    const Index kernel = r.value(0, 3, 0) == 0 ? 1 : 3;
    layers.push_back(conv2d_layer(r, channels, co, height, width, kernel, s.flavor + i));
    layers.push_back({{"op", "relu"}, {"dim", co * height * width}});
    channels = co;
  }
  Index positions = height * width;
  if (patch) {
    const Index n = channels * 4, co = std::min<Index>(n, channels + 1);
    Mat<double> M = r.matrix(co, n, 8, 7);
    for (Index o = 0; o < co; ++o) M(o, o) += 1;  // [I 0] + perturbation: full row rank, well conditioned
  // flavor bit 1: the last row repeats the first, exactly in every precision,
  // so rank M = C_out − 1 and every patch has a fragment, which Phase II must
  // take from the residual alone.
  if (s.flavor & 2) M.row(co - 1) = M.row(0);
    Vec<double> p(co * n + co);
    p << Eigen::Map<const Vec<double>>(M.data(), co * n), r.matrix(co, 1, 8, 3);
    layers.push_back({{"op", "patch_downsample2d"}, {"in_channels", channels}, {"out_channels", co}, {"height", height},
                      {"width", width}, {"patch", 2}, {"params", params_json(p)}});
    channels = co;
    positions /= 4;
  }
  layers.push_back({{"op", "global_avg_pool"}, {"channels", channels}, {"positions", positions}});
  const Index classes = 2 + static_cast<Index>(r.value(0, 1, 0));
  layers.push_back(dense_layer(r, channels, classes));
  return {{"layers", layers}, {"loss", loss_for(r, classes)}};
}

// The operators of random_problem (verify/src/methods.cpp), 2a layers deep.
nlohmann::json mixed(const Shape& s, ExactRng& r) {
  const int depth = 2 * clamp(s.a, 1, 3);
  Index d = 2 * clamp(s.b, 1, 4);
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < depth; ++i) {
    switch (static_cast<int>(r.value(0, 5, 0))) {
      case 0: {
        const Index m = r.value(0, 4, 0) == 0 ? d + 1 : std::max<Index>(1, d - static_cast<Index>(r.value(0, 2, 0)));
        layers.push_back(dense_layer(r, d, m));
        d = m;
        break;
      }
      case 1: layers.push_back(leaky_layer(r, d)); break;
      case 2: layers.push_back({{"op", "relu"}, {"dim", d}}); break;
      case 3: layers.push_back({{"op", "tanh"}, {"dim", d}}); break;
      default:
        if (d % 2 == 0) layers.push_back(coupling_layer(r, d / 2, clamp(s.c, 1, 4)));
        else layers.push_back({{"op", "tanh"}, {"dim", d}});
    }
  }
  const Index classes = std::min<Index>(d + 1, 2 + static_cast<Index>(r.value(0, 2, 0)));
  layers.push_back(dense_layer(r, d, classes));
  return {{"layers", layers}, {"loss", loss_for(r, classes)}};
}

template <template <class> class Op> nlohmann::json layer_json(const Op<double>& op) {
  nlohmann::json j = op_config<Op>(op);
  j["op"] = Op<double>::name;
  nlohmann::json p = nlohmann::json::array();
  const Vec<double> theta = op.params();
  for (Index i = 0; i < theta.size(); ++i) p.push_back(decimal(theta(i)));
  j["params"] = p;
  return j;
}

}  // namespace

Problem make_network(NetClass c, const Shape& s) {
  ExactRng r(s.seed);
  nlohmann::json spec;
  switch (c) {
    case NetClass::dense_relu: spec = dense_relu(s, r); break;
    case NetClass::conv_relu: spec = conv_relu(s, r); break;
    case NetClass::conv_leaky: spec = conv_leaky(s, r); break;
    case NetClass::coupling: spec = coupling(s, r); break;
    case NetClass::mixed: spec = mixed(s, r); break;
    case NetClass::conv2d_relu: spec = conv2d_relu(s, r); break;
  }
  spec["seed"] = s.seed;
  spec["batch"] = clamp(s.batch, 1, 3);
  return problem_from_json(spec);
}

nlohmann::json problem_json(const Problem& p) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : p.net.layers) layers.push_back(std::visit([](const auto& op) { return layer_json(op); }, layer));
  nlohmann::json loss = std::visit(
      [](const auto& l) -> nlohmann::json {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, Mse<double>>)
          return {{"type", "mse"}, {"target", matrix_json(l.target())}, {"scale", decimal(l.scale())}};
        else
          return {{"type", "softmax_cross_entropy"}, {"labels", l.labels()}, {"scale", decimal(l.scale())}};
      },
      p.net.loss);
  return {{"batch", p.x0.cols()}, {"layers", layers}, {"loss", loss}, {"input", matrix_json(p.x0)}};
}

Problem sample_problem(const Problem& p, Index b) {
  Loss<double> loss = std::visit(
      [&](const auto& l) -> Loss<double> {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, Mse<double>>) return Mse<double>(l.target().col(b), l.scale());
        else return SoftmaxCrossEntropy<double>(l.classes(), {l.labels()[static_cast<std::size_t>(b)]}, l.scale());
      },
      p.net.loss);
  return Problem{Network<double>(p.net.layers, std::move(loss)), p.x0.col(b)};
}

Problem scaled_problem(const Problem& p, double c) {
  Loss<double> loss = std::visit(
      [&](const auto& l) -> Loss<double> {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, Mse<double>>) return Mse<double>(l.target(), c * l.scale());
        else return SoftmaxCrossEntropy<double>(l.classes(), l.labels(), c * l.scale());
      },
      p.net.loss);
  return Problem{Network<double>(p.net.layers, std::move(loss)), p.x0};
}

namespace {

// The seed count written afresh from docs/spec.md (conv2d, blocked), not from
// the operator's or the kernels' own rule (reference/ops/conv_geometry.hpp):
// ledger_consistency compares the ledger with this independent count, so a
// wrong rule in the shared geometry cannot confirm itself.
Index conv2d_seeds(const Conv2dSpec& sp) {
  const Index H = sp.height, W = sp.width, k = sp.kernel, p = (k - 1) / 2, B = sp.block;
  const bool circular = sp.padding == Padding::circular;
  std::set<Index> seeds;
  auto row = [&](Index r) {
    for (Index q = 0; q < W; ++q) seeds.insert(r * W + q);
  };
  // The k − 1 rows before every block start (and before row 0, wrapped, when circular).
  for (Index start = circular ? 0 : B; start < H; start += B)
    for (Index t = 1; t < k; ++t) {
      const Index u = start - t;
      if (circular) row(((u % H) + H) % H);
      else if (u >= 0) row(u);
    }
  for (Index r = 0; r < H; ++r) {
    if (!circular && r < p) row(r);  // the first p rows
    for (Index q = 0; q < W; ++q) {
      const bool first = !circular && q < p, last = circular && q >= W - (k - 1);
      if (first || last) seeds.insert(r * W + q);
    }
  }
  return static_cast<Index>(seeds.size());
}

}  // namespace

Index blocked_checkpoint_per_sample(const Network<double>& net, std::size_t i) {
  if (const auto* conv2 = std::get_if<Conv2d<double>>(&net.layers[i]))
    return conv2->resolved_spec().strategy == ConvStrategy::blocked
               ? conv2d_seeds(conv2->resolved_spec()) * conv2->resolved_spec().out_channels
               : 0;
  const auto* conv = std::get_if<Conv1d<double>>(&net.layers[i]);
  if (!conv || conv->resolved_spec().strategy != ConvStrategy::blocked) return 0;
  const Conv1dSpec& sp = conv->resolved_spec();
  const Index W = sp.width, p = (sp.kernel - 1) / 2, B = sp.block;
  const bool circular = sp.padding == Padding::circular;
  // docs/spec.md, conv1d blocked: the k − 1 positions before every block
  // start (0 included, wrapped, when circular), and 0 .. p − 1 with zero padding.
  std::set<Index> seeds;
  if (!circular)
    for (Index w = 0; w < p && w < W; ++w) seeds.insert(w);
  for (Index start = circular ? 0 : B; start < W; start += B)
    for (Index t = 1; t < sp.kernel; ++t) {
      const Index u = start - t;
      if (circular) seeds.insert(((u % W) + W) % W);
      else if (u >= 0) seeds.insert(u);
    }
  return static_cast<Index>(seeds.size()) * sp.out_channels;
}

}  // namespace moonwalk::verify
