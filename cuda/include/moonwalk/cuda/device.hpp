// What the CUDA runtime reports about the devices of this machine. Plain C++
// so that host code links against it without nvcc.
#pragma once

#include <string>

namespace moonwalk::cuda {

struct DeviceInfo {
  bool available = false;
  int count = 0;
  std::string name;     // of device 0
  std::string reason;   // why none is available, from the runtime
  int compute_major = 0, compute_minor = 0;
  std::size_t global_memory = 0;
};

DeviceInfo query_device();

// Exit code of a GPU test that found no device: ctest shows it as skipped.
inline constexpr int kSkipReturnCode = 77;

}  // namespace moonwalk::cuda
