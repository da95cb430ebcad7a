// `signdpu inspect FILE --against OTHER`: two xmodels side by side - the
// partition of each (subgraphs in order, device, op count, the subgraph of
// the other file holding the same ops) and, per DPU op, the fix point of its
// output and inputs in both files (docs/compile.md "Checking a compile").
// A compiled xmodel's fix points are its tensors' `fix_point`; a
// quantiser-format _int.xmodel's are those of the `fix` op after each op
// (inspect_int.h, QuantizerOpInfo) and its partition is the one `signdpu
// compile` makes (compile.h, PlanCompile). Ops correspond by op name (a
// compiled -fix op keeps the quantiser's float op name), else by output
// tensor name (vai_c_xir names a DPU op's output after the quantiser's fix
// op, src/compile/lower.cc AddOutputTensor).
#pragma once

#include <string>
#include <vector>

#include "signdpu/core/status.h"

namespace signdpu::app {

struct SideOp {
  std::string name, type, tensor;  // tensor: the output tensor (compiled) or the output's fix op (quantiser format)
  bool has_fix = false;
  int fix_point = 0;
  std::vector<int> in_fix_points;  // activation inputs only (no weights or bias)
};

struct SideSubgraph {
  std::string name, device;
  long long op_count = 0;
  std::vector<SideOp> dpu_ops;           // DPU subgraphs only, in order
  std::vector<std::string> keys;         // op and tensor names, for the correspondence
};

struct InspectSide {
  std::string path, format;  // format: "compiled" or "quantiser format"
  std::vector<SideSubgraph> subgraphs;
};

struct AgainstCounts {
  long long matched = 0, equal = 0, differing = 0, unmatched = 0;
};

// Loads `path` (checked loader); errors name the file.
Result<InspectSide> ReadInspectSide(const std::string& path, const std::string& dpu_target);

// The side-by-side report (one line per subgraph and per DPU op, then the
// counts line).
std::string FormatAgainst(const InspectSide& file, const InspectSide& other, AgainstCounts* counts);

}  // namespace signdpu::app
