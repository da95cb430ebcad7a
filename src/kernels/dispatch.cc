#include "signdpu/kernels/dispatch.h"

#include <cstdlib>
#include <cstring>

namespace signdpu {

const char* KernelPathName(KernelPath path) {
  switch (path) {
    case KernelPath::kReference: return "reference";
    case KernelPath::kPortable: return "portable";
    case KernelPath::kAvx2: return "avx2";
    case KernelPath::kAvx512Vnni: return "avx512vnni";
    case KernelPath::kNeon: return "neon";
  }
  return "reference";
}

std::vector<KernelPath> AvailableKernelPaths() {
  std::vector<KernelPath> paths = {KernelPath::kReference, KernelPath::kPortable};
#if defined(__x86_64__) && defined(SIGNDPU_HAVE_X86_KERNELS)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) paths.push_back(KernelPath::kAvx2);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vnni"))
    paths.push_back(KernelPath::kAvx512Vnni);
#endif
#if defined(__aarch64__) && defined(SIGNDPU_HAVE_NEON_KERNELS)
  paths.push_back(KernelPath::kNeon);
#endif
  return paths;
}

KernelPath BestKernelPath() {
  const char* force = std::getenv("SIGNDPU_REFERENCE_KERNELS");
  if (force != nullptr && force[0] != '\0' && std::strcmp(force, "0") != 0) return KernelPath::kReference;
  return AvailableKernelPaths().back();
}

}  // namespace signdpu
