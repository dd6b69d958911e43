// The replay-string parser (`moonwalk verify --shape`): any text is refused
// with the text quoted, or reads to a shape within its documented ranges
// that prints back to the same text.
#include "fuzz_common.hpp"

#include "moonwalk/verify/cases.hpp"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moonwalk;
  const std::string text(reinterpret_cast<const char*>(data), size);
  verify::Shape s;
  try {
    s = verify::parse_shape(text);
  } catch (const std::invalid_argument& e) {
    fuzz::require_words(e.what());
    return 0;
  }
  const bool in_range = s.a >= 1 && s.b >= 1 && s.c >= 1 && s.batch >= 1 && s.a <= verify::kMaxShapeDim &&
                        s.b <= verify::kMaxShapeDim && s.c <= verify::kMaxShapeDim && s.batch <= verify::kMaxShapeDim &&
                        s.flavor >= 0 && s.flavor <= 3;
  const std::string again = verify::format_shape(verify::parse_shape(verify::format_shape(s)));
  if (!in_range || again != verify::format_shape(s)) {
    std::fprintf(stderr, "'%s' read to a shape out of range or that does not print back\n", text.c_str());
    std::abort();
  }
  return 0;
}
