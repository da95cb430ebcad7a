// Reference eltwise-fix ADD. Formula: see the header.
#include "signdpu/kernels/reference/eltwise_fix.h"

#include <algorithm>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

Result<EltwiseParams> MakeEltwiseParams(std::vector<int> fix_in, int fix_out, int64_t size,
                                        Activation activation, const std::string& name) {
  if (fix_in.size() < 2) return InvalidArgument(name + ": eltwise add needs at least 2 inputs");
  if (activation != Activation::kNone && activation != Activation::kRelu)
    return Unsupported(name + ": eltwise add supports nonlinear NONE or RELU, got " +
                       std::string(ActivationName(activation)));
  if (size < 0) return InvalidArgument(name + ": negative size");
  EltwiseParams p;
  p.fix_in = std::move(fix_in);
  p.fix_out = fix_out;
  p.size = size;
  p.activation = activation;
  p.max_fix_in = *std::max_element(p.fix_in.begin(), p.fix_in.end());
  for (int f : p.fix_in) {
    if (p.max_fix_in - f > 16)
      return OutOfRange(name + ": input fix points differ by more than 16");
  }
  p.out_shift = p.max_fix_in - fix_out;
  if (p.out_shift < -16 || p.out_shift > 16)
    return OutOfRange(name + ": output shift " + std::to_string(p.out_shift) + " outside [-16, 16]");
  return p;
}

namespace reference {

void EltwiseAddFix(const EltwiseParams& p, const std::vector<const int8_t*>& inputs, int8_t* out) {
  for (int64_t i = 0; i < p.size; ++i) {
    int64_t sum = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
      sum += int64_t{inputs[k][i]} * (int64_t{1} << (p.max_fix_in - p.fix_in[k]));
    }
    int64_t y = ShiftRound(sum, p.out_shift);
    if (p.activation == Activation::kRelu && y < 0) y = 0;
    out[i] = static_cast<int8_t>(Sat8(y));
  }
}

}  // namespace reference
}  // namespace signdpu
