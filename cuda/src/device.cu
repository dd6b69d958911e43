#include "moonwalk/cuda/device.hpp"

#include <cuda_runtime.h>

namespace moonwalk::cuda {

DeviceInfo query_device() {
  DeviceInfo info;
  const cudaError_t err = cudaGetDeviceCount(&info.count);
  if (err != cudaSuccess) {
    info.count = 0;
    info.reason = cudaGetErrorString(err);
    return info;
  }
  if (info.count == 0) {
    info.reason = "no CUDA device";
    return info;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    info.reason = "cudaGetDeviceProperties failed";
    return info;
  }
  info.available = true;
  info.name = prop.name;
  info.compute_major = prop.major;
  info.compute_minor = prop.minor;
  info.global_memory = prop.totalGlobalMem;
  return info;
}

}  // namespace moonwalk::cuda
