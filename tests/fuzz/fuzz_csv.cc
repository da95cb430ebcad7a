// libFuzzer target: the CSV reader on arbitrary bytes must return frames or a
// Status, never crash or hang, also with long lines and no newlines.
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "signdpu/io/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char path[] = "/tmp/signdpu_fuzz_csv_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  // Small limits so that random inputs reach the over-long-line skip loop and
  // its bounded scan (no newline within max_skip_bytes: a fatal error).
  for (int variant = 0; variant < 4; ++variant) {
    const bool skip = variant & 1;
    signdpu::io::CsvOptions o;
    o.pixels = 4;  // small rows so random inputs reach the parser's paths
    o.skip_bad = skip;
    o.max_line_bytes = variant < 2 ? 256 : 16;
    o.max_skip_bytes = variant < 2 ? signdpu::io::kMaxCsvSkipBytes : 64;
    auto r = signdpu::io::CsvReader::Open(path, o);
    if (!r.ok()) continue;
    signdpu::io::CsvFrame f;
    for (int i = 0; i < 10000; ++i) {
      auto got = (*r)->Next(&f);
      if (!got.ok() || !got.value()) {
        // A stopped reader stays stopped (no spin on endless input).
        if (!got.ok() && skip && got.status().message().find("no end of line") != std::string::npos) {
          auto again = (*r)->Next(&f);
          if (again.ok()) __builtin_trap();
        }
        break;
      }
      if (f.pixels.size() != 4) __builtin_trap();
    }
  }
  unlink(path);
  return 0;
}
