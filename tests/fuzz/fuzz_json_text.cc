// libFuzzer target: the one JSON writer and the printable-text helper on
// arbitrary bytes. Whatever the bytes (Latin-1, broken UTF-8, NUL, control
// characters), DumpJson must not throw, its output must be valid UTF-8 and
// parse back to the same structure, and PrintableText must give one line
// of valid UTF-8 without control characters.
#include <cstdint>
#include <string>

#include "signdpu/core/json_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const size_t half = size / 2;
  nlohmann::ordered_json j;
  j["id"] = bytes;
  j["label"] = bytes.substr(0, half);
  j["top"] = nlohmann::ordered_json::array({{{"label", bytes.substr(half)}, {"class", 1}}});
  // Keys are text too; the prefix keeps the key apart from "id", "label" and
  // "top" (libFuzzer found "idid": the harness overwrote its own "id").
  j["key:" + bytes.substr(0, half)] = 1;
  for (int indent : {-1, 2}) {
    std::string out;
    try {
      out = signdpu::DumpJson(j, indent);
    } catch (...) {
      __builtin_trap();  // the writer must never throw
    }
    if (!signdpu::IsValidUtf8(out)) __builtin_trap();
    if (indent < 0 && out.find('\n') != std::string::npos) __builtin_trap();  // JSON lines stay one line
    nlohmann::json back;
    try {
      back = nlohmann::json::parse(out);
    } catch (...) {
      __builtin_trap();
    }
    if (back["id"].get<std::string>() != signdpu::SanitizeUtf8(bytes)) __builtin_trap();
    if (back["top"][0]["class"].get<int>() != 1) __builtin_trap();
  }
  const std::string clean = signdpu::SanitizeUtf8(bytes);
  if (!signdpu::IsValidUtf8(clean)) __builtin_trap();
  if (signdpu::IsValidUtf8(bytes) && clean != bytes) __builtin_trap();
  const std::string shown = signdpu::PrintableText(bytes);
  if (!signdpu::IsValidUtf8(shown)) __builtin_trap();
  for (unsigned char c : shown)
    if (c < 0x20 || c == 0x7F) __builtin_trap();
  if (signdpu::PrintableText(shown) != shown) __builtin_trap();  // idempotent
  return 0;
}
