// Optimised eltwise-fix. Arithmetic: kernels/reference/eltwise_fix.h; bounds:
// this file's header.
#include "signdpu/kernels/optimized/eltwise_fix.h"

#include <algorithm>

namespace signdpu::optimized {

namespace {

constexpr int64_t kChunk = 1024;

void Accumulate(const EltwiseParams& p, const std::vector<const int8_t*>& in, int64_t base, int64_t n,
                int32_t* acc) {
  if (p.type == EltwiseType::kMul) {
    const int8_t* a = in[0] + base;
    const int8_t* b = in[1] + base;
    for (int64_t i = 0; i < n; ++i) acc[i] = int32_t{a[i]} * int32_t{b[i]};
    return;
  }
  for (size_t j = 0; j < in.size(); ++j) {
    const int8_t* s = in[j] + base;
    const int sr = p.shift_read[j];
    if (j == 0) {
      for (int64_t i = 0; i < n; ++i) acc[i] = (int32_t{s[i]} * 4) >> sr;
    } else {
      for (int64_t i = 0; i < n; ++i) acc[i] += (int32_t{s[i]} * 4) >> sr;
    }
  }
}

void Finish(const EltwiseParams& p, const int32_t* acc, int64_t n, int8_t* out) {
  const int s = p.out_shift;
  const int32_t lo = p.activation == Activation::kRelu ? 0 : -128;
  if (s > 0) {
    const int32_t half = int32_t{1} << (s - 1);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(std::clamp((acc[i] + half) >> s, lo, 127));
  } else {
    const int32_t mul = int32_t{1} << (-s);
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(std::clamp(acc[i] * mul, lo, 127));
  }
}

}  // namespace

void EltwiseFix(const EltwiseParams& p, const std::vector<const int8_t*>& inputs, int8_t* out) {
  if (p.any_broadcast) {
    reference::EltwiseFix(p, inputs, out);
    return;
  }
  int32_t acc[kChunk];
  for (int64_t base = 0; base < p.size; base += kChunk) {
    const int64_t n = std::min(kChunk, p.size - base);
    Accumulate(p, inputs, base, n, acc);
    Finish(p, acc, n, out + base);
  }
}

}  // namespace signdpu::optimized
