#include "signdpu/kernels/reference/convert_fix.h"

#include <cstring>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu::reference {

void Float2Fix(const float* in, int64_t size, int fix_point, int8_t* out) {
  for (int64_t i = 0; i < size; ++i) out[i] = QuantizeDpu(in[i], fix_point);
}

void Fix2Float(const int8_t* in, int64_t size, int fix_point, float* out) {
  const float scale = static_cast<float>(Pow2(-fix_point));
  for (int64_t i = 0; i < size; ++i) out[i] = static_cast<float>(in[i]) * scale;
}

void CopyFix(const int8_t* in, int64_t size, int8_t* out) {
  if (size > 0 && in != out) std::memmove(out, in, static_cast<size_t>(size));
}

void ConcatChannelsFix(const std::vector<const int8_t*>& ins, const std::vector<int64_t>& channels, int64_t pixels,
                       int8_t* out) {
  for (int64_t p = 0; p < pixels; ++p) {
    for (size_t i = 0; i < ins.size(); ++i) {
      const size_t c = static_cast<size_t>(channels[i]);
      std::memcpy(out, ins[i] + p * channels[i], c);
      out += c;
    }
  }
}

}  // namespace signdpu::reference
