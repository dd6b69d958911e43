// Training a small image classifier with two gradient methods in lockstep:
// two copies of one float32 network start from the same initialisation and
// take the same batches; one is trained with backprop's gradients, the other
// with moonwalk_mixed's. Each step records both losses, how far the two
// gradients differ, each method's own error estimate, how far the two
// copies' parameters have drifted apart, and the bytes each method stored
// between its sweeps (its ledger). The test accuracy of both copies is
// measured along the way and at the end.
#pragma once

#include "moonwalk/reference/network.hpp"
#include "moonwalk/verify/idx.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace moonwalk::verify {

struct TrainOptions {
  int steps = 800;
  int batch = 32;
  std::uint64_t seed = 1;
  std::string activation = "leaky_relu";  // or relu
  double alpha = 0.5;                     // leaky_relu's slope
  double learning_rate = 0.02;  // the peak; it decays along a half cosine to 0 at the last step
  double momentum = 0.9;
  int eval_every = 50;         // steps between test-accuracy measurements (0: only at the end)
  std::size_t test_limit = 0;  // use the first n test images (0: all)
};

// The classifier for rows × cols single-channel images (both multiples of 4)
// and `classes` labels, He-initialised from `seed`:
//   patch_downsample2d 2×2 (1 → 4 channels), conv2d 3×3 (4 → 4, circular, fft), activation,
//   patch_downsample2d 2×2 (4 → 16 channels), conv2d 3×3 (16 → 16, circular, fft), activation,
//   global_avg_pool, dense (16 → classes), softmax cross-entropy.
// Circular padding makes each conv's vijp an FFT with one small solve per
// frequency, the strategy that stays accurate in float (docs/numerics.md).
reference::Network<float> make_classifier(std::size_t rows, std::size_t cols, int classes,
                                          const std::string& activation, double alpha, std::uint64_t seed);
// The layers as JSON (operator, shape, strategy), for the record of a run.
nlohmann::json describe_network(const reference::Network<float>& net);

// Every parameter of the network in layer order, and back.
reference::Vec<float> flat_params(const reference::Network<float>& net);
void set_flat_params(reference::Network<float>& net, const reference::Vec<float>& p);

// Pixels scaled to (p/255 − mean)/std with the mean and standard deviation
// measured over the training images.
struct Normalisation {
  double mean = 0, std = 1;
};
Normalisation measure_normalisation(const LabelledImages& train);
reference::Mat<float> image_columns(const LabelledImages& set, const std::vector<std::size_t>& items,
                                    const Normalisation& n);

// Fraction of `set` (its first `limit` items; 0: all) that the network classifies correctly.
double accuracy(const reference::Network<float>& net, const LabelledImages& set, const Normalisation& n,
                std::size_t limit = 0);

// The two copies, in the order of every pair below.
enum Copy { kBackprop = 0, kMoonwalk = 1 };
inline const char* copy_name(int c) { return c == kBackprop ? "backprop" : "moonwalk_mixed"; }

struct StepRecord {
  int step = 0;
  double learning_rate = 0;  // this step's
  double loss[2] = {0, 0};
  double gradient_norm[2] = {0, 0};  // ‖g‖ over every parameter
  // ‖g_moonwalk − g_backprop‖ / ‖g_backprop‖ over every parameter.
  double gradient_difference = 0;
  double estimate[2] = {0, 0};  // each method's own estimate of its relative error
  bool moonwalk_trusted = true; // no certificate of moonwalk_mixed exceeded its bound
  std::string exceeded;         // where one did
  // ‖θ_moonwalk − θ_backprop‖ / ‖θ_backprop‖ after this step's update.
  double parameter_gap = 0;
  double parameter_norm[2] = {0, 0};  // ‖θ‖ before the update
  double velocity_norm[2] = {0, 0};   // ‖v‖ after the update
  std::size_t stored_bytes[2] = {0, 0};
};
struct EvalRecord {
  int step = 0;  // after this many steps
  double accuracy[2] = {0, 0};
};
struct TrainResult {
  reference::Vec<float> initial_params, params[2];  // flat_params of the start and of each copy at the end
  Normalisation normalisation;
  std::vector<StepRecord> steps;
  std::vector<EvalRecord> evals;
  double seconds = 0;
};

// Trains both copies; `progress` is called after every step (and may print).
TrainResult train_lockstep(const LabelledImages& train, const LabelledImages& test, const TrainOptions& o,
                           const std::function<void(const StepRecord&, const TrainResult&)>& progress = {});

nlohmann::json to_json(const TrainOptions& o);
nlohmann::json to_json(const StepRecord& r);
nlohmann::json to_json(const EvalRecord& r);

}  // namespace moonwalk::verify
