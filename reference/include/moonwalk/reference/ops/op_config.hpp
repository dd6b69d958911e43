// An operator's configuration: what, besides its flat parameter vector θ, a
// backend needs to build it (the keys of docs/porting.md), read from JSON and
// written back. One reader for the reference and the CUDA path alike; it needs
// nlohmann-json only (no Eigen, no Boost), so a CUDA-only build can use it.
// Every refusal names the JSON path of the offending value.
#pragma once

#include "moonwalk/reference/ops/conv_spec.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace moonwalk::config {

using json = nlohmann::json;
using Index = std::ptrdiff_t;
using reference::Conv1dSpec;
using reference::Conv2dSpec;
using reference::ConvStrategy;
using reference::Padding;

// A refusal of a configuration or spec: "layers[3].kernel: must be a positive integer, got -1".
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A JSON value and where it sits, for messages that say where.
class Node {
public:
  Node(const json& value, std::string path) : v_(&value), path_(std::move(path)) {}

  const json& value() const { return *v_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& why) const { throw ConfigError((path_.empty() ? "(top)" : path_) + ": " + why); }

  bool has(const char* key) const { return v_->is_object() && v_->contains(key); }
  Node at(const char* key) const {
    if (!v_->is_object()) fail(std::string("must be an object with '") + key + "', got " + kind());
    if (!v_->contains(key)) fail(std::string("missing '") + key + "'");
    return Node(v_->at(key), path_.empty() ? key : path_ + "." + key);
  }
  Node at(std::size_t i) const { return Node(v_->at(i), path_ + "[" + std::to_string(i) + "]"); }
  std::size_t size() const { return v_->size(); }
  // An array, of any length when n < 0.
  const Node& array(long n = -1) const {
    if (!v_->is_array()) fail("must be an array, got " + kind());
    if (n >= 0 && static_cast<long>(v_->size()) != n)
      fail("must have " + std::to_string(n) + " entries, has " + std::to_string(v_->size()));
    return *this;
  }

  // An integer ≥ lo.
  Index integer(Index lo) const {
    if (!v_->is_number_integer()) fail("must be an integer, got " + kind());
    const Index v = v_->get<Index>();
    if (v < lo) fail("must be at least " + std::to_string(lo) + ", got " + std::to_string(v));
    return v;
  }
  Index dim(const char* key) const { return at(key).integer(1); }
  Index dim(const char* key, Index otherwise) const { return has(key) ? dim(key) : otherwise; }
  std::string text() const {
    if (!v_->is_string()) fail("must be a string, got " + kind());
    return v_->get<std::string>();
  }
  // One of the names `allowed`, as its position in the list.
  int choice(std::initializer_list<const char*> allowed) const {
    const std::string s = text();
    int k = 0;
    std::string names;
    for (const char* a : allowed) {
      if (s == a) return k;
      names += (k++ ? ", " : "") + std::string(a);
    }
    fail("\"" + s + "\" is not one of " + names);
  }
  // A finite decimal: a JSON number, or a string in decimal notation
  // ([+-]digits[.digits][e[+-]digits], as the vectors write 50-digit values;
  // no hexadecimal, no spaces, nothing after), read to long double.
  long double decimal() const {
    if (v_->is_number()) {
      const long double v = v_->get<long double>();
      if (!std::isfinite(v)) fail("is not a finite number");
      return v;
    }
    if (!v_->is_string()) fail("must be a decimal number, got " + kind());
    const std::string s = v_->get<std::string>();
    char* end = nullptr;
    errno = 0;
    const long double v = decimal_notation(s) ? std::strtold(s.c_str(), &end) : 0;
    if (!end || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
      fail("\"" + s + "\" is not a finite decimal number");
    return v;
  }

private:
  static bool decimal_notation(const std::string& s) {
    std::size_t i = 0;
    auto digits = [&] {
      const std::size_t from = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
      return i > from;
    };
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (!digits()) return false;
    }
    return i == s.size();
  }
  std::string kind() const {
    switch (v_->type()) {
      case json::value_t::null: return "null";
      case json::value_t::object: return "an object";
      case json::value_t::array: return "an array";
      case json::value_t::string: return "a string";
      case json::value_t::boolean: return "a boolean";
      case json::value_t::binary: return "binary data";
      case json::value_t::discarded: return "nothing";
      default: return "a number";
    }
  }

