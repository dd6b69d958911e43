// The readers of what a person or another program hands the tools: network
// specs, vector and results files, replay strings. A spec as `vectors export`
// writes it reads back to the same network; any single-byte corruption of it
// reads to a valid network or is refused in the project's words, never
// anything else; every refusal of a vector file names the file and the JSON
// path.
#include "moonwalk/verify/cases.hpp"
#include "moonwalk/verify/json_file.hpp"
#include "moonwalk/verify/methods.hpp"
#include "moonwalk/verify/networks.hpp"
#include "moonwalk/verify/vector_reader.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

using namespace moonwalk;
using namespace moonwalk::verify;

namespace {

// Small enough that a corrupted size cannot take the machine's memory.
constexpr std::size_t kReaderBytes = std::size_t{64} << 20;

// Reads `text` as a spec: "" when it gives a network, the refusal otherwise.
// Any other exception escapes and fails the test.
std::string read_spec(const std::string& text) {
  try {
    problem_from_json(parse_json_text("net.json", text), kReaderBytes);
    return "";
  } catch (const config::ConfigError& e) {
    return e.what();
  } catch (const reference::Error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("spec reader: an exported spec reads back to the identical network", "[readers][spec]") {
  for (NetClass c : all_net_classes()) {
    const Problem p = make_network(c, Shape{2, 3, 2, 2, 1, 5});
    const nlohmann::json spec = problem_json(p);
    const Problem q = problem_from_json(parse_json_text("net.json", spec.dump(1)));
    INFO(net_class_name(c));
    CHECK(problem_json(q) == spec);
    CHECK(q.x0 == p.x0);
  }
}

TEST_CASE("spec reader: any single-byte corruption reads to a network or is refused in words", "[readers][spec]") {
  const std::string text = problem_json(make_network(NetClass::conv_relu, Shape{2, 2, 3, 2, 1, 9})).dump();
  std::mt19937_64 g(3);
  int refused = 0, read = 0;
  const char replacements[] = {'9', '-', '"', '}', 'e', '\0', '\xff', ' '};
  for (std::size_t i = 0; i < text.size(); ++i)
    for (int k = 0; k < 2; ++k) {
      std::string t = text;
      t[i] = replacements[g() % sizeof replacements];
      if (t == text) continue;
      INFO("byte " << i << " of " << text.size() << ": " << t.substr(i > 40 ? i - 40 : 0, 80));
      const std::string why = read_spec(t);
      if (why.empty()) {
        ++read;
        continue;
      }
      ++refused;
      CHECK(why.find("json.exception") == std::string::npos);
    }
  INFO(read << " read, " << refused << " refused");
  CHECK(refused > 0);
}

TEST_CASE("spec reader: a value beyond double's range is refused with its path", "[readers][spec]") {
  const std::string spec = R"({"layers": [{"op": "dense", "in": 1, "out": 1, "params": ["1e400", "0"]}],
                               "loss": {"type": "mse"}})";
  CHECK_THAT(read_spec(spec), Catch::Contains("layers[0].params[0]: \"1e400\" is beyond the range of double"));
  CHECK_THAT(read_spec(R"({"layers": [{"op": "dense", "in": 1, "out": 1, "params": ["0x1p3", "0"]}], "loss": {"type": "mse"}})"),
             Catch::Contains("layers[0].params[0]: \"0x1p3\" is not a finite decimal number"));
}

namespace {

// One relu case, as `vectors export` writes them, with `edit` applied.
std::string vector_refusal(const std::function<void(nlohmann::json&)>& edit, const std::string& format = kVectorFormat) {
  auto m = [](int rows, int cols) {
    nlohmann::json data = nlohmann::json::array();
    for (int i = 0; i < rows * cols; ++i) data.push_back("0.5");
    return nlohmann::json{{"rows", rows}, {"cols", cols}, {"data", data}};
  };
  nlohmann::json c{{"name", "relu-0"},     {"config", {{"dim", 2}}}, {"params", m(0, 1)},   {"x", m(2, 1)},
                   {"xdot", m(2, 1)},      {"pdot", m(0, 1)},       {"delta", m(2, 1)},    {"g", m(2, 1)},
                   {"fragment", m(0, 1)},  {"expected", {{"forward", m(2, 1)}}},
                   {"tolerance", {{"float", {{"forward", 1e-6}}}, {"double", {{"forward", 1e-15}}}}},
                   {"reference_error", {{"float", {{"forward", 0}}}, {"double", {{"forward", 0}}}}}};
  nlohmann::json doc{{"format", kVectorFormat}, {"version", 1}, {"operator", "relu"}, {"cases", {c}}};
  edit(doc);
  try {
    check_vector_document("relu.json", doc, format, kReaderBytes);
    return "";
  } catch (const config::ConfigError& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("vector reader: every refusal names the file and the JSON path", "[readers][vectors]") {
  CHECK(vector_refusal([](nlohmann::json&) {}).empty());
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d = nlohmann::json::array(); }),
             Catch::Equals("relu.json: not a moonwalk-vectors version 1 file"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d.erase("cases"); }), Catch::Equals("relu.json: (top): missing 'cases'"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d["cases"][0]["expected"]["forward"]["data"][1] = "abc"; }),
             Catch::Equals("relu.json: cases[0].expected.forward.data[1]: \"abc\" is not a finite decimal number"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d["cases"][0]["x"] = {{"rows", 1}, {"cols", 2}, {"data", {"1", "2"}}}; }),
             Catch::Equals("relu.json: cases[0].x: is 1 × 2, expected 2 × any"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d["cases"][0]["x"]["rows"] = 1; }),
             Catch::Equals("relu.json: cases[0].x.data: must have 1 entries, has 2"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d["cases"][0]["tolerance"]["double"].erase("forward"); }),
             Catch::Equals("relu.json: cases[0].tolerance.double: missing 'forward'"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) { d["cases"][0]["config"]["dim"] = -2; }),
             Catch::StartsWith("relu.json: cases[0].config.dim: must be at least 1"));
  // Sizes whose product wraps around, with no data: refused before allocating.
  CHECK_THAT(vector_refusal([](nlohmann::json& d) {
               d["cases"][0]["g"] = {{"rows", 4294967296LL}, {"cols", 4294967296LL}, {"data", nlohmann::json::array()}};
             }),
             Catch::StartsWith("relu.json: cases[0].g: 4294967296 × 4294967296 does not match"));
  CHECK_THAT(vector_refusal([](nlohmann::json& d) {
               d["operator"] = "dense";
               d["cases"][0]["config"] = {{"in", 1000000}, {"out", 1000000}};
             }),
             Catch::Contains("relu.json: cases[0].config: this operator needs"));
  CHECK_THAT(vector_refusal([](nlohmann::json&) {}, kNetworkVectorFormat),
             Catch::Equals("relu.json: not a moonwalk-network-vectors version 1 file"));
}

