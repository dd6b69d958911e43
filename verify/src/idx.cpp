#include "moonwalk/verify/idx.hpp"

#include "moonwalk/verify/json_file.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace moonwalk::verify {

namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw std::invalid_argument(path + ": " + why);
}

// zlib's message, without the file name it puts first.
std::string gz_message(gzFile f, const std::string& path) {
  int code = 0;
  std::string msg = gzerror(f, &code);
  if (msg.rfind(path + ": ", 0) == 0) msg.erase(0, path.size() + 2);
  return msg;
}

// The whole decompressed stream; zlib reads a file without a gzip header as is.
std::vector<std::uint8_t> inflate_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw NoInputError(path + ": no such file");
  if (std::filesystem::is_directory(status)) refuse(path, "is a directory, not an IDX file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) refuse(path, "cannot be opened");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f.get(), buf, sizeof buf);
    if (n < 0) refuse(path, "corrupt gzip stream (" + gz_message(f.get(), path) + ")");
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  // A stream cut short reads as a clean end of data, with the error set.
  int code = 0;
  gzerror(f.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    refuse(path, "corrupt or truncated gzip stream (" + gz_message(f.get(), path) + ")");
  return out;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& b, std::size_t at) {
  return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}

}  // namespace

IdxArray read_idx(const std::string& path, std::size_t rank) {
  const std::vector<std::uint8_t> bytes = inflate_file(path);
  if (bytes.size() < 4) refuse(path, "truncated: " + std::to_string(bytes.size()) + " bytes, not even an IDX magic number");
  if (bytes[0] != 0 || bytes[1] != 0) refuse(path, "not an IDX file (the magic number does not start with two zero bytes)");
  if (bytes[2] != 0x08) refuse(path, fmt::format("IDX data type {:#04x} is not unsigned bytes (0x08)", bytes[2]));
  if (bytes[3] != rank)
    refuse(path, "IDX file of " + std::to_string(bytes[3]) + " dimensions, expected " + std::to_string(rank));
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header) refuse(path, "truncated inside the IDX header");
  IdxArray a;
  std::size_t total = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    a.dims.push_back(big_endian(bytes, 4 + 4 * d));
    total *= a.dims.back();
  }
  const std::size_t held = bytes.size() - header;
  if (held < total)
    refuse(path, "truncated: the header promises " + std::to_string(total) + " bytes of data, the file holds " +
                     std::to_string(held));
  if (held > total)
    refuse(path, "the header promises " + std::to_string(total) + " bytes of data, the file holds " +
                     std::to_string(held) + " (a mislabelled count)");
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

LabelledImages read_labelled_images(const std::string& dir, const std::string& prefix, int classes) {
  const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    refuse(labels_path, std::to_string(labels.dims[0]) + " labels for the " + std::to_string(images.dims[0]) +
                            " images of " + images_path);
  if (images.dims[0] == 0) refuse(images_path, "holds no images");
  for (std::size_t n = 0; n < labels.data.size(); ++n)
    if (labels.data[n] >= classes)
      refuse(labels_path, "label " + std::to_string(labels.data[n]) + " of item " + std::to_string(n) +
                              " is not below " + std::to_string(classes));
  LabelledImages s;
  s.count = images.dims[0];
  s.rows = images.dims[1];
  s.cols = images.dims[2];
  s.pixels = std::move(images.data);
  s.labels = std::move(labels.data);
  return s;
}

}  // namespace moonwalk::verify