  const json* v_;
  std::string path_;
};

// One configuration per operator of the list, named as the operator.
struct Dense {
  Index in = 1, out = 1;
};
struct LeakyRelu {
  Index dim = 1;
  long double alpha = 0.5;
};
struct Relu {
  Index dim = 1;
};
struct Tanh {
  Index dim = 1;
};
struct AdditiveCoupling {
  Index half = 1, hidden = 1;
};
struct GlobalAvgPool {
  Index channels = 1, positions = 1;
};
using Conv1d = Conv1dSpec;
struct PatchDownsample1d {
  Index in_channels = 1, out_channels = 1, width = 1, patch = 1;
};
using Conv2d = Conv2dSpec;
struct PatchDownsample2d {
  Index in_channels = 1, out_channels = 1, height = 1, width = 1, patch = 1;
};
struct SpaceToDepth {
  Index channels = 1, height = 1, width = 1, block = 1;
};

namespace detail {
inline Padding padding(const Node& n) {
  return n.at("padding").choice({"zero", "circular"}) == 0 ? Padding::zero : Padding::circular;
}
// "auto" sets `automatic` and leaves the placeholder dense, valid with any padding.
template <class Spec> void strategy(const Node& n, Spec& c) {
  constexpr ConvStrategy all[] = {ConvStrategy::dense, ConvStrategy::banded, ConvStrategy::fft, ConvStrategy::blocked,
                                  ConvStrategy::dense};
  const int k = n.at("strategy").choice({"dense", "banded", "fft", "blocked", "auto"});
  c.strategy = all[k];
  c.automatic = k == 4;
}
template <class Spec> const char* strategy_name(const Spec& c) {
  return c.automatic ? "auto" : reference::conv_strategy_name(c.strategy);
}
}  // namespace detail

inline void read(const Node& n, Dense& c) { c = {n.dim("in"), n.dim("out")}; }
inline void read(const Node& n, LeakyRelu& c) {
  c.dim = n.dim("dim");
  c.alpha = n.at("alpha").decimal();
  if (!(c.alpha > 0)) n.at("alpha").fail("must be positive (0 is relu, which needs fragments)");
}
inline void read(const Node& n, Relu& c) { c.dim = n.dim("dim"); }
inline void read(const Node& n, Tanh& c) { c.dim = n.dim("dim"); }
inline void read(const Node& n, AdditiveCoupling& c) { c = {n.dim("half"), n.dim("hidden")}; }
inline void read(const Node& n, GlobalAvgPool& c) { c = {n.dim("channels"), n.dim("positions")}; }
inline void read(const Node& n, Conv1d& c) {
  c.in_channels = n.dim("in_channels");
  c.out_channels = n.dim("out_channels");
  c.width = n.dim("width");
  c.kernel = n.dim("kernel");
  c.block = n.dim("block", c.width);  // one block spanning the positions
  c.padding = detail::padding(n);
  detail::strategy(n, c);
}
inline void read(const Node& n, PatchDownsample1d& c) {
  c = {n.dim("in_channels"), n.dim("out_channels"), n.dim("width"), n.dim("patch")};
}
inline void read(const Node& n, Conv2d& c) {
  c.in_channels = n.dim("in_channels");
  c.out_channels = n.dim("out_channels");
  c.height = n.dim("height");
  c.width = n.dim("width");
  c.kernel = n.dim("kernel");
  c.block = n.dim("block", c.height);  // one block spanning the rows
  c.padding = detail::padding(n);
  detail::strategy(n, c);
}
inline void read(const Node& n, PatchDownsample2d& c) {
  c = {n.dim("in_channels"), n.dim("out_channels"), n.dim("height"), n.dim("width"), n.dim("patch")};
}
inline void read(const Node& n, SpaceToDepth& c) {
  c = {n.dim("channels"), n.dim("height"), n.dim("width"), n.dim("block")};
}
template <class Config> Config read(const Node& n) {
  Config c;
  read(n, c);
  return c;
}

