// The IDX reader and the lockstep trainer at a tiny size: the reader refuses a
// missing, truncated or mislabelled file it is handed (written here with
// zlib), and a few lockstep steps keep the backprop and moonwalk_mixed copies'
// parameters within the gap their error estimates predict.
#include "moonwalk/reference/methods/error_model.hpp"
#include "moonwalk/verify/idx.hpp"
#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/training.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace moonwalk::verify;
namespace fs = std::filesystem;

std::vector<std::uint8_t> idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims,
                                    const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

void write_gz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// A fresh directory per test case, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / ("moonwalk-train-test-" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// n images of rows × cols with labels n mod classes and pixels from `seed`.
LabelledImages synthetic(std::size_t n, std::size_t rows, std::size_t cols, int classes, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  LabelledImages s;
  s.count = n, s.rows = rows, s.cols = cols;
  for (std::size_t i = 0; i < n * rows * cols; ++i) s.pixels.push_back(static_cast<std::uint8_t>(g() & 0xff));
  for (std::size_t i = 0; i < n; ++i) s.labels.push_back(static_cast<std::uint8_t>(i % static_cast<std::size_t>(classes)));
  return s;
}

void write_set(const TempDir& dir, const std::string& prefix, const LabelledImages& s) {
  write_gz(dir.file(prefix + "-images-idx3-ubyte.gz"),
           idx_bytes(0x08, {static_cast<std::uint32_t>(s.count), static_cast<std::uint32_t>(s.rows),
                            static_cast<std::uint32_t>(s.cols)},
                     s.pixels));
  write_gz(dir.file(prefix + "-labels-idx1-ubyte.gz"), idx_bytes(0x08, {static_cast<std::uint32_t>(s.count)}, s.labels));
}

// The refusal's message, which must name the file.
template <class E, class F> std::string refusal(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no refusal");
  return {};
}

}  // namespace

TEST_CASE("train: the IDX reader reads back what was written", "[train]") {
  TempDir dir("roundtrip");
  const LabelledImages s = synthetic(5, 4, 8, 10, 3);
  write_set(dir, "train", s);
  const LabelledImages r = read_labelled_images(dir.path.string(), "train", 10);
  CHECK(r.count == 5);
  CHECK(r.rows == 4);
  CHECK(r.cols == 8);
  CHECK(r.pixels == s.pixels);
  CHECK(r.labels == s.labels);
}

TEST_CASE("train: the IDX reader refuses a missing, truncated or mislabelled file", "[train]") {
  TempDir dir("refusals");
  const LabelledImages s = synthetic(6, 4, 4, 10, 5);
  const std::string images = dir.file("train-images-idx3-ubyte.gz");
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");

  SECTION("missing") {
    const std::string why = refusal<NoInputError>([&] { read_labelled_images(dir.path.string(), "train", 10); });
    CHECK_THAT(why, Catch::Contains(images) && Catch::Contains("no such file"));
  }
  SECTION("truncated data: the header promises more images than the file holds") {
    std::vector<std::uint8_t> short_data(s.pixels.begin(), s.pixels.end() - 5);
    write_gz(images, idx_bytes(0x08, {6, 4, 4}, short_data));
    const std::string why = refusal<std::invalid_argument>([&] { read_idx(images, 3); });
    CHECK_THAT(why, Catch::Contains(images) && Catch::Contains("truncated"));
  }
  SECTION("a gzip stream cut short") {
    write_gz(images, idx_bytes(0x08, {6, 4, 4}, s.pixels));
    const auto size = fs::file_size(images);
    fs::resize_file(images, size / 2);
    const std::string why = refusal<std::invalid_argument>([&] { read_idx(images, 3); });
    CHECK_THAT(why, Catch::Contains(images));
  }
  SECTION("wrong magic: a label file where images belong") {
    write_gz(images, idx_bytes(0x08, {6}, s.labels));
    const std::string why = refusal<std::invalid_argument>([&] { read_idx(images, 3); });
    CHECK_THAT(why, Catch::Contains(images) && Catch::Contains("1 dimensions, expected 3"));
  }
  SECTION("wrong magic: not unsigned bytes") {
    write_gz(images, idx_bytes(0x0d, {6, 4, 4}, s.pixels));
    const std::string why = refusal<std::invalid_argument>([&] { read_idx(images, 3); });
    CHECK_THAT(why, Catch::Contains(images) && Catch::Contains("not unsigned bytes"));
  }
  SECTION("a count larger than the header's") {
    std::vector<std::uint8_t> more = s.pixels;
    more.insert(more.end(), 16, 0);
    write_gz(images, idx_bytes(0x08, {6, 4, 4}, more));
    const std::string why = refusal<std::invalid_argument>([&] { read_idx(images, 3); });
    CHECK_THAT(why, Catch::Contains(images) && Catch::Contains("mislabelled count"));
  }
  SECTION("labels and images that disagree in number") {
    write_gz(images, idx_bytes(0x08, {6, 4, 4}, s.pixels));
    write_gz(labels, idx_bytes(0x08, {5}, std::vector<std::uint8_t>(s.labels.begin(), s.labels.end() - 1)));
    const std::string why =
        refusal<std::invalid_argument>([&] { read_labelled_images(dir.path.string(), "train", 10); });
    CHECK_THAT(why, Catch::Contains(labels) && Catch::Contains("5 labels for the 6 images"));
  }
  SECTION("a label out of range") {
    write_gz(images, idx_bytes(0x08, {6, 4, 4}, s.pixels));
    std::vector<std::uint8_t> bad = s.labels;
    bad[2] = 10;
    write_gz(labels, idx_bytes(0x08, {6}, bad));
    const std::string why =
        refusal<std::invalid_argument>([&] { read_labelled_images(dir.path.string(), "train", 10); });
    CHECK_THAT(why, Catch::Contains(labels) && Catch::Contains("label 10 of item 2"));
  }
}

