// Shared vocabulary of the reference: a batch is an n × B matrix with one
// column per sample; residuals keep what vjp_input needs (sign masks packed one
// bit per unit); fragments keep the part of a cotangent that a non-surjective
// Jacobian erases. Errors name the operator and what is wrong.
#pragma once

#include "moonwalk/reference/scalar.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace moonwalk::reference {

using Index = Eigen::Index;
template <class S> using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S> using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

class Error : public std::invalid_argument {
public:
  Error(const std::string& op, const std::string& what) : std::invalid_argument(op + ": " + what) {}
};

[[noreturn]] inline void fail(const std::string& op, const std::string& what) { throw Error(op, what); }

// A NaN or Inf where a finite value was required: bad data at an input, or a
// computation that broke down (an overflowing recurrence, a singular solve)
// inside a method, which names its phase and layer. Never a refusal by design.
class NonFiniteError : public Error {
public:
  using Error::Error;
};

inline void require(bool ok, const std::string& op, const std::string& what) {
  if (!ok) fail(op, what);
}

template <class Derived>
void require_finite(const Eigen::MatrixBase<Derived>& m, const std::string& op, const std::string& what) {
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      if (!is_finite(m(i, j))) {
        std::ostringstream s;
        s << what << " holds a non-finite value (" << to_double(m(i, j)) << ") at (" << i << ", " << j << ")";
        throw NonFiniteError(op, s.str());
      }
}

template <class Derived>
void require_rows(const Eigen::MatrixBase<Derived>& m, Index rows, const std::string& op, const std::string& what) {
  if (m.rows() != rows) {
    std::ostringstream s;
    s << what << " has " << m.rows() << " rows, expected " << rows;
    fail(op, s.str());
  }
}

// A layer's input batch: in_dim rows, finite.
template <class S> void require_input(const Mat<S>& x, Index in_dim, const std::string& op) {
  require_rows(x, in_dim, op, "input");
  require_finite(x, op, "input");
}

// An output cotangent for a batch of `batch` inputs: out_dim rows, finite.
template <class S> void require_cotangent(const Mat<S>& d, Index out_dim, Index batch, const std::string& op) {
  require_rows(d, out_dim, op, "output cotangent");
  require(d.cols() == batch, op, "output cotangent and input differ in batch size");
  require_finite(d, op, "output cotangent");
}

template <class A, class B>
void require_same_shape(const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b, const std::string& op,
                        const std::string& what) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    std::ostringstream s;
    s << what << ": shapes " << a.rows() << "x" << a.cols() << " and " << b.rows() << "x" << b.cols() << " differ";
    fail(op, s.str());
  }
}

// One bit per entry of a rows × cols matrix, column-major, packed in 64-bit words.
class BitMask {
public:
  BitMask() = default;
  BitMask(Index rows, Index cols) : rows_(rows), cols_(cols), words_((rows * cols + 63) / 64, 0) {}

  template <class Derived, class Pred> static BitMask from(const Eigen::MatrixBase<Derived>& m, Pred pred) {
    BitMask b(m.rows(), m.cols());
    for (Index j = 0; j < m.cols(); ++j)
      for (Index i = 0; i < m.rows(); ++i)
        if (pred(m(i, j))) b.set(i, j);
    return b;
  }

  bool operator()(Index i, Index j) const {
    const Index k = j * rows_ + i;
    return (words_[static_cast<std::size_t>(k / 64)] >> (k % 64)) & 1u;
  }
  void set(Index i, Index j) {
    const Index k = j * rows_ + i;
    words_[static_cast<std::size_t>(k / 64)] |= std::uint64_t{1} << (k % 64);
  }
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index count() const {
    Index c = 0;
    for (auto w : words_) c += __builtin_popcountll(w);
    return c;
  }
  // Bytes actually held: whole 64-bit words.
  std::size_t bytes() const { return words_.size() * sizeof(std::uint64_t); }
  std::size_t bits() const { return static_cast<std::size_t>(rows_ * cols_); }
  bool empty() const { return rows_ * cols_ == 0; }

private:
  Index rows_ = 0, cols_ = 0;
  std::vector<std::uint64_t> words_;
};

// What Phase I keeps for vjp_input: a packed mask and/or values.
template <class S> struct Residual {
  BitMask mask;
  Mat<S> values;
  Index batch = 0;
  std::size_t bits() const { return mask.bits() + static_cast<std::size_t>(values.size()) * sizeof(S) * 8; }
  std::size_t bytes() const { return mask.bytes() + static_cast<std::size_t>(values.size()) * sizeof(S); }
};

// The component of a cotangent that vjp_input erases, in operator-defined
// order; empty at submersive points.
template <class S> struct Fragment {
  Vec<S> values;
  Index size() const { return values.size(); }
  std::size_t bytes() const { return static_cast<std::size_t>(values.size()) * sizeof(S); }
};

template <class S> void require_fragment(const Fragment<S>& f, Index expected, const std::string& op) {
  if (f.size() == expected) return;
  std::ostringstream s;
  if (f.size() == 0)
    s << "vijp at a non-submersive point needs its fragment (" << expected
      << " scalars: the Jacobian is not surjective there)";
  else
    s << "fragment has " << f.size() << " scalars, expected " << expected;
  fail(op, s.str());
}

// Parameter direction: empty means zero.
template <class S> void require_param_dir(const Vec<S>& p, Index count, const std::string& op) {
  if (p.size() != 0 && p.size() != count) {
    std::ostringstream s;
    s << "parameter direction has " << p.size() << " entries, expected " << count << " (or 0 for none)";
    fail(op, s.str());
  }
  require_finite(p, op, "parameter direction");
}

}  // namespace moonwalk::reference
