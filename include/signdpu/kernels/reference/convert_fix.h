// Conversions at DPU boundaries (XIR ops fix2float, float2fix, reshape-fix,
// upload, download), reference kernels.
//   float2fix:  q = Sat8(floor(x * 2^fp + 0.5))     (DPU_ROUND; NaN -> 0, inferred)
//   fix2float:  x = q * 2^-fp
//   reshape-fix, upload, download: byte copies of the NHWC buffer. [checked]
#pragma once

#include <cstdint>

namespace signdpu::reference {

void Float2Fix(const float* in, int64_t size, int fix_point, int8_t* out);
void Fix2Float(const int8_t* in, int64_t size, int fix_point, float* out);
void CopyFix(const int8_t* in, int64_t size, int8_t* out);

}  // namespace signdpu::reference
