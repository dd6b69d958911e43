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

// A library's message shows as "[json.exception.…", at the start or after a
// path ("layers[0]: [json.exception.…"); a parse error may quote the input,
// which may say anything, after "last read:".
inline void require_words(const std::string& why) {
  const std::string quoted_from = why.substr(0, why.find("last read:"));
  if (why.empty() || quoted_from.rfind("[json.exception", 0) == 0 || quoted_from.find(": [json.exception") != std::string::npos) {
    std::fprintf(stderr, "a refusal not in the project's words: '%s'\n", why.c_str());
    std::abort();
  }
}

}  // namespace moonwalk::fuzz
