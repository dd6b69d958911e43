// The configurations of the 1-D and 2-D convolutions and the names of their
// padding and vijp strategies, shared by the reference and the CUDA path. It needs
// neither Eigen nor Boost, so a CUDA-only build can include it.
#pragma once

#include <cstddef>

namespace moonwalk::reference {

enum class Padding { zero, circular };
enum class ConvStrategy { dense, banded, fft, blocked };

inline const char* padding_name(Padding p) { return p == Padding::zero ? "zero" : "circular"; }
inline const char* conv_strategy_name(ConvStrategy v) {
  switch (v) {
    case ConvStrategy::dense: return "dense";
    case ConvStrategy::banded: return "banded";
    case ConvStrategy::fft: return "fft";
    case ConvStrategy::blocked: return "blocked";
  }
  return "?";
}

// Strategy auto tries dense only up to this many Jacobian rows: its factor is cubic.
inline constexpr std::ptrdiff_t kAutoDenseRows = 1024;

struct Conv1dSpec {
  std::ptrdiff_t in_channels = 1, out_channels = 1, width = 1, kernel = 1;
  Padding padding = Padding::zero;
  ConvStrategy strategy = ConvStrategy::dense;
  std::ptrdiff_t block = 8;  // B, blocked strategy only
  bool automatic = false;    // strategy "auto": chosen from the weights (conv1d.hpp); strategy, block ignored
};

struct Conv2dSpec {
  std::ptrdiff_t in_channels = 1, out_channels = 1, height = 1, width = 1, kernel = 1;
  Padding padding = Padding::zero;
  ConvStrategy strategy = ConvStrategy::dense;
  std::ptrdiff_t block = 8;  // B, rows of positions per block; blocked strategy only
  bool automatic = false;    // strategy "auto": chosen from the weights (conv1d.hpp); strategy, block ignored
};

}  // namespace moonwalk::reference