// A bound on ‖θ_moonwalk − θ_backprop‖ after the recorded steps, to first
// order in that gap. At equal parameters each gradient is within
// kEstimateFactor × its estimate of the exact one (the estimates' contract),
// so ‖Δg_t‖ ≤ kEstimateFactor (e_bp + e_mw) ‖g_t‖; SGD with momentum carries
// it, Δv_t = μ Δv_{t−1} + Δg_t, Δθ_{t+1} = Δθ_t − lr Δv_t, and each copy's
// update rounds every entry of v and θ once per operation: two operations
// each, γ_2 = 2u/(1 − 2u) of the terms' magnitudes. Left out: the gap's own
// effect on the next gradient through the curvature, second order over a
// few steps of a small learning rate.
double predicted_gap(const std::vector<StepRecord>& steps, const TrainOptions& o) {
  using moonwalk::reference::methods::kEstimateFactor;
  const double u = std::numeric_limits<float>::epsilon() / 2, gamma2 = 2 * u / (1 - 2 * u);
  double dv = 0, dtheta = 0, v_prev[2] = {0, 0};
  for (const auto& s : steps) {
    const double dg = kEstimateFactor * (s.estimate[kBackprop] + s.estimate[kMoonwalk]) * s.gradient_norm[kBackprop];
    double round_v = 0, round_theta = 0;
    for (int c = 0; c < 2; ++c) {
      round_v += gamma2 * (o.momentum * v_prev[c] + s.gradient_norm[c]);
      round_theta += gamma2 * (s.parameter_norm[c] + s.learning_rate * s.velocity_norm[c]);
      v_prev[c] = s.velocity_norm[c];
    }
    dv = o.momentum * dv + dg + round_v;
    dtheta += s.learning_rate * dv + round_theta;
  }
  return dtheta;
}

TEST_CASE("train: a few lockstep steps keep the two copies within their predicted gap", "[train]") {
  const std::string activation = GENERATE(as<std::string>{}, "leaky_relu", "relu");
  CAPTURE(activation);
  const LabelledImages train = synthetic(24, 12, 12, 10, 11), test = synthetic(10, 12, 12, 10, 12);
  TrainOptions o;
  o.steps = 3;
  o.batch = 4;
  o.seed = 2;
  o.activation = activation;
  o.eval_every = 0;
  const TrainResult r = train_lockstep(train, test, o);
  REQUIRE(r.steps.size() == 3);
  for (const auto& s : r.steps) {
    CAPTURE(s.step, s.gradient_difference, s.estimate[kBackprop], s.estimate[kMoonwalk], s.exceeded);
    REQUIRE(std::isfinite(s.loss[kBackprop]));
    CHECK(s.moonwalk_trusted);
    CHECK(s.gradient_norm[kBackprop] > 0);
    CHECK(std::isfinite(s.estimate[kMoonwalk]));
    // What each method keeps between its sweeps: moonwalk_mixed far less.
    CHECK(s.stored_bytes[kMoonwalk] < s.stored_bytes[kBackprop]);
  }
  // Step 1 starts both copies from the same parameters: the gradients alone differ.
  const StepRecord& first = r.steps.front();
  CHECK(first.loss[kBackprop] == first.loss[kMoonwalk]);
  CHECK(first.gradient_difference <= moonwalk::reference::methods::kEstimateFactor *
                                          (first.estimate[kBackprop] + first.estimate[kMoonwalk]));
  const double gap = static_cast<double>((r.params[kMoonwalk] - r.params[kBackprop]).cast<double>().norm());
  const double bound = predicted_gap(r.steps, o);
  CAPTURE(gap, bound);
  CHECK(gap > 0);  // the methods do differ in float: the check is not vacuous
  CHECK(gap <= bound);
}
