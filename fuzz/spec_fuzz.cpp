// The network-spec reader (`moonwalk check --net`): any bytes read to a
// network or are refused in words.
#include "fuzz_common.hpp"

#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/methods.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moonwalk;
  try {
    verify::problem_from_json(verify::parse_json_text("net.json", std::string(reinterpret_cast<const char*>(data), size)),
                              fuzz::kMaxBytes);
  } catch (const config::ConfigError& e) {
    fuzz::require_words(e.what());
  } catch (const reference::Error& e) {
    fuzz::require_words(e.what());
  }
  return 0;
}
