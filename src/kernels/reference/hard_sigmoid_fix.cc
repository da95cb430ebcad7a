// Reference hard-sigmoid-fix. Formula: see the header.
#include "signdpu/kernels/reference/hard_sigmoid_fix.h"

#include <algorithm>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

namespace {
constexpr int64_t kOneSixthQ14 = 2731;  // round(2^14 / 6)
}  // namespace

Result<HardSigmoidParams> MakeHardSigmoidParams(int hsigmoid_in, int shift_hsigmoid, int64_t size,
                                                const std::string& name) {
  // A negative hsigmoid_in would make `three` fractional; compilers emit the
  // input fix_point, which for a [-3, 3] range is >= 4.
  if (hsigmoid_in < 0 || hsigmoid_in > 16)
    return OutOfRange(name + ": hsigmoid_in " + std::to_string(hsigmoid_in) + " outside [0, 16]");
  if (shift_hsigmoid < 0 || shift_hsigmoid > 40)
    return OutOfRange(name + ": shift_hsigmoid " + std::to_string(shift_hsigmoid) + " outside [0, 40]");
  if (size < 0) return InvalidArgument(name + ": negative size");
  HardSigmoidParams p;
  p.hsigmoid_in = hsigmoid_in;
  p.shift_hsigmoid = shift_hsigmoid;
  p.size = size;
  return p;
}

namespace reference {

void HardSigmoidFix(const HardSigmoidParams& p, const int8_t* in, int8_t* out) {
  const int64_t three = int64_t{3} << p.hsigmoid_in;
  for (int64_t i = 0; i < p.size; ++i) {
    const int64_t x3 = std::clamp<int64_t>(int64_t{in[i]} + three, 0, 2 * three);
    out[i] = static_cast<int8_t>(Sat8(ShiftRound(x3 * kOneSixthQ14, p.shift_hsigmoid)));
  }
}

}  // namespace reference
}  // namespace signdpu
