// Counting replacements of the C allocation functions, linked into the
// `moonwalk` executable only. They forward to glibc's own implementations
// (__libc_malloc and relatives) and add or subtract malloc_usable_size of
// each block, so operator new (which calls malloc) is counted too.
#include "alloc_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <malloc.h>

// AddressSanitizer brings its own allocator, which these would bypass: a
// sanitizer build counts nothing (heap_counted() says so). gcc defines
// __SANITIZE_ADDRESS__; clang answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define MOONWALK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MOONWALK_ASAN 1
#endif
#endif

#ifndef MOONWALK_ASAN
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {

std::atomic<std::size_t> held{0}, peak{0};

void* counted(void* p) {
  if (p) {
    const std::size_t now = held.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) + malloc_usable_size(p);
    std::size_t seen = peak.load(std::memory_order_relaxed);
    while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }
  return p;
}

void uncount(void* p) {
  if (p) held.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) { return counted(__libc_malloc(n)); }
void* calloc(std::size_t n, std::size_t size) { return counted(__libc_calloc(n, size)); }
void free(void* p) {
  uncount(p);
  __libc_free(p);
}
void* realloc(void* p, std::size_t n) {
  const std::size_t before = p ? malloc_usable_size(p) : 0;
  void* q = __libc_realloc(p, n);
  if (q || n == 0) held.fetch_sub(before, std::memory_order_relaxed);  // realloc(p, 0) may free p and return null
  if (!q) return q;
  return counted(q);
}
void* memalign(std::size_t alignment, std::size_t n) { return counted(__libc_memalign(alignment, n)); }
void* aligned_alloc(std::size_t alignment, std::size_t n) { return counted(__libc_memalign(alignment, n)); }
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = __libc_memalign(alignment, n);
  if (!p && n) return ENOMEM;
  *out = counted(p);
  return 0;
}

}  // extern "C"
#endif

namespace moonwalk::tools {

#ifdef MOONWALK_ASAN
bool heap_counted() { return false; }
std::size_t heap_bytes() { return 0; }
std::size_t heap_peak_bytes() { return 0; }
void reset_heap_peak() {}
#else
bool heap_counted() { return true; }

std::size_t heap_bytes() { return held.load(std::memory_order_relaxed); }
std::size_t heap_peak_bytes() { return peak.load(std::memory_order_relaxed); }
void reset_heap_peak() { peak.store(held.load(std::memory_order_relaxed), std::memory_order_relaxed); }
#endif

}  // namespace moonwalk::tools
