// Tensors of the CUDA path, in the reference's layout (reference/tensor.hpp):
// a batch is an n × B column-major matrix, one column per sample; sign masks
// pack one bit per entry, column-major, into 64-bit words (entry k = j·n + i at
// bit k mod 64 of word k / 64), so a mask's words are the reference BitMask's;
// residuals keep what vjp_input needs, fragments what vjp_input erases.
// Device memory comes from the arena: matrices default to the working set,
// masks and residual values to input_residuals, fragments to fragments.
#pragma once

#include "moonwalk/cuda/arena.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace moonwalk::cuda {

// A column-major matrix on the host: how data enters and leaves the device.
template <class S> struct HostMatrix {
  Index rows = 0, cols = 0;
  std::vector<S> data;

  HostMatrix() = default;
  HostMatrix(Index r, Index c) : rows(r), cols(c), data(static_cast<std::size_t>(r * c), S(0)) {}
  HostMatrix(Index r, Index c, std::vector<S> values) : rows(r), cols(c), data(std::move(values)) {
    require(static_cast<Index>(data.size()) == r * c, "cuda", "host matrix: data size differs from rows × cols");
  }
  static HostMatrix column(std::vector<S> values) {
    const Index n = static_cast<Index>(values.size());
    return HostMatrix(n, 1, std::move(values));
  }
  Index size() const { return rows * cols; }
  S& operator()(Index i, Index j) { return data[static_cast<std::size_t>(j * rows + i)]; }
  const S& operator()(Index i, Index j) const { return data[static_cast<std::size_t>(j * rows + i)]; }
};

// Parameters are checked on the host before they are uploaded.
template <class S> void require_finite(const HostMatrix<S>& m, const std::string& op, const std::string& what) {
  for (Index j = 0; j < m.cols; ++j)
    for (Index i = 0; i < m.rows; ++i)
      if (!std::isfinite(m(i, j))) {
        std::ostringstream s;
        s << what << " holds a non-finite value (" << m(i, j) << ") at (" << i << ", " << j << ")";
        fail(op, s.str());
      }
}

template <class S> class DeviceMatrix {
public:
  DeviceMatrix() = default;
  // Uninitialised.
  DeviceMatrix(Arena& arena, Index rows, Index cols, Category c = Category::working_set);
  static DeviceMatrix upload(Arena& arena, const HostMatrix<S>& m, Category c = Category::working_set);
  // Waits for the stream.
  HostMatrix<S> download() const;
  void fill_zero();
  DeviceMatrix copy(Category c = Category::working_set) const;

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index size() const { return rows_ * cols_; }
  bool empty() const { return size() == 0; }
  S* data() { return static_cast<S*>(buf_.data()); }
  const S* data() const { return static_cast<const S*>(buf_.data()); }
  // rows·cols·sizeof(S): what the ledger counts for a matrix.
  std::size_t bytes() const { return static_cast<std::size_t>(size()) * sizeof(S); }
  Category category() const { return buf_.category(); }
  void retag(Category c) { buf_.retag(c); }
  Arena* arena() const { return buf_.arena(); }

private:
  DeviceBuffer buf_;
  Index rows_ = 0, cols_ = 0;
};

// One bit per entry of a rows × cols matrix (see the top of this file).
class DeviceBitMask {
public:
  DeviceBitMask() = default;
  DeviceBitMask(Arena& arena, Index rows, Index cols, Category c = Category::input_residuals);

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index words() const { return (rows_ * cols_ + 63) / 64; }
  std::uint64_t* data() { return static_cast<std::uint64_t*>(buf_.data()); }
  const std::uint64_t* data() const { return static_cast<const std::uint64_t*>(buf_.data()); }
  bool empty() const { return rows_ * cols_ == 0; }
  // Whole 64-bit words, as the reference BitMask holds them.
  std::size_t bytes() const { return static_cast<std::size_t>(words()) * sizeof(std::uint64_t); }
  std::size_t bits() const { return static_cast<std::size_t>(rows_ * cols_); }
  std::vector<std::uint64_t> download() const;

private:
  DeviceBuffer buf_;
  Index rows_ = 0, cols_ = 0;
};

// What Phase I keeps for vjp_input: a packed mask and/or values.
template <class S> struct DeviceResidual {
  DeviceBitMask mask;
  DeviceMatrix<S> values;
  Index batch = 0;
  std::size_t bits() const { return mask.bits() + static_cast<std::size_t>(values.size()) * sizeof(S) * 8; }
  std::size_t bytes() const { return mask.bytes() + values.bytes(); }
};

// The component of a cotangent that vjp_input erases, as a column, in the
// reference's order; empty at submersive points.
template <class S> struct DeviceFragment {
  DeviceMatrix<S> values;
  Index size() const { return values.size(); }
  std::size_t bytes() const { return values.bytes(); }
  static DeviceFragment upload(Arena& arena, const std::vector<S>& v) {
    return {DeviceMatrix<S>::upload(arena, HostMatrix<S>::column(v), Category::fragments)};
  }
};

}  // namespace moonwalk::cuda
