// printf-style formatting into a std::string of whatever length the result
// needs: no fixed buffer, so a long file, graph or op name is never cut.
#pragma once

#include <string>

namespace signdpu {

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
std::string StrFormat(const char* format, ...);

}  // namespace signdpu
