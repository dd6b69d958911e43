// A device, a stream, the cuBLAS and cuSOLVER handles and the memory arena.
// Every operator works on the stream of the context it was made with; results
// are ready when a download returns (or after synchronize()). A context
// outlives everything made with it.
#pragma once

#include "moonwalk/cuda/arena.hpp"
#include "moonwalk/cuda/device.hpp"

#include <memory>

namespace moonwalk::cuda {

class Context {
public:
  // Throws NoDevice when the runtime finds no usable device.
  explicit Context(int device = 0);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  Arena& arena() const { return *arena_; }
  const DeviceInfo& device() const { return info_; }
  // Waits for the stream; throws Error naming `op` on an asynchronous error.
  void synchronize(const char* op = "cuda") const;

  // The stream and library handles (defined in cuda/src/handles.cuh).
  struct Handles;
  Handles& handles() const { return *handles_; }

  // cuBLAS's workspace, taken from the arena (working set) so that it is counted.
  static constexpr std::size_t kBlasWorkspaceBytes = std::size_t{4} << 20;

private:
  DeviceInfo info_;
  std::unique_ptr<Handles> handles_;
  std::unique_ptr<Arena> arena_;
  DeviceBuffer blas_workspace_;
};

}  // namespace moonwalk::cuda
