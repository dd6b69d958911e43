#include "handles.cuh"
#include "moonwalk/cuda/tensor.hpp"

#include <algorithm>
#include <cstring>

namespace moonwalk::cuda {

// ---- Arena ----------------------------------------------------------------

Arena::Arena(void* stream, int device) : stream_(stream) {
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPool_t pool = nullptr;
  check(cudaMemPoolCreate(&pool, &props), "cuda", "cudaMemPoolCreate");
  // Keep freed memory in the pool: later allocations reuse it without a sync.
  std::uint64_t keep = UINT64_MAX;
  check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep), "cuda", "cudaMemPoolSetAttribute");
  pool_ = pool;
}

Arena::~Arena() {
  cudaStreamSynchronize(static_cast<cudaStream_t>(stream_));
  cudaMemPoolDestroy(static_cast<cudaMemPool_t>(pool_));
}

void* Arena::allocate(Category c, std::size_t bytes) {
  if (bytes == 0) return nullptr;
  void* p = nullptr;
  const cudaError_t e = cudaMallocFromPoolAsync(&p, bytes, static_cast<cudaMemPool_t>(pool_),
                                                static_cast<cudaStream_t>(stream_));
  if (e != cudaSuccess) {
    fail("cuda", std::string("arena: cannot allocate ") + std::to_string(bytes) + " bytes of " + category_name(c) +
                     " (" + std::to_string(total_) + " held): " + cudaGetErrorString(e));
  }
  ledger_.hold(c, bytes);
  total_ += bytes;
  peak_total_ = std::max(peak_total_, total_);
  ++live_;
  return p;
}

void Arena::deallocate(void* p, Category c, std::size_t bytes) noexcept {
  if (!p) return;
  cudaFreeAsync(p, static_cast<cudaStream_t>(stream_));
  // Releasing what DeviceBuffer holds never exceeds what was held.
  try {
    ledger_.release(c, bytes);
  } catch (...) {
  }
  total_ -= bytes;
  --live_;
}

void Arena::retag(Category from, Category to, std::size_t bytes) {
  if (from == to || bytes == 0) return;
  ledger_.release(from, bytes);
  ledger_.hold(to, bytes);
}

void Arena::reset_peaks() {
  reference::Ledger fresh;
  for (std::size_t i = 0; i < kCategories; ++i) {
    const auto c = static_cast<Category>(i);
    fresh.hold(c, ledger_.current(c));
  }
  ledger_ = fresh;
  peak_total_ = total_;
  std::uint64_t zero = 0;
  auto pool = static_cast<cudaMemPool_t>(pool_);
  check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &zero), "cuda", "cudaMemPoolSetAttribute");
  check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReservedMemHigh, &zero), "cuda", "cudaMemPoolSetAttribute");
}

PoolUsage Arena::pool_usage() const {
  PoolUsage u;
  auto pool = static_cast<cudaMemPool_t>(pool_);
  check(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &u.used), "cuda", "cudaMemPoolGetAttribute");
  check(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemHigh, &u.used_high), "cuda", "cudaMemPoolGetAttribute");
  check(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &u.reserved), "cuda",
        "cudaMemPoolGetAttribute");
  check(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemHigh, &u.reserved_high), "cuda",
        "cudaMemPoolGetAttribute");
  return u;
}

// ---- DeviceBuffer -------------------------------------------------------------

DeviceBuffer::DeviceBuffer(Arena& arena, Category category, std::size_t bytes)
    : arena_(&arena), bytes_(bytes), category_(arena.counted_as(category)) {
  ptr_ = arena.allocate(category_, bytes);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : arena_(o.arena_), ptr_(o.ptr_), bytes_(o.bytes_), category_(o.category_) {
  o.arena_ = nullptr, o.ptr_ = nullptr, o.bytes_ = 0;
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    arena_ = o.arena_, ptr_ = o.ptr_, bytes_ = o.bytes_, category_ = o.category_;
    o.arena_ = nullptr, o.ptr_ = nullptr, o.bytes_ = 0;
  }
  return *this;
}

void DeviceBuffer::retag(Category category) {
  if (arena_ && ptr_) arena_->retag(category_, category, bytes_);
  category_ = category;
}

void DeviceBuffer::reset() noexcept {
  if (arena_ && ptr_) arena_->deallocate(ptr_, category_, bytes_);
  ptr_ = nullptr, bytes_ = 0;
}

// ---- Context --------------------------------------------------------------------

