// Run-time choice of kernel implementation. The reference path is always
// compiled; optimised paths must be bit-exact with it (tests/kernels/).
#pragma once

#include <string>
#include <vector>

namespace signdpu {

enum class KernelPath {
  kReference,   // kernels/reference: the normative, plain loops
  kPortable,    // packed weights, plain C++ (any CPU)
  kAvx2,        // x86-64 AVX2
  kAvx512Vnni,  // x86-64 AVX-512 VNNI
  kNeon,        // aarch64 NEON (the board's Cortex-A53)
};

const char* KernelPathName(KernelPath path);
// Paths this CPU can run, reference first.
std::vector<KernelPath> AvailableKernelPaths();
// The fastest available path, or kReference when the environment variable
// SIGNDPU_REFERENCE_KERNELS is set to a non-empty value other than "0".
KernelPath BestKernelPath();

}  // namespace signdpu
