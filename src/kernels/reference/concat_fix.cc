// Reference concat-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/concat_fix.h"

#include <cstring>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

Result<ConcatParams> MakeConcatParams(const std::vector<Shape>& in_shapes, const std::vector<int>& fix_in,
                                      const Shape& out_shape, int fix_out, int axis, const std::string& name) {
  if (in_shapes.empty() || in_shapes.size() != fix_in.size())
    return InvalidArgument(name + ": concat needs one fix point per input and at least one input");
  const int rank = static_cast<int>(out_shape.size());
  const int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    return InvalidArgument(name + ": axis " + std::to_string(axis) + " outside a rank-" + std::to_string(rank) +
                           " shape");
  ConcatParams p;
  for (int d = 0; d < a; ++d) p.outer *= out_shape[d];
  int64_t along = 0;
  for (size_t i = 0; i < in_shapes.size(); ++i) {
    const Shape& s = in_shapes[i];
    if (static_cast<int>(s.size()) != rank)
      return InvalidArgument(name + ": input " + std::to_string(i) + " shape " + ShapeToString(s) +
                             " has another rank than the output " + ShapeToString(out_shape));
    for (int d = 0; d < rank; ++d)
      if (d != a && s[d] != out_shape[d])
        return InvalidArgument(name + ": input " + std::to_string(i) + " shape " + ShapeToString(s) +
                               " differs from the output " + ShapeToString(out_shape) + " off the axis");
    along += s[a];
    int64_t inner = 1;
    for (int d = a; d < rank; ++d) inner *= s[d];
    p.inner.push_back(inner);
    p.out_inner += inner;
    const int shift = fix_in[i] - fix_out;
    if (shift < -16 || shift > 16)
      return OutOfRange(name + ": input " + std::to_string(i) + " fix point " + std::to_string(fix_in[i]) +
                        " is more than 16 away from the output's " + std::to_string(fix_out));
    p.shift.push_back(shift);
  }
  if (along != out_shape[a])
    return InvalidArgument(name + ": inputs sum to " + std::to_string(along) + " along axis " + std::to_string(a) +
                           ", the output has " + std::to_string(out_shape[a]));
  return p;
}

namespace reference {

void ConcatFix(const ConcatParams& p, const std::vector<const int8_t*>& inputs, int8_t* out) {
  for (int64_t o = 0; o < p.outer; ++o) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      const int8_t* src = inputs[i] + o * p.inner[i];
      if (p.shift[i] == 0) {
        std::memcpy(out, src, static_cast<size_t>(p.inner[i]));
      } else {
        for (int64_t k = 0; k < p.inner[i]; ++k) out[k] = static_cast<int8_t>(Sat8(ShiftRound(src[k], p.shift[i])));
      }
      out += p.inner[i];
    }
  }
}

}  // namespace reference
}  // namespace signdpu
