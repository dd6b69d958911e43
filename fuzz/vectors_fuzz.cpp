// The vector and results reader (`moonwalk vectors check|judge`): any bytes
// are checked in the format their "format" key names (operator vectors when
// it names none) and pass or are refused in words.
#include "fuzz_common.hpp"

#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/vector_reader.hpp"
#include "moonwalk/reference/tensor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moonwalk;
  try {
    const nlohmann::json doc = verify::parse_json_text("v.json", std::string(reinterpret_cast<const char*>(data), size));
    std::string format = verify::kVectorFormat;
    if (doc.is_object() && doc.contains("format") && doc.at("format").is_string())
      for (const char* f : {verify::kNetworkVectorFormat, verify::kResultsFormat})
        if (doc.at("format").get<std::string>() == f) format = f;
    verify::check_vector_document("v.json", doc, format, fuzz::kMaxBytes);
  } catch (const config::ConfigError& e) {
    fuzz::require_words(e.what());
  } catch (const reference::Error& e) {
    fuzz::require_words(e.what());
  }
  return 0;
}
