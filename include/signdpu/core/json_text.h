// Text that leaves the programs: JSON documents and printed lines.
// File names, image names and labels are bytes (a Latin-1 file name is a
// valid Linux path), while JSON must be UTF-8 and nlohmann::json throws
// type_error 316 when asked to dump invalid UTF-8. Every JSON writer in the
// repository goes through DumpJson (tests/core/json_text_test.cc greps the
// sources for a raw `.dump(`), and printed text goes through SanitizeUtf8.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace signdpu {

// `bytes` with every invalid UTF-8 sequence (stray continuation bytes,
// truncated sequences, overlong forms, surrogates, code points above
// U+10FFFF) replaced by U+FFFD, one replacement per maximal invalid
// subpart (the Unicode "substitution of maximal subparts" practice). Valid
// UTF-8 is returned unchanged.
std::string SanitizeUtf8(std::string_view bytes);

// True when `bytes` is valid UTF-8.
bool IsValidUtf8(std::string_view bytes);

// j.dump(indent) that never throws on invalid UTF-8 in strings: invalid
// bytes become U+FFFD (nlohmann's error_handler_t::replace). The result
// is valid UTF-8 and parses back. indent < 0: one line.
std::string DumpJson(const nlohmann::json& j, int indent = -1);
std::string DumpJson(const nlohmann::ordered_json& j, int indent = -1);

}  // namespace signdpu

namespace signdpu {

// One line of printable text from untrusted bytes (a file name, a label, a
// flag value): invalid UTF-8 replaced as in SanitizeUtf8, and every C0
// control character and DEL escaped as \n, \r, \t or \xNN. Idempotent
// (backslashes are left alone), so text escaped once, e.g. a value quoted
// in a message that is escaped again when printed, is not escaped twice.
// Used for per-frame lines, summaries and error messages, so that no name
// can break a line or forge one (an `FPS=` line, a second error line).
std::string PrintableText(std::string_view bytes);

}  // namespace signdpu
