// Optimised eltwise-fix (ADD / MUL of same-shape operands, the case of large
// feature maps): chunks of 1024 elements in int32, loops the compiler
// vectorises for any ISA. Bit-exact with kernels/reference/eltwise_fix
// (tests/kernels/eltwise_fix_optimized_test.cc): an ADD sum is at most
// 15 inputs * 127 * 4 = 7620 in magnitude and a MUL product 2^14, so even
// the largest left shift (15) stays below 2^31. Broadcast operands fall back
// to the reference kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "signdpu/kernels/reference/eltwise_fix.h"

namespace signdpu::optimized {

// `params.size` elements (the caller may scale it by the batch when no
// operand is broadcast).
void EltwiseFix(const EltwiseParams& params, const std::vector<const int8_t*>& inputs, int8_t* out);

}  // namespace signdpu::optimized
