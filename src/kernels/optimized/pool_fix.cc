// Optimised pool-fix dispatch; the loop body is PoolBody in pool_internal.h,
// compiled here for the baseline ISA (portable, NEON) and in pool_fix_avx2.cc
// with -mavx2; the AVX-512 path has its own int8 MAX loop (pool_fix_avx512.cc).
#include "signdpu/kernels/optimized/pool_fix.h"

#include <algorithm>
#include <vector>

#include "pool_internal.h"
#include "signdpu/core/check.h"

namespace signdpu::optimized {
namespace internal {

void PoolPortable(const PoolPlan& plan, const int8_t* in, int64_t batch, int8_t* out, void* scratch) {
  PoolBody(plan, in, batch, out, static_cast<int32_t*>(scratch));
}

}  // namespace internal

namespace {

class OptimizedPool final : public PreparedPool {
 public:
  OptimizedPool(const PoolParams& p, KernelPath path) : params_(p), path_(path) {
    const PoolConfig& c = p.config;
    plan_.in_h = c.input.h;
    plan_.in_w = c.input.w;
    plan_.c = c.input.c;
    plan_.out_h = p.output.h;
    plan_.out_w = p.output.w;
    plan_.kh = c.kernel_h;
    plan_.kw = c.kernel_w;
    plan_.sh = c.stride_h;
    plan_.sw = c.stride_w;
    plan_.pt = c.pad_top;
    plan_.pl = c.pad_left;
    plan_.is_max = c.type == PoolType::kMax ? 1 : 0;
    plan_.avg_multiplier = p.avg_multiplier;
    plan_.shift = p.shift;
    // Window sums are int32 in PoolBody: exact while kh * kw * 128 < 2^31.
    if (int64_t{c.kernel_h} * c.kernel_w * 128 > 2147483647) path_ = KernelPath::kReference;
  }

  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    thread_local std::vector<int32_t> scratch;  // Run may run on several threads at once
    if (scratch.size() < static_cast<size_t>(plan_.c)) scratch.resize(static_cast<size_t>(plan_.c));
    switch (path_) {
      case KernelPath::kReference: {
        PoolParams p = params_;
        p.config.input.n = batch;
        p.output.n = batch;
        reference::PoolFix(p, in, out);
        return;
      }
      case KernelPath::kAvx2:
        internal::PoolAvx2(plan_, in, batch, out, scratch.data());
        return;
      case KernelPath::kAvx512Vnni:
        internal::PoolAvx512(plan_, in, batch, out, scratch.data());
        return;
      default:
        internal::PoolPortable(plan_, in, batch, out, scratch.data());
        return;
    }
  }

 private:
  PoolParams params_;
  KernelPath path_;
  internal::PoolPlan plan_{};
};

}  // namespace

std::unique_ptr<PreparedPool> PreparePool(const PoolParams& params, KernelPath path) {
  const std::vector<KernelPath> paths = AvailableKernelPaths();
  SIGNDPU_CHECK(std::find(paths.begin(), paths.end(), path) != paths.end())
      << "kernel path " << KernelPathName(path) << " is not available on this CPU/build";
  return std::make_unique<OptimizedPool>(params, path);
}

}  // namespace signdpu::optimized
