// Reference depthwise-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/depthwise_fix.h"

#include <algorithm>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

Result<DepthwiseFixParams> MakeDepthwiseFixParams(EltwiseType type, const std::vector<int>& fix_in,
                                                  const std::vector<Shape>& in_shapes, const Shape& out_shape,
                                                  int fix_out, const std::string& name) {
  if (fix_in.size() != 2 || in_shapes.size() != 2)
    return InvalidArgument(name + ": depthwise-fix takes exactly 2 inputs, got " + std::to_string(fix_in.size()));
  for (int64_t d : out_shape)
    if (d <= 0) return InvalidArgument(name + ": output shape " + ShapeToString(out_shape));
  DepthwiseFixParams p;
  p.type = type;
  p.size = NumElements(out_shape);
  for (size_t i = 0; i < 2; ++i) {
    SIGNDPU_ASSIGN_OR_RETURN(BroadcastMap m,
                             MakeBroadcastMap(in_shapes[i], out_shape, name + " input " + std::to_string(i)));
    p.maps.push_back(std::move(m));
  }
  if (type == EltwiseType::kAdd) {
    const int m = std::max(fix_in[0], fix_in[1]);
    p.in_shift = {m - fix_in[0], m - fix_in[1]};
    p.out_shift = m - fix_out;
  } else {
    p.in_shift = {0, 0};
    p.out_shift = fix_in[0] + fix_in[1] - fix_out;
  }
  for (int s : p.in_shift)
    if (s > 16) return OutOfRange(name + ": input fix points differ by more than 16");
  if (p.out_shift < -16 || p.out_shift > 16)
    return OutOfRange(name + ": output shift " + std::to_string(p.out_shift) + " outside [-16, 16]");
  return p;
}

namespace reference {

void DepthwiseFix(const DepthwiseFixParams& p, const std::vector<const int8_t*>& inputs, int8_t* out) {
  for (int64_t i = 0; i < p.size; ++i) {
    const int64_t a = inputs[0][p.maps[0].same ? i : p.maps[0].Offset(i)];
    const int64_t b = inputs[1][p.maps[1].same ? i : p.maps[1].Offset(i)];
    const int64_t v = p.type == EltwiseType::kMul
                          ? a * b
                          : a * (int64_t{1} << p.in_shift[0]) + b * (int64_t{1} << p.in_shift[1]);
    out[i] = static_cast<int8_t>(Sat8(ShiftRound(v, p.out_shift)));
  }
}

}  // namespace reference
}  // namespace signdpu
