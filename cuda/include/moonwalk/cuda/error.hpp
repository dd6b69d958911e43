// Errors of the CUDA path: like the reference's, they name the operator (or
// "cuda" for the runtime and the libraries) and say what is wrong.
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

namespace moonwalk::cuda {

using Index = std::ptrdiff_t;

class Error : public std::runtime_error {
public:
  Error(const std::string& op, const std::string& what) : std::runtime_error(op + ": " + what) {}
};

// No usable device: a Context cannot be created. GPU tests turn it into the
// skip code (device.hpp).
class NoDevice : public Error {
public:
  explicit NoDevice(const std::string& reason) : Error("cuda", "no usable device (" + reason + ")") {}
};

[[noreturn]] inline void fail(const std::string& op, const std::string& what) { throw Error(op, what); }

inline void require(bool ok, const std::string& op, const std::string& what) {
  if (!ok) fail(op, what);
}

inline void require_rows(Index rows, Index expected, const std::string& op, const std::string& what) {
  if (rows == expected) return;
  std::ostringstream s;
  s << what << " has " << rows << " rows, expected " << expected;
  fail(op, s.str());
}

inline void require_batch(Index cols, Index batch, const std::string& op, const std::string& what) {
  if (cols == batch) return;
  std::ostringstream s;
  s << what << " and input differ in batch size (" << cols << " and " << batch << ")";
  fail(op, s.str());
}

// A parameter direction: count × 1, or empty for none (reference/tensor.hpp).
inline void require_param_dir(Index rows, Index cols, Index count, const std::string& op) {
  if ((rows == 0 || cols == 0) || (rows == count && cols == 1)) return;
  std::ostringstream s;
  s << "parameter direction has " << rows * cols << " entries, expected " << count << " (or 0 for none)";
  fail(op, s.str());
}

// The reference's wording (reference/tensor.hpp), so that both paths explain
// a missing fragment alike.
inline void require_fragment(Index got, Index expected, const std::string& op) {
  if (got == expected) return;
  std::ostringstream s;
  if (got == 0)
    s << "vijp at a non-submersive point needs its fragment (" << expected
      << " scalars: the Jacobian is not surjective there)";
  else
    s << "fragment has " << got << " scalars, expected " << expected;
  fail(op, s.str());
}

}  // namespace moonwalk::cuda
