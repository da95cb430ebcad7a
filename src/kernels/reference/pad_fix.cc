// Reference pad-fix. Formula and provenance: see the header.
#include "signdpu/kernels/reference/pad_fix.h"

#include <algorithm>
#include <cstring>

namespace signdpu {

namespace {

std::vector<int64_t> SourceIndex(int64_t size, int64_t before, int64_t after, PadMode mode) {
  std::vector<int64_t> idx;
  for (int64_t o = 0; o < before + size + after; ++o) {
    int64_t i = o - before;
    if (i < 0 || i >= size) {
      if (mode == PadMode::kConstant) {
        i = -1;
      } else if (mode == PadMode::kSymmetric) {
        i = i < 0 ? -1 - i : 2 * size - 1 - i;
      } else {
        i = i < 0 ? -i : 2 * size - 2 - i;
      }
    }
    idx.push_back(i);
  }
  return idx;
}

}  // namespace

bool ParsePadMode(const std::string& name, PadMode* mode) {
  if (name == "CONSTANT") {
    *mode = PadMode::kConstant;
  } else if (name == "SYMMETRIC") {
    *mode = PadMode::kSymmetric;
  } else if (name == "REFLECT") {
    *mode = PadMode::kReflect;
  } else {
    return false;
  }
  return true;
}

Result<PadParams> MakePadParams(const Nhwc& input, const std::vector<int>& paddings, PadMode mode,
                                const std::vector<int>& constant_values, int fix_in, int fix_out,
                                const std::string& name) {
  if (paddings.size() != 8)
    return Unsupported(name + ": " + std::to_string(paddings.size()) + " paddings (supported: 8, an NHWC map)");
  for (int v : paddings)
    if (v < 0) return InvalidArgument(name + ": negative padding " + std::to_string(v));
  if (paddings[0] != 0 || paddings[1] != 0 || paddings[6] != 0 || paddings[7] != 0)
    return Unsupported(name + ": padding along N or C (supported: H and W)");
  for (int v : constant_values)
    if (v != 0) return Unsupported(name + ": constant value " + std::to_string(v) + " (supported: 0)");
  if (fix_in != fix_out)
    return Unsupported(name + ": input fix point " + std::to_string(fix_in) + " differs from the output's " +
                       std::to_string(fix_out) + " (pad-fix copies bytes)");
  if (input.h <= 0 || input.w <= 0 || input.c <= 0) return InvalidArgument(name + ": empty input");
  PadParams p;
  p.input = input;
  p.top = paddings[2];
  p.bottom = paddings[3];
  p.left = paddings[4];
  p.right = paddings[5];
  p.mode = mode;
  const int64_t limit_h = mode == PadMode::kReflect ? input.h - 1 : input.h;
  const int64_t limit_w = mode == PadMode::kReflect ? input.w - 1 : input.w;
  if (mode != PadMode::kConstant &&
      (std::max(p.top, p.bottom) > limit_h || std::max(p.left, p.right) > limit_w))
    return Unsupported(name + ": a mirrored pad larger than the map allows (H " + std::to_string(input.h) +
                       ", W " + std::to_string(input.w) + ")");
  p.output = {1, input.h + p.top + p.bottom, input.w + p.left + p.right, input.c};
  p.rows = SourceIndex(input.h, p.top, p.bottom, mode);
  p.cols = SourceIndex(input.w, p.left, p.right, mode);
  return p;
}

namespace reference {

void PadFix(const PadParams& p, const int8_t* in, int8_t* out) {
  const int64_t ch = p.input.c;
  for (int64_t oy = 0; oy < p.output.h; ++oy) {
    for (int64_t ox = 0; ox < p.output.w; ++ox, out += ch) {
      if (p.rows[oy] < 0 || p.cols[ox] < 0) {
        std::memset(out, 0, static_cast<size_t>(ch));
      } else {
        std::memcpy(out, in + (p.rows[oy] * p.input.w + p.cols[ox]) * ch, static_cast<size_t>(ch));
      }
    }
  }
}

}  // namespace reference
}  // namespace signdpu
