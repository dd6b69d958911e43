// Reading a vector or results file (docs/porting.md) for its form, before
// anything is computed from it: the format its header promises, every value a
// later step reads present, of its kind, finite and within its shape, and no
// operator configured beyond the byte limit. Every refusal is a
// config::ConfigError naming the file and the JSON path of the value
// ("dense.json: cases[3].expected.vjp_input.data[2]: \"abc\" is not a finite
// decimal number"). `vectors check` and `vectors judge` read through here, and
// fuzz/vectors_fuzz.cpp fuzzes it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace moonwalk::verify {

// The formats: operator and loss cases, network cases, a port's results.
inline constexpr const char* kVectorFormat = "moonwalk-vectors";
inline constexpr const char* kNetworkVectorFormat = "moonwalk-network-vectors";
inline constexpr const char* kResultsFormat = "moonwalk-results";

// The file read and checked (NoInputError when it is not there).
nlohmann::json read_vector_file(const std::string& path, const std::string& format);
// A document already parsed from the file `name`, checked; max_bytes bounds
// what any one case's operator or network may need (50-digit scalars).
void check_vector_document(const std::string& name, const nlohmann::json& doc, const std::string& format,
                           std::size_t max_bytes);

}  // namespace moonwalk::verify
