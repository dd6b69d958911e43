// Reading the JSON files a person or another program hands the tools
// (network specs, conformance vectors, results): every refusal names the
// file, and within it the JSON path (config::Node), in the project's words.
#pragma once

#include "moonwalk/reference/ops/op_config.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace moonwalk::verify {

// An input file that is not there (exit code 66, not 65: nothing was read).
struct NoInputError : config::ConfigError {
  using config::ConfigError::ConfigError;
};

// `text` as JSON; a refusal names `name` (the file it came from).
inline nlohmann::json parse_json_text(const std::string& name, const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the library's tag;
    // also a number beyond double's range ("[json.exception.out_of_range.406] number overflow parsing '1e999'").
    std::string why = e.what();
    if (const auto cut = why.find("] "); cut != std::string::npos) why = why.substr(cut + 2);
    throw config::ConfigError(name + ": not JSON: " + why);
  }
}

inline nlohmann::json read_json_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw NoInputError(path + ": no such file");
  if (std::filesystem::is_directory(status)) throw config::ConfigError(path + ": is a directory, not a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config::ConfigError(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(path, text.str());
}

// f() with the file's name put before any refusal it makes.
template <class F> auto in_file(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const config::ConfigError& e) {
    throw config::ConfigError(path + ": " + e.what());
  }
}

}  // namespace moonwalk::verify
