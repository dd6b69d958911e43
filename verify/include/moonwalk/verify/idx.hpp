// The IDX format of the MNIST family (big-endian header: two zero bytes, a
// type byte 0x08 for unsigned bytes, the number of dimensions, then one
// 32-bit size per dimension; the data follows, row-major), read through zlib
// so that a gzip-compressed file (the way Debian's data packages ship them)
// and a plain one are read alike. Every refusal names the file: a missing
// file is a NoInputError (exit code 66), a truncated, corrupt or mislabelled
// one a std::invalid_argument (exit code 65).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moonwalk::verify {

// An IDX file of unsigned bytes: its sizes and its data, row-major.
struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;
};

// Reads `path`, requiring unsigned-byte data of `rank` dimensions.
IdxArray read_idx(const std::string& path, std::size_t rank);

// A labelled image set: `count` images of rows × cols pixels, image n at
// pixels[n·rows·cols ..], and its label in [0, classes).
struct LabelledImages {
  std::size_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels, labels;
};

// `<dir>/<prefix>-images-idx3-ubyte.gz` with `<dir>/<prefix>-labels-idx1-ubyte.gz`
// (prefix "train" or "t10k"): the two counts must agree and every label be
// below `classes`.
LabelledImages read_labelled_images(const std::string& dir, const std::string& prefix, int classes);

}  // namespace moonwalk::verify
