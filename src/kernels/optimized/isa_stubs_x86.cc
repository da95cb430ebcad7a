// The x86-64 kernel entry points on builds without them (aarch64): stubs in
// the manner of ruy's per-ISA stub kernels, so that the dispatching code
// (conv2d_fix.cc, pool_fix.cc) names every path without preprocessor
// switches. Never called: AvailableKernelPaths() (dispatch.cc, the one place
// that knows which ISAs were compiled) offers kAvx2 / kAvx512Vnni only where
// the real files are built, and Prepare* CHECKs the path is available.
#include "conv_internal.h"
#include "pool_internal.h"
#include "signdpu/core/check.h"

namespace signdpu::optimized::internal {
namespace {

[[noreturn]] void NotCompiled(const char* entry) {
  SIGNDPU_CHECK(false) << entry << ": the x86-64 kernels are not compiled into this build";
  __builtin_unreachable();
}

}  // namespace

void FinishChannelsAvx2(const ChannelStage&, const int32_t*, int64_t, int8_t*) { NotCompiled("FinishChannelsAvx2"); }
void FinishChannelsAvx512(const ChannelStage&, const int32_t*, int64_t, int8_t*) {
  NotCompiled("FinishChannelsAvx512");
}
const GemmKernel& GemmKernelAvx2() { NotCompiled("GemmKernelAvx2"); }
void DepthwiseAvx2(const DepthwisePlan&, const int8_t*, int64_t, int8_t*, int32_t*, void*) {
  NotCompiled("DepthwiseAvx2");
}
const GemmKernel& GemmKernelAvx512Vnni() { NotCompiled("GemmKernelAvx512Vnni"); }
void DepthwiseAvx512(const DepthwisePlan&, const int8_t*, int64_t, int8_t*, int32_t*, void*) {
  NotCompiled("DepthwiseAvx512");
}
void PoolAvx2(const PoolPlan&, const int8_t*, int64_t, int8_t*, void*) { NotCompiled("PoolAvx2"); }
void PoolAvx512(const PoolPlan&, const int8_t*, int64_t, int8_t*, void*) { NotCompiled("PoolAvx512"); }

}  // namespace signdpu::optimized::internal