// What an operator of that configuration holds, in scalars, before anything
// is built: its input and output per sample, its parameters, and the largest
// dense matrix it materialises (the convolutions' dense strategy factors J).
// Readers refuse a spec whose sizes exceed a memory limit from these.
struct Dims {
  Index in = 0, out = 0, params = 0, materialised = 0;
};
inline Dims dims(const Dense& c) { return {c.in, c.out, c.out * c.in + c.out}; }
inline Dims dims(const LeakyRelu& c) { return {c.dim, c.dim, 0}; }
inline Dims dims(const Relu& c) { return {c.dim, c.dim, 0}; }
inline Dims dims(const Tanh& c) { return {c.dim, c.dim, 0}; }
inline Dims dims(const AdditiveCoupling& c) {
  return {2 * c.half, 2 * c.half, 2 * (2 * c.half * c.hidden + c.hidden + c.half)};
}
inline Dims dims(const GlobalAvgPool& c) { return {c.channels * c.positions, c.channels, 0}; }
inline Dims dims(const Conv1d& c) {
  const Index in = c.in_channels * c.width, out = c.out_channels * c.width;
  return {in, out, c.out_channels * c.in_channels * c.kernel + c.out_channels,
          (c.automatic ? out <= reference::kAutoDenseRows : c.strategy == ConvStrategy::dense) ? in * out : 0};
}
inline Dims dims(const PatchDownsample1d& c) {
  return {c.in_channels * c.width, c.out_channels * (c.width / c.patch),
          c.out_channels * c.in_channels * c.patch + c.out_channels};
}
inline Dims dims(const Conv2d& c) {
  const Index in = c.in_channels * c.height * c.width, out = c.out_channels * c.height * c.width;
  return {in, out, c.out_channels * c.in_channels * c.kernel * c.kernel + c.out_channels,
          (c.automatic ? out <= reference::kAutoDenseRows : c.strategy == ConvStrategy::dense) ? in * out : 0};
}
inline Dims dims(const PatchDownsample2d& c) {
  return {c.in_channels * c.height * c.width, c.out_channels * (c.height / c.patch) * (c.width / c.patch),
          c.out_channels * c.in_channels * c.patch * c.patch + c.out_channels};
}
inline Dims dims(const SpaceToDepth& c) {
  const Index n = c.channels * c.height * c.width;
  return {n, n, 0};
}

// The way back; `alpha` is written by the caller, who knows its precision.
inline json write(const Dense& c) { return {{"in", c.in}, {"out", c.out}}; }
inline json write(const Relu& c) { return {{"dim", c.dim}}; }
inline json write(const Tanh& c) { return {{"dim", c.dim}}; }
inline json write(const AdditiveCoupling& c) { return {{"half", c.half}, {"hidden", c.hidden}}; }
inline json write(const GlobalAvgPool& c) { return {{"channels", c.channels}, {"positions", c.positions}}; }
inline json write(const Conv1d& c) {
  return {{"in_channels", c.in_channels}, {"out_channels", c.out_channels}, {"width", c.width},
          {"kernel", c.kernel}, {"padding", reference::padding_name(c.padding)},
          {"strategy", detail::strategy_name(c)}, {"block", c.block}};
}
inline json write(const PatchDownsample1d& c) {
  return {{"in_channels", c.in_channels}, {"out_channels", c.out_channels}, {"width", c.width}, {"patch", c.patch}};
}
inline json write(const Conv2d& c) {
  return {{"in_channels", c.in_channels}, {"out_channels", c.out_channels}, {"height", c.height},
          {"width", c.width}, {"kernel", c.kernel}, {"padding", reference::padding_name(c.padding)},
          {"strategy", detail::strategy_name(c)}, {"block", c.block}};
}
inline json write(const PatchDownsample2d& c) {
  return {{"in_channels", c.in_channels}, {"out_channels", c.out_channels}, {"height", c.height},
          {"width", c.width}, {"patch", c.patch}};
}

inline json write(const SpaceToDepth& c) {
  return {{"channels", c.channels}, {"height", c.height}, {"width", c.width}, {"block", c.block}};
}

}  // namespace moonwalk::config
