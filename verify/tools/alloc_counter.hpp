// The bytes the `moonwalk` process holds on the heap, counted by replacing
// malloc and its relatives (alloc_counter.cpp): every Eigen matrix and every
// standard container of the float/double path is counted, at the size the
// allocator actually reserved (malloc_usable_size). `moonwalk bench` reads
// the peak of one gradient from it.
#pragma once

#include <cstddef>

namespace moonwalk::tools {

bool heap_counted();            // false in a sanitizer build, which keeps its own allocator
std::size_t heap_bytes();       // held now
std::size_t heap_peak_bytes();  // the most held since the last reset
void reset_heap_peak();         // the peak restarts from what is held now

}  // namespace moonwalk::tools
