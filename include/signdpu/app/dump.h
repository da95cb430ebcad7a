// `signdpu dump` and `signdpu compare`: the bit-for-bit check of a board's
// DPU against the emulator. dump writes, for every DPU subgraph, each output
// tensor's int8 bytes (<subgraph>.<tensor>.bin) and a JSON sidecar with
// shape, fix_point and frame count; compare reports the first differing
// element of each tensor and fails on any difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/app/model.h"
#include "signdpu/core/status.h"

namespace signdpu::app {

struct DumpOptions {
  std::string csv;         // frames from a CSV ...
  std::string input_raw;   // ... or raw int8 input bytes for the first subgraph
  std::string out_dir;
  RunMode mode = RunMode::kRef;
  int64_t limit = 64;      // frames
};

// Returns a one-line description per written tensor.
Result<std::vector<std::string>> Dump(const Model& model, const DumpOptions& options);

// `--input-raw`: a regular file of at most `max_bytes` holding a whole
// number (>= 1) of frames of `frame_bytes` each; anything else is an error
// naming the file (a device, FIFO or huge file is never read).
Result<std::string> ReadRawTensorFile(const std::string& path, int64_t frame_bytes, uint64_t max_bytes);

// One tensor of `compare`: sets `line` ("identical", "DIFFERENT sizes",
// "DIFFERENT in N of M elements; first at [i,j,..]") and returns true when
// identical. `sidecar` is the dump's JSON text (untrusted; its shape only
// places the first difference).
bool CompareTensorBytes(const std::string& stem, const std::string& sidecar, const std::string& x, const std::string& y,
                        std::string* line);

// Compares two dump folders. `report` gets one line per tensor; the status is
// an error when any tensor differs or is missing.
Status Compare(const std::string& dir_a, const std::string& dir_b, std::vector<std::string>* report);

}  // namespace signdpu::app