TEST_CASE("vector reader: network and results files name the path too", "[readers][vectors]") {
  nlohmann::json net{{"format", kNetworkVectorFormat},
                     {"version", 1},
                     {"cases", {{{"name", "n"}, {"network", {{"layers", {{{"op", "dnse"}}}}, {"loss", {{"type", "mse"}}}}}}}}};
  CHECK_THROWS_WITH(check_vector_document("networks.json", net, kNetworkVectorFormat, kReaderBytes),
                    Catch::StartsWith("networks.json: cases[0].network: layers[0].op: \"dnse\" is not an operator"));
  nlohmann::json results{{"format", kResultsFormat}, {"version", 1},
                         {"results", {{{"case", "dense-0"}, {"precision", "float"}, {"output", "forward"}}}}};
  CHECK_THROWS_WITH(check_vector_document("mine.json", results, kResultsFormat, kReaderBytes),
                    Catch::Equals("mine.json: results[0]: missing 'values'"));
  const auto dir = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(read_vector_file(dir, kVectorFormat), Catch::EndsWith("is a directory, not a JSON file"));
}

TEST_CASE("replay string: what is printed reads back, and nothing else is accepted", "[readers][shape]") {
  std::mt19937_64 g(5);
  for (int k = 0; k < 100; ++k) {
    const Shape s = random_shape(g);
    const Shape t = parse_shape(format_shape(s));
    CHECK(format_shape(t) == format_shape(s));
  }
  for (const char* bad : {"1,1,1,1,0,-5", "1,1,1,1,0,5x", " 1,1,1,1,0,5", "1,1,1,1,0,", "1,1,1,1,4,5", "65,1,1,1,0,5",
                          "1,1,1,1,0,18446744073709551616", "1,,1,1,0,5", "1,1,1,1,0,5,6", ""})
    CHECK_THROWS_AS(parse_shape(bad), std::invalid_argument);
  CHECK(parse_shape("1,1,1,1,0,18446744073709551615").seed == UINT64_MAX);
}
