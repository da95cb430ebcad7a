// pool-fix reference kernel: goldens and random cases against the float formula.
#include "signdpu/kernels/reference/pool_fix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace signdpu {
namespace {

TEST(AvgPoolFactor, DpuTableAndSearch) {
  struct Case { int k; int64_t n; int m; } const cases[] = {
      {2, 1, 2}, {3, 7, 6}, {5, 10, 8}, {6, 7, 8}, {7, 21, 10}, {14, 21, 12},
      {1, 1, 0},
  };
  for (const auto& c : cases) {
    int64_t n;
    int m;
    AvgPoolFactor(c.k, c.k, &n, &m);
    EXPECT_EQ(n, c.n) << c.k;
    EXPECT_EQ(m, c.m) << c.k;
  }
  // 4x4 = 16: exact at s = 4 (1/16), the smallest exact s.
  int64_t n;
  int m;
  AvgPoolFactor(4, 4, &n, &m);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(m, 4);
  // 1x3 (k = 3): search over s in [0, ceil(log2(384)) = 9): best is s = 8,
  // round(256/3) = 85, |85/256 - 1/3| = 0.0013 (s = 7: 43/128, error 0.0026)
  AvgPoolFactor(1, 3, &n, &m);
  EXPECT_EQ(n, 85);
  EXPECT_EQ(m, 8);
}

TEST(PoolFix, GoldenMaxSkipsPaddingAndAllNegativeWindows) {
  // input [1,2,2,1] = {-5, -3, -9, -7}, 2x2 window with pad 1 on right/bottom,
  // stride 2: one window covering everything -> max -3 (not 0: padding skipped,
  // start at -128).
  PoolConfig c;
  c.input = {1, 2, 2, 1};
  c.type = PoolType::kMax;
  c.kernel_h = c.kernel_w = 2;
  c.stride_h = c.stride_w = 2;
  auto p = MakePoolParams(c);
  ASSERT_TRUE(p.ok());
  const std::vector<int8_t> in = {-5, -3, -9, -7};
  int8_t out = 0;
  reference::PoolFix(p.value(), in.data(), &out);
  EXPECT_EQ(out, -3);
  c.input = {1, 1, 1, 1};
  c.pad_right = c.pad_bottom = 1;
  p = MakePoolParams(c);
  ASSERT_TRUE(p.ok());
  const int8_t one = -100;
  reference::PoolFix(p.value(), &one, &out);
  EXPECT_EQ(out, -100);
}

TEST(PoolFix, GoldenAvg3x3UsesSevenOverSixtyFour) {
  // 3x3 of all 9s, fi = fo: sum 81 * 7 = 567; 567 / 64 = 8.859 -> 9
  // (the true mean is 9; the DPU factor 7/64 = 0.109 gives 8.86 -> 9)
  // 3x3 of all 10s: 90 * 7 = 630; /64 = 9.84 -> 10
  // 3x3 of all 100s: 900 * 7 / 64 = 98.4 -> 98 (not 100: the DPU's factor)
  PoolConfig c;
  c.input = {1, 3, 3, 1};
  c.type = PoolType::kAvg;
  c.kernel_h = c.kernel_w = 3;
  c.stride_h = c.stride_w = 1;
  auto p = MakePoolParams(c);
  ASSERT_TRUE(p.ok());
  for (auto [v, want] : {std::pair<int, int>{9, 9}, {10, 10}, {100, 98}}) {
    std::vector<int8_t> in(9, static_cast<int8_t>(v));
    int8_t out = 0;
    reference::PoolFix(p.value(), in.data(), &out);
    EXPECT_EQ(out, want) << v;
  }
}

TEST(PoolFix, GoldenAvg2x2TiesAndFixPointChange) {
  // 2x2 avg, exact 1/4: {1, 2, 2, 0}: sum 5 -> 5/4 = 1.25 -> 1;
  // {1, 2, 2, 1}: 6/4 = 1.5 -> 2; {-1,-2,-2,-1}: -1.5 -> -1 (tie toward +inf)
  // With fi = 2, fo = 1 the shift grows by 1: {1,2,2,1} -> 6/8 = 0.75 -> 1
  PoolConfig c;
  c.input = {1, 2, 2, 1};
  c.type = PoolType::kAvg;
  auto p = MakePoolParams(c);
  ASSERT_TRUE(p.ok());
  auto run = [&](const PoolParams& pp, std::vector<int8_t> in) {
    int8_t out = 0;
    reference::PoolFix(pp, in.data(), &out);
    return int(out);
  };
  EXPECT_EQ(run(p.value(), {1, 2, 2, 0}), 1);
  EXPECT_EQ(run(p.value(), {1, 2, 2, 1}), 2);
  EXPECT_EQ(run(p.value(), {-1, -2, -2, -1}), -1);
  c.fix_in = 2;
  c.fix_out = 1;
  auto p2 = MakePoolParams(c);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(run(p2.value(), {1, 2, 2, 1}), 1);
}

TEST(PoolFix, MatchesFloatFormulaOnRandomCases) {
  std::mt19937 rng(7);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int64_t checked = 0;
  while (checked < 100000) {
    PoolConfig c;
    c.input = {1, uni(1, 9), uni(1, 9), uni(1, 5)};
    c.type = uni(0, 1) ? PoolType::kMax : PoolType::kAvg;
    c.kernel_h = uni(1, 4);
    c.kernel_w = uni(1, 4);
    c.stride_h = uni(1, 3);
    c.stride_w = uni(1, 3);
    c.pad_left = uni(0, c.kernel_w - 1);
    c.pad_right = uni(0, c.kernel_w - 1);
    c.pad_top = uni(0, c.kernel_h - 1);
    c.pad_bottom = uni(0, c.kernel_h - 1);
    c.fix_in = uni(-2, 6);
    c.fix_out = c.fix_in + uni(-2, 2);
    auto pr = MakePoolParams(c);
    if (!pr.ok()) continue;
    const PoolParams& p = pr.value();
    std::vector<int8_t> in(c.input.size());
    for (auto& v : in) v = static_cast<int8_t>(uni(-128, 127));
    std::vector<int8_t> out(p.output.size(), 0x5A);
    reference::PoolFix(p, in.data(), out.data());
    for (int64_t oy = 0; oy < p.output.h; ++oy)
      for (int64_t ox = 0; ox < p.output.w; ++ox)
        for (int64_t ch = 0; ch < c.input.c; ++ch) {
          double mx = -1e9, sum = 0;
          for (int ky = 0; ky < c.kernel_h; ++ky)
            for (int kx = 0; kx < c.kernel_w; ++kx) {
              const int64_t iy = oy * c.stride_h + ky - c.pad_top, ix = ox * c.stride_w + kx - c.pad_left;
              if (iy < 0 || ix < 0 || iy >= c.input.h || ix >= c.input.w) continue;
              const double v = in[(iy * c.input.w + ix) * c.input.c + ch];
              mx = std::max(mx, v);
              sum += v;
            }
          // real in = q * 2^-fi ; out = floor(real * 2^fo + 0.5)
          const double scale = std::ldexp(1.0, c.fix_out - c.fix_in);
          double y = c.type == PoolType::kMax
                         ? std::floor(mx * scale + 0.5)
                         : std::floor(sum * p.avg_multiplier * std::ldexp(1.0, -p.avg_shift) * scale + 0.5);
          y = std::min(127.0, std::max(-128.0, y));
          const int got = out[(oy * p.output.w + ox) * c.input.c + ch];
          ASSERT_EQ(got, y) << "type=" << int(c.type) << " k=" << c.kernel_h << "x" << c.kernel_w
                            << " fi=" << c.fix_in << " fo=" << c.fix_out;
          ++checked;
        }
  }
}

}  // namespace
}  // namespace signdpu
