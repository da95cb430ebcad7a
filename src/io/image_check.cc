#include "signdpu/io/image_check.h"

#include <cstdint>
#include <string>
#include <utility>

namespace signdpu::io {
namespace {

uint32_t Be32(std::string_view s, size_t i) {
  return (uint32_t{static_cast<uint8_t>(s[i])} << 24) | (uint32_t{static_cast<uint8_t>(s[i + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[i + 2])} << 8) | uint32_t{static_cast<uint8_t>(s[i + 3])};
}
uint32_t Le32(std::string_view s, size_t i) {
  return (uint32_t{static_cast<uint8_t>(s[i + 3])} << 24) | (uint32_t{static_cast<uint8_t>(s[i + 2])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[i + 1])} << 8) | uint32_t{static_cast<uint8_t>(s[i])};
}
uint8_t At(std::string_view s, size_t i) { return static_cast<uint8_t>(s[i]); }

// PNG (ISO/IEC 15948): signature, then chunks of length(4) type(4)
// data(length) crc(4); the image ends with the IEND chunk.
Status CheckPng(std::string_view s) {
  size_t pos = 8;
  while (pos + 12 <= s.size()) {
    const uint64_t len = Be32(s, pos);
    if (len > 0x7FFFFFFFu) return InvalidArgument("corrupt PNG: chunk length " + std::to_string(len) + " at byte " + std::to_string(pos));
    if (s.substr(pos + 4, 4) == "IEND") return Status::Ok();
    pos += 12 + len;
  }
  return InvalidArgument("truncated PNG: the file ends before its IEND chunk (" + std::to_string(s.size()) + " bytes)");
}

// JPEG (ITU T.81 annex B): SOI, segments FF xx + 16-bit length, after each
// SOS entropy-coded data in which FF is followed by 00 (stuffing) or a
// restart marker D0..D7; the image ends with EOI (FF D9).
Status CheckJpeg(std::string_view s) {
  const std::string trunc = "truncated JPEG: the file ends before its end-of-image marker (" + std::to_string(s.size()) + " bytes)";
  size_t pos = 2;
  for (;;) {
    if (pos >= s.size()) return InvalidArgument(trunc);
    if (At(s, pos) != 0xFF) return InvalidArgument("corrupt JPEG: no marker at byte " + std::to_string(pos));
    while (pos < s.size() && At(s, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= s.size()) return InvalidArgument(trunc);
    const uint8_t m = At(s, pos++);
    if (m == 0xD9) return Status::Ok();
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (pos + 2 > s.size()) return InvalidArgument(trunc);
    const size_t len = (size_t{At(s, pos)} << 8) | At(s, pos + 1);
    if (len < 2) return InvalidArgument("corrupt JPEG: segment length " + std::to_string(len) + " at byte " + std::to_string(pos));
    pos += len;
    if (pos > s.size()) return InvalidArgument(trunc);
    if (m != 0xDA) continue;
    // Entropy-coded data up to the next marker.
    for (;;) {
      if (pos + 1 >= s.size()) return InvalidArgument(trunc);
      if (At(s, pos) == 0xFF) {
        const uint8_t n = At(s, pos + 1);
        if (n != 0x00 && !(n >= 0xD0 && n <= 0xD7) && n != 0xFF) break;  // a marker: back to the segment walk
        pos += n == 0xFF ? 1 : 2;
      } else {
        ++pos;
      }
    }
  }
}

// BMP: "BM", then the file size (little-endian 32 bits) and, at byte 10,
// the offset of the pixel data.
Status CheckBmp(std::string_view s) {
  if (s.size() < 14) return InvalidArgument("truncated BMP: " + std::to_string(s.size()) + " bytes, no complete header");
  const uint64_t declared = Le32(s, 2), offset = Le32(s, 10);
  if ((declared != 0 && s.size() < declared) || s.size() <= offset)
    return InvalidArgument("truncated BMP: " + std::to_string(s.size()) + " bytes, the header declares " +
                           std::to_string(declared) + " (pixel data at byte " + std::to_string(offset) + ")");
  return Status::Ok();
}

// Width and height from the header: PNG IHDR, JPEG SOFn, BMP info header;
// 0 x 0 when the format is another one or the header is not found.
std::pair<int64_t, int64_t> HeaderSize(std::string_view s) {
  if (s.size() >= 24 && s.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) && s.substr(12, 4) == "IHDR")
    return {Be32(s, 16), Be32(s, 20)};
  if (s.size() >= 26 && s.substr(0, 2) == "BM") {
    const int64_t h = static_cast<int32_t>(Le32(s, 22));  // negative: top-down rows
    return {static_cast<int32_t>(Le32(s, 18)), h < 0 ? -h : h};
  }
  if (s.size() >= 4 && At(s, 0) == 0xFF && At(s, 1) == 0xD8) {
    size_t pos = 2;
    while (pos + 9 < s.size() && At(s, pos) == 0xFF) {
      const uint8_t m = At(s, pos + 1);
      const size_t len = (size_t{At(s, pos + 2)} << 8) | At(s, pos + 3);
      const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
      if (sof) return {(int64_t{At(s, pos + 7)} << 8) | At(s, pos + 8), (int64_t{At(s, pos + 5)} << 8) | At(s, pos + 6)};
      if (m == 0xDA || len < 2) break;
      pos += 2 + len;
    }
  }
  return {0, 0};
}

}  // namespace

Status CheckImagePixels(std::string_view bytes, int64_t max_pixels) {
  const auto [w, h] = HeaderSize(bytes);
  if (w < 0 || h < 0 || (w > 0 && h > max_pixels / w))
    return OutOfRange("image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels, more than the " +
                      std::to_string(max_pixels) + "-pixel budget (scale it down first)");
  return Status::Ok();
}

Status CheckImageComplete(std::string_view bytes) {
  if (bytes.empty()) return InvalidArgument("empty file");
  if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return CheckPng(bytes);
  if (bytes.size() >= 2 && At(bytes, 0) == 0xFF && At(bytes, 1) == 0xD8) return CheckJpeg(bytes);
  if (bytes.size() >= 2 && bytes.substr(0, 2) == "BM") return CheckBmp(bytes);
  return Status::Ok();
}

}  // namespace signdpu::io
