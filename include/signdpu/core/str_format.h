// printf-style formatting into a std::string of whatever length the result
// needs: no fixed buffer, so a long file, graph or op name is never cut.
#pragma once

#include <string>

namespace signdpu {

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
std::string StrFormat(const char* format, ...);

// "1 frame", "0 frames", "10000 frames": a count with its noun, plural
// unless the count is exactly 1 (`plural` when it is not noun + "s").
std::string CountText(long long count, const std::string& noun, const std::string& plural = "");

}  // namespace signdpu
