// The shared harness of the optimised-vs-reference kernel tests (in the
// manner of ncnn's test_layer): the optimised kernel writes into a buffer
// pre-filled with a poison value and guarded on both sides, the result must
// equal the reference exactly, and the first problem is reported with where
// it is and the full description of the case.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/kernels/dispatch.h"

namespace signdpu::testing {

inline constexpr int8_t kPoison = 0x5A;

// Every available path but the reference.
inline std::vector<KernelPath> OptimizedPaths() {
  std::vector<KernelPath> paths;
  for (KernelPath p : AvailableKernelPaths())
    if (p != KernelPath::kReference) paths.push_back(p);
  return paths;
}

// run(out) writes want.size() bytes at `out`; `guard` poison bytes either
// side must survive and every byte must equal `want`. describe() names the
// case, locate(i) element i (both only called on failure). False (after one
// ADD_FAILURE) on the first problem.
template <typename Run, typename Describe, typename Locate>
bool ExpectSameAsReference(const std::vector<int8_t>& want, int64_t guard, Run run, Describe describe,
                           Locate locate) {
  std::vector<int8_t> got(want.size() + 2 * static_cast<size_t>(guard), kPoison);
  run(got.data() + guard);
  for (int64_t i = 0; i < guard; ++i) {
    if (got[static_cast<size_t>(i)] != kPoison || got[got.size() - 1 - static_cast<size_t>(i)] != kPoison) {
      ADD_FAILURE() << "write outside the output buffer; " << describe();
      return false;
    }
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const int8_t g = got[static_cast<size_t>(guard) + i];
    if (g != want[i]) {
      ADD_FAILURE() << "mismatch at " << locate(static_cast<int64_t>(i)) << ": got " << int{g} << " want "
                    << int{want[i]} << "; " << describe();
      return false;
    }
  }
  return true;
}

// "n=.. y=.. x=.. c=.." of element i of an NHWC tensor.
inline std::string NhwcPosition(int64_t i, int64_t h, int64_t w, int64_t c, const char* channel = "c") {
  return "n=" + std::to_string(i / (h * w * c)) + " y=" + std::to_string((i / (w * c)) % h) +
         " x=" + std::to_string((i / c) % w) + " " + channel + "=" + std::to_string(i % c);
}

}  // namespace signdpu::testing
