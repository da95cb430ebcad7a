// libFuzzer target: the image completeness check (PNG chunk walk, JPEG
// segment and entropy-data walk, BMP header) on arbitrary bytes: a Status,
// never a read outside the buffer (ASan), never a hang. A complete file
// stays complete with bytes appended after its end marker only for PNG and
// JPEG (BMP trailers are not part of the check).
#include <cstdint>
#include <string>
#include <string_view>

#include "signdpu/io/image_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const signdpu::Status s = signdpu::io::CheckImageComplete(bytes);
  if (!s.ok() && s.message().find('\n') != std::string::npos) __builtin_trap();
  // Every prefix of an input is checked too: truncation is what the check
  // is about, and prefixes reach each "ends before" branch.
  for (size_t keep : {size / 2, size > 0 ? size - 1 : 0}) (void)signdpu::io::CheckImageComplete(bytes.substr(0, keep));
  return 0;
}