Context::Context(int device) : info_(query_device()), handles_(std::make_unique<Handles>()) {
  if (!info_.available) throw NoDevice(info_.reason);
  if (device < 0 || device >= info_.count) throw NoDevice("device " + std::to_string(device) + " does not exist");
  handles_->device = device;
  check(cudaSetDevice(device), "cuda", "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&handles_->stream, cudaStreamNonBlocking), "cuda", "cudaStreamCreate");
  check(cublasCreate(&handles_->blas), "cuda", "cublasCreate");
  check(cublasSetStream(handles_->blas, handles_->stream), "cuda", "cublasSetStream");
  // Full float and double arithmetic: no TF32 or reduced-precision reductions,
  // whatever the environment asks for.
  check(cublasSetMathMode(handles_->blas, CUBLAS_PEDANTIC_MATH), "cuda", "cublasSetMathMode");
  check(cusolverDnCreate(&handles_->solver), "cuda", "cusolverDnCreate");
  check(cusolverDnSetStream(handles_->solver, handles_->stream), "cuda", "cusolverDnSetStream");
  arena_.reset(new Arena(handles_->stream, device));
  blas_workspace_ = DeviceBuffer(*arena_, Category::working_set, kBlasWorkspaceBytes);
  check(cublasSetWorkspace(handles_->blas, blas_workspace_.data(), kBlasWorkspaceBytes), "cuda", "cublasSetWorkspace");
}

Context::~Context() {
  if (!handles_) return;
  cudaStreamSynchronize(handles_->stream);
  if (handles_->solver) cusolverDnDestroy(handles_->solver);
  if (handles_->blas) cublasDestroy(handles_->blas);
  blas_workspace_.reset();
  arena_.reset();
  if (handles_->stream) cudaStreamDestroy(handles_->stream);
}

void Context::synchronize(const char* op) const {
  check(cudaStreamSynchronize(handles_->stream), op, "asynchronous error");
}

// ---- DeviceMatrix, DeviceBitMask ----------------------------------------------------

namespace {
std::size_t checked_bytes(Index rows, Index cols, std::size_t scalar) {
  require(rows >= 0 && cols >= 0, "cuda", "matrix dimensions must be non-negative");
  return static_cast<std::size_t>(rows * cols) * scalar;
}
}  // namespace

template <class S>
DeviceMatrix<S>::DeviceMatrix(Arena& arena, Index rows, Index cols, Category c)
    : buf_(arena, c, checked_bytes(rows, cols, sizeof(S))), rows_(rows), cols_(cols) {}

template <class S> DeviceMatrix<S> DeviceMatrix<S>::upload(Arena& arena, const HostMatrix<S>& m, Category c) {
  require(static_cast<Index>(m.data.size()) == m.rows * m.cols, "cuda", "host matrix: data size differs from rows × cols");
  DeviceMatrix<S> d(arena, m.rows, m.cols, c);
  if (d.size())
    check(cudaMemcpyAsync(d.data(), m.data.data(), d.bytes(), cudaMemcpyHostToDevice,
                          static_cast<cudaStream_t>(arena.stream())),
          "cuda", "upload");
  return d;
}

template <class S> HostMatrix<S> DeviceMatrix<S>::download() const {
  HostMatrix<S> m(rows_, cols_);
  if (size()) {
    auto stream = static_cast<cudaStream_t>(arena()->stream());
    check(cudaMemcpyAsync(m.data.data(), data(), bytes(), cudaMemcpyDeviceToHost, stream), "cuda", "download");
    check(cudaStreamSynchronize(stream), "cuda", "download");
  }
  return m;
}

template <class S> void DeviceMatrix<S>::fill_zero() {
  if (size()) check(cudaMemsetAsync(data(), 0, bytes(), static_cast<cudaStream_t>(arena()->stream())), "cuda", "memset");
}

template <class S> DeviceMatrix<S> DeviceMatrix<S>::copy(Category c) const {
  require(arena() != nullptr || size() == 0, "cuda", "copy of a matrix without storage");
  if (!arena()) return DeviceMatrix<S>();
  DeviceMatrix<S> d(*arena(), rows_, cols_, c);
  if (size())
    check(cudaMemcpyAsync(d.data(), data(), bytes(), cudaMemcpyDeviceToDevice, static_cast<cudaStream_t>(arena()->stream())),
          "cuda", "copy");
  return d;
}

template class DeviceMatrix<float>;
template class DeviceMatrix<double>;
template class DeviceMatrix<int>;
template class DeviceMatrix<Index>;
template class DeviceMatrix<unsigned long long>;
template class DeviceMatrix<char>;

DeviceBitMask::DeviceBitMask(Arena& arena, Index rows, Index cols, Category c)
    : buf_(arena, c, checked_bytes((rows * cols + 63) / 64, 1, sizeof(std::uint64_t))), rows_(rows), cols_(cols) {}

std::vector<std::uint64_t> DeviceBitMask::download() const {
  std::vector<std::uint64_t> w(static_cast<std::size_t>(words()));
  if (!w.empty()) {
    auto stream = static_cast<cudaStream_t>(buf_.arena()->stream());
    check(cudaMemcpyAsync(w.data(), data(), bytes(), cudaMemcpyDeviceToHost, stream), "cuda", "download");
    check(cudaStreamSynchronize(stream), "cuda", "download");
  }
  return w;
}

}  // namespace moonwalk::cuda
