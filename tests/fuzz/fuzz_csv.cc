// libFuzzer target: the CSV reader on arbitrary bytes must return frames or a
// Status, never crash or hang.
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
  for (bool skip : {false, true}) {
    signdpu::io::CsvOptions o;
    o.pixels = 4;  // small rows so random inputs reach the parser's paths
    o.skip_bad = skip;
    o.max_line_bytes = 256;
    auto r = signdpu::io::CsvReader::Open(path, o);
    if (!r.ok()) continue;
    signdpu::io::CsvFrame f;
    for (int i = 0; i < 10000; ++i) {
      auto got = (*r)->Next(&f);
      if (!got.ok() || !got.value()) break;
      if (f.pixels.size() != 4) __builtin_trap();
    }
  }
  unlink(path);
  return 0;
}
