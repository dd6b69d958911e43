#include "moonwalk/cuda/check/crosscheck.hpp"
#include "moonwalk/cuda/kernels/leaky_relu.hpp"
#include "moonwalk/reference/tolerance_rules.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace moonwalk::cuda::check {

namespace {

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

// The operator criterion: for every case and output, the GPU's relative
// error against the 50-digit expectation must be at most twice the CPU
// reference's own error in the same precision (the vectors carry it) plus
// n·u, the rounding that any correct evaluation in that precision may make:
// u = ε/2 is the unit roundoff and n the number of rounded operations that
// can reach one entry — at most the scalars the operator reads per sample
// (in + out + params) plus the batch it reduces over (all rows·cols entries
// for a loss), plus 4 for each elementary function on the way. The
// reference's error stands for the cancellation and conditioning both
// share; n·u covers a legitimately different order of the same sums where
// the reference happened to be exact (exactly representable inputs make many
// of its sums exact).
//
// Elementary functions on the longest path to one entry: CUDA documents at
// most 2 ulp for tanh, cosh, exp, log, sin, cos in float and double, and an
// ulp is at most 2u, so each adds 4 to n.
int elementary_functions(const std::string& op) {
  if (op == "tanh") return 1;                                                // tanh or cosh
  if (op == "additive_coupling" || op == "softmax_cross_entropy") return 2;  // tanh in F and G; exp, log
  if (op == "conv1d" || op == "conv2d") return 2;                            // cos, sin of the fft factor
  return 0;
}

// What the reference keeps (reference/ops/*.hpp input_residual): mask words
// for the (leaky) relu, x itself for tanh and additive_coupling.
std::size_t reference_residual_bytes(const std::string& op, Index units, std::size_t scalar) {
  if (op == "relu" || op == "leaky_relu") return static_cast<std::size_t>((units + 63) / 64) * 8;
  if (op == "tanh" || op == "additive_coupling") return static_cast<std::size_t>(units) * scalar;
  return 0;
}

// One operator on one vector: every expected output, and what the reference
// fixes exactly (residual bytes and mask words, fragment sizes).
template <class S, class Op>
void check_case(Context& ctx, const Op& op, const std::string& opname, const std::string& subject, const json& c, Table& t) {
  const std::string name = c.at("name").get<std::string>(), prec = scalar_name<S>();
  const Inputs<S> in = upload<S>(ctx, c);
  const Index batch = in.x.cols();
  // n·u: the scalars the operator reads per sample (in + out + params), the
  // batch it reduces over, and the elementary functions on the way.
  const double u = std::numeric_limits<S>::epsilon() / 2;
  const double n = tolerance::terms(op) + static_cast<double>(batch + 4 * elementary_functions(opname));
  const json& ref = c.at("reference_error").at(prec);

  const std::size_t held = ctx.arena().current(Category::input_residuals);
  const DeviceResidual<S> r = op.input_residual(in.x);
  const std::size_t residual = ctx.arena().current(Category::input_residuals) - held;
  const std::size_t expected = reference_residual_bytes(opname, op.in_dim() * batch, sizeof(S));
  t.add(subject, prec, "residual", name, residual == expected && r.bytes() == expected,
        "input_residual holds " + std::to_string(residual) + " bytes, the reference " + std::to_string(expected));
  if (!r.mask.empty()) {
    // The reference BitMask's words: bit k of the column-major entries is x > 0.
    const HostMatrix<S> x = in.x.download();
    std::vector<std::uint64_t> words(static_cast<std::size_t>(r.mask.words()));
    for (Index w = 0; w < r.mask.words(); ++w)
      words[static_cast<std::size_t>(w)] = kernels::positive_word(w, x.size(), x.data.data());
    t.add(subject, prec, "residual", name, r.mask.download() == words, "the sign mask's words differ from the reference BitMask's");
  }

  std::map<std::string, HostMatrix<S>> got;
  got["forward"] = op.forward(in.x).download();
  got["jvp"] = op.jvp(in.x, in.xdot, in.pdot).download();
  got["vjp_input"] = op.vjp_input(r, in.delta).download();
  got["vjp_params"] = op.vjp_params(in.x, in.delta).download();
  const DeviceFragment<S> f = op.fragment(in.x, in.delta);
  got["fragment"] = f.values.download();
  t.add(subject, prec, "fragment_size", name, f.size() == op.fragment_size(in.x), "fragment_size differs from the fragment's size");
  const HostMatrix<S> from_residual = op.fragment(r, in.delta).values.download();
  t.add(subject, prec, "fragment_size", name, from_residual.data == got["fragment"].data,
        "the fragment from the residual differs from fragment(x, δ)");
  const json& want = c.at("expected");
  if (want.contains("vijp")) got["vijp"] = op.vijp(in.x, in.g, in.fragment).download();
  ctx.synchronize(opname.c_str());
  for (const auto& [key, value] : want.items()) {
    const double e = ref.at(key).template get<double>();
    t.add(subject, prec, key, name, relative_error(got.at(key), read_matrix(value)), e, tolerance::self_calibrated(e, n * u));
  }
}

template <class S, class Loss>
void check_loss(Context& ctx, const Loss& loss, const std::string& opname, const json& c, Table& t) {
  const std::string name = c.at("name").get<std::string>(), prec = scalar_name<S>();
  const DeviceMatrix<S> x = DeviceMatrix<S>::upload(ctx.arena(), narrow<S>(read_matrix(c.at("x"))));
  const double u = std::numeric_limits<S>::epsilon() / 2;
  const double n = static_cast<double>(x.size() + 4 * elementary_functions(opname));
  const json& ref = c.at("reference_error").at(prec);
  std::map<std::string, HostMatrix<S>> got;
  got["value"] = HostMatrix<S>(1, 1, {loss.value(x)});
  got["gradient"] = loss.gradient(x).download();
  for (const auto& [key, value] : c.at("expected").items()) {
    const double e = ref.at(key).template get<double>();
    t.add(opname, prec, key, name, relative_error(got.at(key), read_matrix(value)), e, tolerance::self_calibrated(e, n * u));
  }
}

template <class S> void check_vector(Context& ctx, const std::string& file_op, const std::string& subject, const json& c, Table& t) {
  // losses.json holds both losses: each of its cases names its own.
  const std::string op = c.contains("loss") ? c.at("loss").get<std::string>() : file_op;
  const json& cfg = c.at("config");
  const S scale = cfg.contains("scale") ? static_cast<S>(scalar(cfg.at("scale"))) : S(1);
  if (op == "mse") return check_loss<S>(ctx, Mse<S>(ctx, narrow<S>(read_matrix(c.at("target"))), scale), op, c, t);
  if (op == "softmax_cross_entropy")
    return check_loss<S>(ctx, SoftmaxCrossEntropy<S>(ctx, cfg.at("classes").get<Index>(), cfg.at("labels").get<std::vector<Index>>(), scale),
                         op, c, t);
  const Layer<S> layer = make_layer<S>(ctx, op, cfg, column<S>(read_matrix(c.at("params"))));
  std::visit([&](const auto& o) { check_case<S>(ctx, o, op, subject, c, t); }, layer);
}

}  // namespace

