// Reports the device and checks what the runtime says about it; without a
// device it exits with the skip code, so ctest shows it as skipped.
#include "moonwalk/cuda/device.hpp"

#include <iostream>

int main() {
  const auto info = moonwalk::cuda::query_device();
  if (!info.available) {
    std::cout << "cuda.device: skipped, no usable device (" << info.reason << ")\n";
    return moonwalk::cuda::kSkipReturnCode;
  }
  std::cout << "device 0: " << info.name << ", compute " << info.compute_major << "." << info.compute_minor << ", "
            << info.global_memory / (1 << 20) << " MiB\n";
  const bool ok = info.count > 0 && info.compute_major >= 7 && info.global_memory > 0;
  std::cout << (ok ? "1 passed, 0 failed" : "0 passed, 1 failed") << "\n";
  return ok ? 0 : 1;
}
