// The memory ledger: methods report every buffer they keep, when they keep
// it and when they let it go, by category; the ledger keeps the current and
// peak bytes. "Stored" bytes are what a method keeps between its forward and
// its reverse (or inverse-forward) sweep: layer inputs, input residuals,
// fragments and checkpoints (what a sweep restarts from: checkpointed's
// segment inputs, Moonwalk's depth anchors). Parameters and the working set
// of one layer are reported apart.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace moonwalk::reference {

enum class Category { layer_inputs, input_residuals, fragments, checkpoints, parameters, working_set };
inline constexpr std::size_t kCategories = 6;

inline const char* category_name(Category c) {
  switch (c) {
    case Category::layer_inputs: return "layer_inputs";
    case Category::input_residuals: return "input_residuals";
    case Category::fragments: return "fragments";
    case Category::checkpoints: return "checkpoints";
    case Category::parameters: return "parameters";
    case Category::working_set: return "working_set";
  }
  return "?";
}

class Ledger {
public:
  void hold(Category c, std::size_t bytes) {
    now_[index(c)] += bytes;
    peak_[index(c)] = std::max(peak_[index(c)], now_[index(c)]);
    peak_stored_ = std::max(peak_stored_, stored());
  }
  void release(Category c, std::size_t bytes) {
    if (bytes > now_[index(c)])
      throw std::logic_error(std::string("ledger: releasing more ") + category_name(c) + " than held");
    now_[index(c)] -= bytes;
  }
  std::size_t current(Category c) const { return now_[index(c)]; }
  std::size_t peak(Category c) const { return peak_[index(c)]; }
  // Layer inputs + input residuals + fragments + anchors, now and at its peak.
  std::size_t stored() const {
    return now_[index(Category::layer_inputs)] + now_[index(Category::input_residuals)] +
           now_[index(Category::fragments)] + now_[index(Category::checkpoints)];
  }
  std::size_t peak_stored() const { return peak_stored_; }

private:
  static std::size_t index(Category c) { return static_cast<std::size_t>(c); }
  std::array<std::size_t, kCategories> now_{}, peak_{};
  std::size_t peak_stored_ = 0;
};

}  // namespace moonwalk::reference
