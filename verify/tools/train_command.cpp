// `moonwalk train`: a small image classifier trained on Fashion-MNIST by
// backprop and by moonwalk_mixed in lockstep (same initialisation, same
// batches, float32), reporting per step both losses, the relative difference
// of the two gradients, each method's error estimate and stored bytes, and
// the test accuracy of both copies (docs/training.md).
#include "commands.hpp"

#include "moonwalk/reference/methods/error_model.hpp"
#include "moonwalk/verify/training.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace moonwalk::tools {

namespace {

using namespace moonwalk::verify;

int run_train(const TrainOptions& o, const std::string& data, const std::string& json_file) {
  if (!std::filesystem::is_directory(data))
    throw NoInputError(data + ": no such directory (the Debian package dataset-fashion-mnist installs the data in "
                              "/usr/share/datasets/fashion-mnist; scripts/setup.sh installs it)");
  const LabelledImages train = read_labelled_images(data, "train", 10);
  const LabelledImages test = read_labelled_images(data, "t10k", 10);
  const std::size_t test_count = o.test_limit ? std::min(o.test_limit, test.count) : test.count;
  const bool tty = isatty(STDERR_FILENO);
  const int every = tty ? 1 : std::max(1, o.steps / 20);
  const TrainResult r = train_lockstep(train, test, o, [&](const StepRecord& s, const TrainResult& so_far) {
    if (s.step % every != 0 && s.step != o.steps) return;
    const std::string acc =
        so_far.evals.empty()
            ? std::string()
            : fmt::format("  test acc (step {}) {:.2f}% | {:.2f}%", so_far.evals.back().step,
                          100 * so_far.evals.back().accuracy[kBackprop], 100 * so_far.evals.back().accuracy[kMoonwalk]);
    std::cerr << fmt::format("{}step {}/{}  loss {:.4f} | {:.4f}  grad diff {:.2e}  estimate {:.1e} | {:.1e}{}{}",
                             tty ? "\r" : "", s.step, o.steps, s.loss[kBackprop], s.loss[kMoonwalk],
                             s.gradient_difference, s.estimate[kBackprop], s.estimate[kMoonwalk], acc,
                             tty ? "" : "\n");
  });
  if (tty) std::cerr << "\n";

  const reference::Network<float> net = make_classifier(train.rows, train.cols, 10, o.activation, o.alpha, o.seed);
  double worst = 0, worst_estimate = 0;
  int worst_step = 0, untrusted = 0;
  std::size_t stored[2] = {0, 0};
  for (const auto& s : r.steps) {
    if (s.gradient_difference > worst || worst_step == 0) worst = s.gradient_difference, worst_step = s.step;
    worst_estimate = std::max(worst_estimate, s.estimate[kMoonwalk]);
    untrusted += !s.moonwalk_trusted;
    for (int c = 0; c < 2; ++c) stored[c] = std::max(stored[c], s.stored_bytes[c]);
  }
  const EvalRecord& final_eval = r.evals.back();

  if (!json_file.empty()) {
    nlohmann::json steps = nlohmann::json::array(), evals = nlohmann::json::array();
    for (const auto& s : r.steps) steps.push_back(to_json(s));
    for (const auto& e : r.evals) evals.push_back(to_json(e));
    nlohmann::json j{{"options", to_json(o)},
                     {"data", {{"dir", data}, {"train_images", train.count}, {"test_images", test_count},
                               {"pixel_mean", r.normalisation.mean}, {"pixel_std", r.normalisation.std}}},
                     {"network", describe_network(net)},
                     {"parameters", r.initial_params.size()},
                     {"steps", steps},
                     {"evals", evals},
                     {"summary",
                      {{"test_accuracy", {{copy_name(0), final_eval.accuracy[0]}, {copy_name(1), final_eval.accuracy[1]}}},
                       {"largest_gradient_relative_difference", worst},
                       {"largest_gradient_relative_difference_step", worst_step},
                       {"largest_moonwalk_estimate", worst_estimate},
                       {"untrusted_moonwalk_steps", untrusted},
                       {"final_parameter_relative_gap", r.steps.empty() ? 0.0 : r.steps.back().parameter_gap},
                       {"stored_bytes", {{copy_name(0), stored[0]}, {copy_name(1), stored[1]}}},
                       {"seconds", r.seconds}}}};
    std::ofstream out(json_file);
    if (!out) throw std::runtime_error(json_file + ": cannot be written");
    out << j.dump(1) << "\n";
  }

  std::cout << fmt::format("network: {} layers, {} parameters, float32; {} steps of batch {}, seed {}, {}\n",
                           net.depth(), r.initial_params.size(), o.steps, o.batch, o.seed, o.activation);
  std::cout << fmt::format("{:<16} {:>14} {:>12} {:>14}\n", "method", "test accuracy", "final loss", "stored bytes");
  for (int c = 0; c < 2; ++c)
    std::cout << fmt::format("{:<16} {:>13.2f}% {:>12.4f} {:>14}\n", copy_name(c), 100 * final_eval.accuracy[c],
                             r.steps.empty() ? 0.0 : r.steps.back().loss[c], stored[c]);
  std::cout << fmt::format("test images: {}; largest gradient relative difference {:.3e} (step {}); largest "
                           "moonwalk_mixed estimate {:.3e}; steps with a certificate exceeded: {}\n",
                           test_count, worst, worst_step, worst_estimate, untrusted);
  if (!r.steps.empty())
    std::cout << fmt::format("final parameter relative gap between the copies: {:.3e}; {:.1f} s\n",
                             r.steps.back().parameter_gap, r.seconds);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto data = std::make_shared<std::string>("/usr/share/datasets/fashion-mnist");
  auto json = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("train", "train a Fashion-MNIST classifier with backprop and moonwalk_mixed in lockstep");
  sub->add_option("--steps", o->steps, "SGD steps")->check(CLI::Range(0, 1000000))->capture_default_str();
  sub->add_option("--batch", o->batch, "images per step")->check(CLI::Range(1, 60000))->capture_default_str();
  sub->add_option("--seed", o->seed, "initialisation and batch order")->capture_default_str();
  sub->add_option("--activation", o->activation, "relu or leaky_relu")
      ->check(CLI::IsMember({"relu", "leaky_relu"}))
      ->capture_default_str();
  sub->add_option("--alpha", o->alpha, "leaky_relu's slope")->check(CLI::Range(1e-3, 1.0))->capture_default_str();
  sub->add_option("--lr", o->learning_rate, "learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--momentum", o->momentum, "momentum")->check(CLI::Range(0.0, 0.999))->capture_default_str();
  sub->add_option("--eval-every", o->eval_every, "steps between test-accuracy measurements (0: at the end only)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--test-limit", o->test_limit, "use the first n test images (0: all)")->capture_default_str();
  sub->add_option("--data", *data, "directory of the gzip IDX files (Debian: dataset-fashion-mnist)")
      ->capture_default_str();
  sub->add_option("--json", *json, "write every step and measurement to this file");
  run_with_exit_code(sub, [=] { return run_train(*o, *data, *json); });
}

}  // namespace moonwalk::tools
