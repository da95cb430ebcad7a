// An independent evaluation of a FixGraph for the emulator tests: walks the
// ops itself and calls the normative reference kernels directly (not
// FixGraphExecutor, which the emulator uses), one image at a time.
// hard-sigmoid-fix follows Xilinx's CPU-reference formula in double
// arithmetic (equal to ours for output fix points >= 7, which the fixture has).
#pragma once

#include <cstdint>
#include <vector>

#include "signdpu/kernels/fix_graph.h"

namespace signdpu::testing {

// inputs: one per graph input, `count` images each; returns one vector per
// graph output, `count` images each.
std::vector<std::vector<int8_t>> EvalReference(const FixGraph& graph, const std::vector<std::vector<int8_t>>& inputs,
                                               int count);

}  // namespace signdpu::testing
