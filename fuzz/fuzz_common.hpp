// What every fuzz target asserts of a refusal: it is the project's own
// (config::ConfigError or reference::Error, the caller's catch), says
// something, and does not pass a library's words on. Anything else a reader
// throws, or a crash, a hang or an allocation past libFuzzer's
// -malloc_limit_mb, is a finding. Used with libFuzzer (scripts/fuzz.sh) and
// with replay_main.cpp, which runs the committed inputs as a ctest test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace moonwalk::fuzz {

// Specs and vectors are refused when they need more than this (50-digit scalars).
inline constexpr std::size_t kMaxBytes = std::size_t{64} << 20;

// Every message of the project's starts with where (a file, a JSON path,
// "shape '…'"), never with a library's tag ("[json.exception.…"); a library
// exception that escaped the readers is not caught at all, and the fuzzer
// reports it. What comes after the start may quote the input, which may say
// anything.
inline void require_words(const std::string& why) {
  if (why.empty() || why.rfind("[json.exception", 0) == 0) {
    std::fprintf(stderr, "a refusal not in the project's words: '%s'\n", why.c_str());
    std::abort();
  }
}

}  // namespace moonwalk::fuzz
