// hard-sigmoid-fix (XIR op name), reference kernel.
//
// hsigmoid(x) = relu6(x + 3) / 6, with 1/6 approximated by 2731 / 2^14
// [source: vai_q hardsigmoid.py; Vitis-AI cpu-runner hsigmoid_fix.cpp]. The
// op carries two attributes set by the compiler: hsigmoid_in (the fix point
// in which the constant 3 is expressed; equals the input fix_point in
// compiled models [checked: zcu104_mnist_custom_op.xmodel]) and
// shift_hsigmoid (= 14 + fi - fo [checked: same model, 14 + 2 - 7 = 9]).
//
// Integer formula, in the order the code applies it:
//   three = 3 << hsigmoid_in
//   v     = clamp(q + three, 0, 2 * three) * 2731       (relu6(x + 3) at fix point hsigmoid_in)
//   out   = Sat8(ShiftRound(v, shift_hsigmoid))         (one DPU_ROUND rounding)
// The upper clamp at 6 is [inferred] from the relu6 in the quantiser's
// definition: Xilinx's CPU reference only clamps v to [0, 2^32] and relies on
// the 8-bit saturation, which gives the same result whenever the output
// fix_point is >= 7 (1.0 * 2^7 = 128 saturates to 127 either way), i.e. for
// every model where the quantiser picks the natural fix point 7 for [0, 1].
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/status.h"

namespace signdpu {

struct HardSigmoidParams {
  int hsigmoid_in = 0;     // 0..16
  int shift_hsigmoid = 0;  // 0..40
  int64_t size = 0;        // elements
};

Result<HardSigmoidParams> MakeHardSigmoidParams(int hsigmoid_in, int shift_hsigmoid, int64_t size,
                                                const std::string& name = "hard-sigmoid");

namespace reference {
void HardSigmoidFix(const HardSigmoidParams& params, const int8_t* in, int8_t* out);
}  // namespace reference
}  // namespace signdpu
