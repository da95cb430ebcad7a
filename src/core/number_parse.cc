#include "signdpu/core/number_parse.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "signdpu/core/json_text.h"

namespace signdpu {
namespace {

std::string Quote(std::string_view what, std::string_view text) {
  // Long values are cut: the message stays one readable line.
  const std::string_view shown = text.size() > 64 ? text.substr(0, 64) : text;
  return std::string(what) + " '" + PrintableText(shown) + (text.size() > 64 ? "...'" : "'");
}

std::string RangeText(int64_t min, int64_t max) {
  return "expected " + std::to_string(min) + " to " + std::to_string(max);
}

std::string RangeText(double min, double max) {
  char b[96];
  std::snprintf(b, sizeof b, "expected %g to %g", min, max);
  return b;
}

}  // namespace

Result<int64_t> ParseInt64(std::string_view text, std::string_view what, int64_t min, int64_t max) {
  if (text.empty()) return InvalidArgument(std::string(what) + ": empty value, expected an integer");
  std::string_view digits = text;
  bool negative = false;
  if (digits[0] == '-' || digits[0] == '+') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return InvalidArgument(Quote(what, text) + ": not an integer");
  for (char c : digits)
    if (c < '0' || c > '9') return InvalidArgument(Quote(what, text) + ": not an integer");
  // Magnitude in unsigned 64 bits; more than that is out of range, never wrapped.
  uint64_t mag = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  const bool too_big = r.ec == std::errc::result_out_of_range ||
                       (!negative && mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) ||
                       (negative && mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1);
  if (too_big) return OutOfRange(Quote(what, text) + ": out of range (" + RangeText(min, max) + ")");
  const int64_t v = negative ? (mag == static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1
                                    ? std::numeric_limits<int64_t>::min()
                                    : -static_cast<int64_t>(mag))
                             : static_cast<int64_t>(mag);
  if (v < min || v > max) return OutOfRange(Quote(what, text) + ": out of range (" + RangeText(min, max) + ")");
  return v;
}

Result<double> ParseFinite(std::string_view text, std::string_view what, double min, double max) {
  if (text.empty()) return InvalidArgument(std::string(what) + ": empty value, expected a number");
  // Only plain decimal notation: strtod alone would also accept hex,
  // "inf", "nan" and leading spaces.
  size_t i = 0;
  if (text[i] == '-' || text[i] == '+') ++i;
  size_t mant = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++mant;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++mant;
  }
  if (mant == 0) return InvalidArgument(Quote(what, text) + ": not a number");
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    size_t exp = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i, ++exp;
    if (exp == 0) return InvalidArgument(Quote(what, text) + ": not a number");
  }
  if (i != text.size()) return InvalidArgument(Quote(what, text) + ": not a number");
  const std::string copy(text);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (errno == ERANGE && std::isinf(v)) return OutOfRange(Quote(what, text) + ": out of range (" + RangeText(min, max) + ")");
  if (!std::isfinite(v) || v < min || v > max)
    return OutOfRange(Quote(what, text) + ": out of range (" + RangeText(min, max) + ")");
  return v;
}

Result<uint64_t> ParseHex64(std::string_view text, std::string_view what) {
  const std::string shown = PrintableText(std::string(text));
  if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
    return InvalidArgument(std::string(what) + ": '" + shown + "' is not 0x followed by 1 to 16 hex digits");
  uint64_t v = 0;
  for (char c : text.substr(2)) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return InvalidArgument(std::string(what) + ": '" + shown + "' is not 0x followed by 1 to 16 hex digits");
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace signdpu
