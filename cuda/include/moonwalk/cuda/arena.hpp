// The device memory arena: every device allocation of the CUDA path goes
// through it, tagged with one of the reference ledger's categories
// (reference/ledger.hpp), so that the bytes a method holds are measured, not
// estimated. It keeps, per category and in all, the bytes held now and at
// the peak; the stream-ordered memory pool underneath (one per arena) reports
// its own high-water marks as a cross-check that nothing bypasses the arena.
// Counts are the bytes asked for, as the ledger counts them; the pool's
// figures include its rounding.
#pragma once

#include "moonwalk/cuda/error.hpp"
#include "moonwalk/reference/ledger.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace moonwalk::cuda {

using Category = reference::Category;
using reference::category_name;
using reference::kCategories;

class Arena;

// Bytes on the device, owned, handed back to the arena when destroyed.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(Arena& arena, Category category, std::size_t bytes);
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { reset(); }

  void* data() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }
  Category category() const { return category_; }
  Arena* arena() const { return arena_; }
  // The same bytes now count toward another category (a working value that
  // a method decides to keep, say).
  void retag(Category category);
  void reset() noexcept;

private:
  Arena* arena_ = nullptr;
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
  Category category_ = Category::working_set;
};

// The pool's own view, in bytes: in use and reserved from the device, now
// and at their high-water marks (since the arena was made or its peaks reset).
struct PoolUsage {
  std::uint64_t used = 0, used_high = 0, reserved = 0, reserved_high = 0;
};

class Arena {
public:
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  std::size_t current(Category c) const { return ledger_.current(c); }
  std::size_t peak(Category c) const { return ledger_.peak(c); }
  // Layer inputs + input residuals + fragments + anchors, as the ledger defines it.
  std::size_t stored() const { return ledger_.stored(); }
  std::size_t peak_stored() const { return ledger_.peak_stored(); }
  std::size_t current_total() const { return total_; }
  std::size_t peak_total() const { return peak_total_; }
  std::size_t live_buffers() const { return live_; }
  const reference::Ledger& ledger() const { return ledger_; }
  // Peaks start again from what is held now (per method run, say).
  void reset_peaks();
  PoolUsage pool_usage() const;
  // The cudaStream_t that every allocation, copy and kernel is ordered on.
  void* stream() const { return stream_; }

  // While a Redirect lives, what is asked for in `from` is counted in `to`:
  // a residual that a method derives for one step is working set, not a kept
  // residual, whichever category the operator gives it.
  class Redirect {
  public:
    Redirect(Arena& a, Category from, Category to) : a_(&a), from_(from), previous_(a.redirect_[index(from)]) {
      a.redirect_[index(from)] = to;
    }
    ~Redirect() { a_->redirect_[index(from_)] = previous_; }
    Redirect(const Redirect&) = delete;
    Redirect& operator=(const Redirect&) = delete;

  private:
    Arena* a_;
    Category from_, previous_;
  };
  // The category an allocation asked for in c is counted in now.
  Category counted_as(Category c) const { return redirect_[index(c)]; }

private:
  friend class Context;
  friend class DeviceBuffer;
  Arena(void* stream, int device);
  void* allocate(Category c, std::size_t bytes);
  void deallocate(void* p, Category c, std::size_t bytes) noexcept;
  void retag(Category from, Category to, std::size_t bytes);
  static std::size_t index(Category c) { return static_cast<std::size_t>(c); }

  reference::Ledger ledger_;
  static constexpr std::array<Category, kCategories> identity() {
    std::array<Category, kCategories> a{};
    for (std::size_t k = 0; k < kCategories; ++k) a[k] = static_cast<Category>(k);
    return a;
  }
  std::array<Category, kCategories> redirect_ = identity();
  std::size_t total_ = 0, peak_total_ = 0, live_ = 0;
  void* stream_ = nullptr;
  void* pool_ = nullptr;
};

}  // namespace moonwalk::cuda
