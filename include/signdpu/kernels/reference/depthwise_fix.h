// depthwise-fix (XIR op name), reference kernel: element-wise ADD or MUL of
// two inputs with numpy broadcasting (typically a feature map and a
// per-channel [C] operand).
//
// Integer formula [source: Vitis-AI-Library 2.5 cpu_task
// depthwise-fix/depthwise-fix.cpp:42-52 (shifts) and :79-89 (arithmetic);
// the same in Xilinx VART cpu-runner depthwise_fix.cpp:52-64, 164-173]:
//   ADD: m = max(fi_0, fi_1)
//        y = ShiftRound(in_0 * 2^(m - fi_0) + in_1 * 2^(m - fi_1), m - fo)
//   MUL: y = ShiftRound(in_0 * in_1, fi_0 + fi_1 - fo)
//   out = Sat8(y)                                  (no nonlinear attribute)
// Both are the exact real-valued result rounded once with DPU_ROUND (the
// sources compute it in float, exactly for these magnitudes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/reference/eltwise_fix.h"

namespace signdpu {

struct DepthwiseFixParams {
  EltwiseType type = EltwiseType::kMul;
  std::vector<int> in_shift;  // ADD: m - fi_i (left); MUL: 0
  int out_shift = 0;          // ADD: m - fo; MUL: fi_0 + fi_1 - fo
  int64_t size = 0;           // output elements, one image
  std::vector<BroadcastMap> maps;
};

// Shifts limited to [-16, 16] [inferred bound].
Result<DepthwiseFixParams> MakeDepthwiseFixParams(EltwiseType type, const std::vector<int>& fix_in,
                                                  const std::vector<Shape>& in_shapes, const Shape& out_shape,
                                                  int fix_out, const std::string& name = "depthwise-fix");

namespace reference {
void DepthwiseFix(const DepthwiseFixParams& params, const std::vector<const int8_t*>& inputs, int8_t* out);
}  // namespace reference
}  // namespace signdpu
