// Class names: a labels file (one name per line, line i = class i) or the
// labels embedded in a host xmodel by signdpu-quantize. Both are untrusted
// and printed into per-frame lines and the summary, so both go through the
// same checks: a bounded read of a regular file, no control characters in
// a name (a newline or CR could forge an `FPS=` line, an ESC could drive
// the terminal), a bounded name length, and exactly one name per class of
// the model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signdpu/core/status.h"

namespace signdpu::io {

// A labels file larger than this is refused before it is read (1000
// classes of 1 KiB names fit).
constexpr uint64_t kMaxLabelsFileBytes = 1u << 20;
// Longest class name accepted, in bytes.
constexpr size_t kMaxLabelBytes = 1024;

// Checks one class name: no C0 control character (newline, CR, tab, ESC,
// NUL, ...) or DEL, at most kMaxLabelBytes. `where` names it in the error
// ("--labels f.txt: line 3"). Invalid UTF-8 is allowed (names are bytes;
// output writers replace it).
Status CheckLabel(std::string_view label, const std::string& where);

// Parses the text of a labels file: lines split at LF, one CR before the
// LF accepted (CRLF files), trailing empty lines dropped, every name
// checked with CheckLabel. `what` names the source ("--labels f.txt").
Result<std::vector<std::string>> ParseLabels(std::string_view text, const std::string& what);

// Reads a labels file with ReadRegularFile (regular files only, at most
// kMaxLabelsFileBytes) and ParseLabels. Errors name "--labels PATH".
Result<std::vector<std::string>> ReadLabelsFile(const std::string& path);

// Labels against a model: an empty list is accepted (class numbers are
// printed); otherwise exactly `classes` names, each passing CheckLabel.
// The error names `what` and both counts.
Status ValidateLabels(const std::vector<std::string>& labels, int64_t classes, const std::string& what);

}  // namespace signdpu::io
