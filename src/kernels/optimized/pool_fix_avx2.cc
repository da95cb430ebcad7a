// x86-64 AVX2 pool-fix path: PoolBody (pool_internal.h) compiled with -mavx2
// (src/kernels/CMakeLists.txt), only called after AvailableKernelPaths() saw
// AVX2 at run time; no C++ library header (see conv_internal.h).
#include "pool_internal.h"

namespace signdpu::optimized::internal {

void PoolAvx2(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out, void* scratch) {
  PoolBody(plan, in, batch, out, static_cast<int32_t*>(scratch));
}

}  // namespace signdpu::optimized::internal
