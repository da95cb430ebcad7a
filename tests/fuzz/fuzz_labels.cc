// libFuzzer target: the labels reader on arbitrary bytes, through a file
// (ReadLabelsFile) and in memory (ParseLabels). Accepted names never hold
// a control character or exceed the length cap, so none can forge an
// output line; errors are one line.
#include <cstdint>
#include <string>
#include <unistd.h>

#include "signdpu/io/labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  char path[] = "/tmp/signdpu_fuzz_labels_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 0;
  const bool written = write(fd, data, size) == static_cast<ssize_t>(size);
  close(fd);
  auto from_file = written ? signdpu::io::ReadLabelsFile(path) : signdpu::io::ParseLabels(bytes, "--labels x");
  unlink(path);
  auto in_memory = signdpu::io::ParseLabels(bytes, "--labels x");
  if (from_file.ok() != in_memory.ok()) __builtin_trap();
  if (!in_memory.ok()) {
    if (in_memory.status().message().find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  if (*from_file != *in_memory || in_memory->empty()) __builtin_trap();
  for (const std::string& name : *in_memory) {
    if (name.size() > signdpu::io::kMaxLabelBytes) __builtin_trap();
    for (unsigned char c : name)
      if (c < 0x20 || c == 0x7F) __builtin_trap();
  }
  const auto n = static_cast<int64_t>(in_memory->size());
  if (!signdpu::io::ValidateLabels(*in_memory, n, "x").ok()) __builtin_trap();
  if (signdpu::io::ValidateLabels(*in_memory, n + 1, "x").ok()) __builtin_trap();
  return 0;
}
