// Every optimised pool-fix path against the reference kernel: exact equality,
// poison-filled and guarded output, fixed seed, the parameter tuple on failure.
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/optimized/pool_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"
#include "optimized_harness.h"

namespace signdpu {
namespace {

using testing::kPoison;
constexpr int64_t kGuard = 32;

std::string Describe(const PoolConfig& c, KernelPath path, uint32_t seed) {
  std::ostringstream s;
  s << "path=" << KernelPathName(path) << (c.type == PoolType::kMax ? " MAX" : " AVG") << " N=" << c.input.n
    << " H=" << c.input.h << " W=" << c.input.w << " C=" << c.input.c << " kernel=" << c.kernel_h << "x"
    << c.kernel_w << " stride=" << c.stride_h << "x" << c.stride_w << " pad(l,r,t,b)=" << c.pad_left << ","
    << c.pad_right << "," << c.pad_top << "," << c.pad_bottom << " fix(in,out)=" << c.fix_in << "," << c.fix_out
    << " seed=" << seed;
  return s.str();
}

TEST(PoolFixOptimizedTest, RandomSweepAllPaths) {
  std::mt19937 rng(20261127);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int channels[] = {1, 2, 3, 7, 8, 9, 16, 17, 31, 33, 64, 255, 257};
  int failures = 0;
  int cases = 0;
  while (cases < 3000 && failures < 10) {
    PoolConfig c;
    c.type = uni(0, 1) == 0 ? PoolType::kMax : PoolType::kAvg;
    c.input = {uni(1, 3), uni(1, 12), uni(1, 12), channels[uni(0, 12)]};
    c.kernel_h = uni(1, 7);
    c.kernel_w = uni(0, 2) == 0 ? uni(1, 7) : c.kernel_h;
    c.stride_h = uni(1, 3);
    c.stride_w = uni(1, 3);
    c.pad_top = uni(0, c.kernel_h - 1);
    c.pad_bottom = uni(0, c.kernel_h - 1);
    c.pad_left = uni(0, c.kernel_w - 1);
    c.pad_right = uni(0, c.kernel_w - 1);
    c.fix_in = uni(-4, 8);
    c.fix_out = c.fix_in - (uni(0, 2) == 0 ? uni(-8, 12) : 0);
    auto p = MakePoolParams(c, "pool");
    if (!p.ok()) continue;
    ++cases;
    const uint32_t seed = static_cast<uint32_t>(cases);
    std::mt19937 data_rng(seed);
    std::vector<int8_t> in(static_cast<size_t>(c.input.size()));
    const int mode = uni(0, 4);
    for (auto& v : in) {
      const int r = std::uniform_int_distribution<int>(-128, 127)(data_rng);
      v = static_cast<int8_t>(mode == 0 ? -128 : (mode == 1 ? -(r & 7) - 1 : r));  // all-negative windows too
    }
    std::vector<int8_t> want(static_cast<size_t>(p.value().output.size()), kPoison);
    reference::PoolFix(p.value(), in.data(), want.data());
    for (KernelPath path : AvailableKernelPaths()) {
      auto pool = optimized::PreparePool(p.value(), path);
      const PoolParams& pp = p.value();
      if (!testing::ExpectSameAsReference(
              want, kGuard, [&](int8_t* out) { pool->Run(in.data(), out, c.input.n); },
              [&] { return Describe(c, path, seed); },
              [&](int64_t i) { return testing::NhwcPosition(i, pp.output.h, pp.output.w, pp.output.c); }))
        ++failures;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(cases, 3000);
}

}  // namespace
}  // namespace signdpu
