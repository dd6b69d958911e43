// Wall-clock time of a method's phases, for `moonwalk bench`: a method adds
// the seconds since the last mark to a named phase (Gradients::phase_seconds).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace moonwalk::reference::methods {

class PhaseTimer {
public:
  explicit PhaseTimer(std::vector<std::pair<std::string, double>>& phases) : phases_(phases) {}
  // Charges the time since the previous mark (or construction) to `phase`.
  void mark(const std::string& phase) {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    for (auto& p : phases_)
      if (p.first == phase) {
        p.second += s;
        return;
      }
    phases_.emplace_back(phase, s);
  }

private:
  std::vector<std::pair<std::string, double>>& phases_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace moonwalk::reference::methods