template <class S> int check_operator(Context& ctx, const std::string& op, const json& doc, const std::string& strategy, Table& t) {
  int cases = 0;
  for (const json& c : doc.at("cases")) {
    const json& cfg = c.at("config");
    const std::string s = cfg.contains("strategy") ? cfg.at("strategy").get<std::string>() : "";
    if (!strategy.empty() && s != strategy) continue;
    const std::string subject = s.empty() ? op : op + "/" + s;
    ++cases;
    try {
      check_vector<S>(ctx, op, subject, c, t);
    } catch (const std::exception& e) {
      t.add(subject, scalar_name<S>(), "forward", c.at("name").get<std::string>(), false, e.what());
    }
  }
  return cases;
}

json read_vectors(const std::string& path, const char* format) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  const json doc = json::parse(in);
  if (doc.at("format") != format || doc.at("version") != 1)
    throw std::runtime_error(path + ": not a " + format + " version 1 file");
  return doc;
}

void crosscheck_directory(Context& ctx, const std::string& dir, Table& t) {
  std::vector<std::string> files;
  for (const std::string& d : {dir, dir + "/extra"}) {
    if (!std::filesystem::is_directory(d)) continue;
    std::vector<std::string> here;
    for (const auto& e : std::filesystem::directory_iterator(d))
      if (e.path().extension() == ".json") here.push_back(e.path().string());
    std::sort(here.begin(), here.end());
    files.insert(files.end(), here.begin(), here.end());
  }
  if (files.empty()) throw std::runtime_error("crosscheck: no vector files in '" + dir + "'");
  for (const std::string& path : files) {
    const std::string stem = std::filesystem::path(path).stem().string();
    if (stem == "networks") {
      const json doc = read_vectors(path, "moonwalk-network-vectors");
      check_networks<float>(ctx, doc, t);
      check_networks<double>(ctx, doc, t);
    } else {
      const json doc = read_vectors(path, "moonwalk-vectors");
      const std::string op = doc.at("operator").get<std::string>();
      check_operator<float>(ctx, op, doc, "", t);
      check_operator<double>(ctx, op, doc, "", t);
    }
  }
}

template int check_operator<float>(Context&, const std::string&, const json&, const std::string&, Table&);
template int check_operator<double>(Context&, const std::string&, const json&, const std::string&, Table&);

}  // namespace moonwalk::cuda::check
