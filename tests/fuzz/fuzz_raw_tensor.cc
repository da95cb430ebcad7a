// libFuzzer target: `signdpu dump --input-raw` and `signdpu compare` on
// arbitrary bytes. The raw-tensor reader must return a whole number of
// frames within its cap or a Status; the per-tensor comparison must survive
// any sidecar JSON (hostile shapes: huge, negative, nested, not numbers) and
// any pair of tensors. Never a crash, a hang or an allocation beyond the cap.
#include <unistd.h>

#include <cstdint>
#include <string>

#include "signdpu/app/dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  // byte 0: frame size 1..64; byte 1: cap in frames 0..15; byte 2: where the
  // sidecar ends; the rest: sidecar JSON, then the raw file (also the two
  // tensors compared, split in half).
  const int64_t frame = 1 + data[0] % 64;
  const uint64_t cap = static_cast<uint64_t>(data[1] % 16) * static_cast<uint64_t>(frame);
  const std::string rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  const size_t split = rest.empty() ? 0 : data[2] % (rest.size() + 1);
  const std::string sidecar = rest.substr(0, split);
  const std::string raw = rest.substr(split);

  char path[] = "/tmp/signdpu_fuzz_raw_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 0;
  const bool written = write(fd, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size());
  close(fd);
  if (written) {
    auto r = signdpu::app::ReadRawTensorFile(path, frame, cap);
    if (r.ok()) {
      if (r->size() != raw.size() || r->empty() || r->size() % static_cast<size_t>(frame) != 0 || r->size() > cap)
        __builtin_trap();
    } else if (!raw.empty() && raw.size() % static_cast<size_t>(frame) == 0 && raw.size() <= cap) {
      __builtin_trap();  // a valid file refused
    }
  }
  unlink(path);

  const std::string x = raw.substr(0, raw.size() / 2), y = raw.substr(raw.size() / 2);
  std::string line;
  const bool same = signdpu::app::CompareTensorBytes("t", sidecar, x, y, &line);
  if (same != (x == y) || line.empty() || line.find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
