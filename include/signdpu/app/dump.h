// `signdpu dump` and `signdpu compare`: the bit-for-bit check of a board's
// DPU against the emulator. dump writes, for every DPU subgraph, each output
// tensor's int8 bytes (<subgraph>.<tensor>.bin) and a JSON sidecar with
// shape, fix_point and frame count; compare reports the first differing
// element of each tensor and fails on any difference.
#pragma once

#include <string>

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

// Compares two dump folders. `report` gets one line per tensor; the status is
// an error when any tensor differs or is missing.
Status Compare(const std::string& dir_a, const std::string& dir_b, std::vector<std::string>* report);

}  // namespace signdpu::app
