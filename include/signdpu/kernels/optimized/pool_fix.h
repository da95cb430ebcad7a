// Optimised pool-fix (MAX and AVG): channels innermost, vectorised by the
// compiler per ISA. Bit-exact with kernels/reference/pool_fix
// (tests/kernels/pool_fix_optimized_test.cc): window sums fit int32
// (kh * kw * 128), the final ShiftRound(y * N, shift) and Sat8 run in int64.
#pragma once

#include <cstdint>
#include <memory>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/reference/pool_fix.h"

namespace signdpu::optimized {

class PreparedPool {
 public:
  virtual ~PreparedPool() = default;
  // `batch` images in params' NHWC layout (params.config.input.n ignored).
  virtual void Run(const int8_t* in, int8_t* out, int64_t batch) const = 0;
};

// `path` must be in AvailableKernelPaths() (CHECKed).
std::unique_ptr<PreparedPool> PreparePool(const PoolParams& params, KernelPath path);

}  // namespace signdpu::optimized
