#include "signdpu/io/labels.h"

#include <cstdio>

#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"

namespace signdpu::io {

Status CheckLabel(std::string_view label, const std::string& where) {
  if (label.size() > kMaxLabelBytes)
    return InvalidArgument(where + ": class name of " + std::to_string(label.size()) + " bytes (at most " +
                           std::to_string(kMaxLabelBytes) + ")");
  for (size_t i = 0; i < label.size(); ++i) {
    const auto c = static_cast<unsigned char>(label[i]);
    if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return InvalidArgument(where + ": control character " + hex + " at byte " + std::to_string(i + 1) +
                             " of class name '" + PrintableText(label.substr(0, 64)) +
                             "' (names are printed into the output; control characters could forge lines)");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseLabels(std::string_view text, const std::string& what) {
  std::vector<std::string> labels;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view name = text.substr(pos, end - pos);
    if (!last && !name.empty() && name.back() == '\r') name.remove_suffix(1);  // CRLF
    ++line;
    SIGNDPU_RETURN_IF_ERROR(CheckLabel(name, what + ": line " + std::to_string(line)));
    labels.emplace_back(name);
    pos = last ? text.size() : end + 1;
  }
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) return InvalidArgument(what + ": no labels");
  return labels;
}

Result<std::vector<std::string>> ReadLabelsFile(const std::string& path) {
  const std::string what = "--labels " + path;
  if (path.empty()) return InvalidArgument("--labels: empty file name");
  SIGNDPU_ASSIGN_OR_RETURN(std::string text, ReadRegularFile(path, kMaxLabelsFileBytes, "--labels"));
  return ParseLabels(text, what);
}

Status ValidateLabels(const std::vector<std::string>& labels, int64_t classes, const std::string& what) {
  if (labels.empty()) return Status::Ok();
  if (static_cast<int64_t>(labels.size()) != classes)
    return InvalidArgument(what + ": " + std::to_string(labels.size()) + " labels for a model with " +
                           std::to_string(classes) + " classes");
  for (size_t i = 0; i < labels.size(); ++i)
    SIGNDPU_RETURN_IF_ERROR(CheckLabel(labels[i], what + ": class " + std::to_string(i)));
  return Status::Ok();
}

}  // namespace signdpu::io
