// CSV ingest throughput: the streaming CsvReader over a whole file, MB/s
// (median of 5 runs). scripts/bench.sh compares it with numpy.loadtxt on the
// same file.   csv_ingest FILE
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "signdpu/io/csv_reader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: csv_ingest FILE\n");
    return 2;
  }
  std::vector<double> mbps;
  int64_t rows = 0, bytes = 0;
  for (int run = 0; run < 5; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    auto reader = signdpu::io::CsvReader::Open(argv[1]);
    if (!reader.ok()) {
      std::fprintf(stderr, "csv_ingest: %s\n", reader.status().message().c_str());
      return 1;
    }
    signdpu::io::CsvFrame f;
    rows = 0;
    while (true) {
      auto got = (*reader)->Next(&f);
      if (!got.ok()) {
        std::fprintf(stderr, "csv_ingest: %s\n", got.status().message().c_str());
        return 1;
      }
      if (!got.value()) break;
      ++rows;
    }
    bytes = (*reader)->bytes_read();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    mbps.push_back(bytes / 1e6 / s);
  }
  std::sort(mbps.begin(), mbps.end());
  std::printf("{\"rows\": %lld, \"bytes\": %lld, \"mb_per_s_median\": %.1f}\n", static_cast<long long>(rows),
              static_cast<long long>(bytes), mbps[mbps.size() / 2]);
  return 0;
}
