// The aarch64 NEON kernel entry points on builds without them (x86-64):
// never-called stubs, as isa_stubs_x86.cc explains.
#include "conv_internal.h"
#include "signdpu/core/check.h"

namespace signdpu::optimized::internal {
namespace {

[[noreturn]] void NotCompiled(const char* entry) {
  SIGNDPU_CHECK(false) << entry << ": the NEON kernels are not compiled into this build";
  __builtin_unreachable();
}

}  // namespace

const GemmKernel& GemmKernelNeon() { NotCompiled("GemmKernelNeon"); }
void DepthwiseNeon(const DepthwisePlan&, const int8_t*, int64_t, int8_t*, int32_t*, void*) {
  NotCompiled("DepthwiseNeon");
}

}  // namespace signdpu::optimized::internal
