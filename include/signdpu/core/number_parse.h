// The one checked parser for numbers a user types (flag values, --roi
// fields). Whole-string decimal parsing in 64 bits: no wrap-around, no
// silent truncation, no locale. Errors name the flag and quote the value
// the user gave (printable), and say what is wrong: "empty value",
// "not an integer", or "out of range" with the accepted range.
#pragma once

#include <cstdint>
#include <string_view>

#include "signdpu/core/status.h"

namespace signdpu {

// An optional '-' or '+' and decimal digits, nothing else (no spaces, no
// hex, no exponent); the value must lie in [min, max].
Result<int64_t> ParseInt64(std::string_view text, std::string_view what, int64_t min, int64_t max);

// A finite decimal number (digits, optional fraction and exponent); NaN
// and infinities are refused; the value must lie in [min, max].
Result<double> ParseFinite(std::string_view text, std::string_view what, double min, double max);

// "0x" followed by 1 to 16 hexadecimal digits (a DPU fingerprint), nothing else.
Result<uint64_t> ParseHex64(std::string_view text, std::string_view what);

}  // namespace signdpu
