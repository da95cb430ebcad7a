// concat-fix (XIR op name), reference kernel: concatenation along any axis
// with a per-input requantisation to the output's fix point.
//
// Integer formula [source: Xilinx VART cpu-runner concat_fix.cpp:78
// (shift = fo - fi_i) and :136-141 (DPU rounding of in * 2^shift, saturated)]:
//   out[.., axis offset_i + k, ..] = Sat8(ShiftRound(in_i[.., k, ..], fi_i - fo))
// which is a byte copy when fi_i = fo (every concat the Vitis quantisers
// produce: one fix after the concat and none on its inputs). Shapes: equal
// except along `axis`; the output's extent there is the inputs' sum.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu {

struct ConcatParams {
  int64_t outer = 1;             // product of the dims before the axis (one image)
  std::vector<int64_t> inner;    // per input: its elements per outer index
  std::vector<int> shift;        // per input: fi_i - fo (right shift; <= 0 left)
  int64_t out_inner = 0;         // sum of inner
};

// axis: negative counts from the end. Shift range [-16, 16] [inferred bound].
Result<ConcatParams> MakeConcatParams(const std::vector<Shape>& in_shapes, const std::vector<int>& fix_in,
                                      const Shape& out_shape, int fix_out, int axis,
                                      const std::string& name = "concat");

namespace reference {
// One image (params.outer already covers dim 0 = 1).
void ConcatFix(const ConcatParams& params, const std::vector<const int8_t*>& inputs, int8_t* out);
}  // namespace reference
}  // namespace signdpu
