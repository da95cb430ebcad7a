// Conversions at DPU boundaries (XIR ops fix2float, float2fix, reshape-fix,
// upload, download), reference kernels.
//   float2fix:  q = Sat8(floor(x * 2^fp + 0.5))     (DPU_ROUND; NaN -> 0, inferred)
//   fix2float:  x = q * 2^-fp
//   reshape-fix, upload, download: byte copies of the NHWC buffer. [checked]
//   concat-fix (channel axis, all fix points equal): per pixel, the inputs'
//   channel slices one after another.
#pragma once

#include <cstdint>
#include <vector>

namespace signdpu::reference {

void Float2Fix(const float* in, int64_t size, int fix_point, int8_t* out);
void Fix2Float(const int8_t* in, int64_t size, int fix_point, float* out);
void CopyFix(const int8_t* in, int64_t size, int8_t* out);
// Channel concatenation of NHWC buffers: input i has `channels[i]` channels,
// the output sum(channels); `pixels` = images * H * W. No requantisation
// (the op requires equal fix points).
void ConcatChannelsFix(const std::vector<const int8_t*>& ins, const std::vector<int64_t>& channels, int64_t pixels,
                       int8_t* out);

}  // namespace signdpu::reference
