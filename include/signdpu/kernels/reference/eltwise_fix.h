// eltwise-fix ADD (XIR op name), reference kernel.
//
// Integer formula (docs/arithmetic.md section 7 [source: Vitis-AI-Library eltwise-fix]):
//   m   = max_i fi_i
//   sum = sum_i in_i << (m - fi_i)          (align every input to the finest grid)
//   y   = ShiftRound(sum, m - fo)
//   out = Sat8(act(y))                      act: NONE or RELU
// The hardware's alignment when inputs have different fix points is
// [inferred]; our quantiser gives all inputs of an add one fix point.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu {

struct EltwiseParams {
  std::vector<int> fix_in;  // one per input
  int fix_out = 0;
  int64_t size = 0;         // elements per input (all inputs have the same shape)
  Activation activation = Activation::kNone;
  int max_fix_in = 0;       // m
  int out_shift = 0;        // m - fo
};

Result<EltwiseParams> MakeEltwiseParams(std::vector<int> fix_in, int fix_out, int64_t size,
                                        Activation activation, const std::string& name = "add");

namespace reference {
void EltwiseAddFix(const EltwiseParams& params, const std::vector<const int8_t*>& inputs, int8_t* out);
}  // namespace reference
}  // namespace signdpu
