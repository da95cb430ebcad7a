#include "signdpu/kernels/reference/eltwise_fix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace signdpu {
namespace {

TEST(EltwiseAddFix, GoldenSameAndDifferingFixPoints) {
  // fi = {2, 2}, fo = 1: (3 + 2) / 2 = 2.5 -> 3 ; (-3 - 2) / 2 = -2.5 -> -2
  auto p = MakeEltwiseParams({2, 2}, 1, 2, Activation::kNone);
  ASSERT_TRUE(p.ok());
  std::vector<int8_t> a = {3, -3}, b = {2, -2}, out(2);
  reference::EltwiseAddFix(p.value(), {a.data(), b.data()}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{3, -2}));
  // fi = {3, 1}, fo = 2: m = min = 1; t = (5*4) >> 2 = 5, (7*4) >> 0 = 28;
  // ShiftRound(33, 1 + 2 - 2) = 17.  Real: 5/8 + 7/2 = 4.125; * 4 = 16.5 -> 17
  auto q = MakeEltwiseParams({3, 1}, 2, 1, Activation::kNone);
  ASSERT_TRUE(q.ok());
  int8_t x = 5, y = 7, o = 0;
  reference::EltwiseAddFix(q.value(), {&x, &y}, &o);
  EXPECT_EQ(o, 17);
  // RELU and saturation
  auto r = MakeEltwiseParams({0, 0}, 0, 2, Activation::kRelu);
  ASSERT_TRUE(r.ok());
  std::vector<int8_t> c = {100, -100}, d = {100, -1};
  reference::EltwiseAddFix(r.value(), {c.data(), d.data()}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{127, 0}));
  EXPECT_FALSE(MakeEltwiseParams({0}, 0, 1, Activation::kNone).ok());
  EXPECT_FALSE(MakeEltwiseParams({0, 0}, 0, 1, Activation::kLeakyRelu).ok());
}

TEST(EltwiseAddFix, GuardBitsTruncateWhenFixPointsDifferByMoreThanTwo) {
  // 31 at fi 5 (0.96875) + 0 at fi 0 into fo 2. Exact: 3.875 -> 4. The ELEW
  // engine aligns to fi 0 with 2 guard bits: floor(31 * 4 / 32) = 3, then
  // ShiftRound(3, 0 + 2 - 2) = 3.
  auto p = MakeEltwiseParams({5, 0}, 2, 1, Activation::kNone);
  ASSERT_TRUE(p.ok());
  int8_t a = 31, b = 0, o = 0;
  reference::EltwiseFix(p.value(), {&a, &b}, &o);
  EXPECT_EQ(o, 3);
  // Negative values truncate toward -inf: -31 -> floor(-3.875) = -4.
  a = -31;
  reference::EltwiseFix(p.value(), {&a, &b}, &o);
  EXPECT_EQ(o, -4);
  // Field limits: shift_read 4 bits, shift_write +-15.
  EXPECT_FALSE(MakeEltwiseParams({16, 0}, 0, 1, Activation::kNone).ok());
  EXPECT_TRUE(MakeEltwiseParams({15, 0}, 0, 1, Activation::kNone).ok());
  EXPECT_FALSE(MakeEltwiseParams({0, 0}, 16, 1, Activation::kNone).ok());
  EXPECT_FALSE(MakeEltwiseParams({0, 0}, 0, 1, Activation::kRelu6).ok());
}

// Independent double-precision model of the ELEW rule (guard bits, floor,
// one DPU rounding): exact for these magnitudes.
double ElewAddModel(const std::vector<int>& fis, const std::vector<int8_t>& v, int fo) {
  const int m = *std::min_element(fis.begin(), fis.end());
  double sum = 0;
  for (size_t j = 0; j < v.size(); ++j) sum += std::floor(v[j] * std::ldexp(1.0, 2 - (fis[j] - m)));
  return std::floor(sum * std::ldexp(1.0, fo - m - 2) + 0.5);
}

TEST(EltwiseAddFix, MatchesElewModelOnRandomCases) {
  std::mt19937 rng(7);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int64_t checked = 0, truncated = 0;
  for (int t = 0; t < 2000; ++t) {
    const int k = uni(2, 4);
    std::vector<int> fis;
    for (int i = 0; i < k; ++i) fis.push_back(uni(-3, 12));
    const int m = *std::min_element(fis.begin(), fis.end());
    const int fo = uni(std::max(-4, m - 15), std::min(12, m + 15));
    auto p = MakeEltwiseParams(fis, fo, 50, Activation::kNone);
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::vector<std::vector<int8_t>> ins(k, std::vector<int8_t>(50));
    std::vector<const int8_t*> ptrs;
    for (auto& v : ins) {
      for (auto& x : v) x = static_cast<int8_t>(uni(-128, 127));
      ptrs.push_back(v.data());
    }
    std::vector<int8_t> out(50);
    reference::EltwiseFix(p.value(), ptrs, out.data());
    for (int i = 0; i < 50; ++i) {
      std::vector<int8_t> col;
      double exact = 0;
      for (int j = 0; j < k; ++j) {
        col.push_back(ins[j][i]);
        exact += ins[j][i] * std::ldexp(1.0, -fis[j]);
      }
      const double y = std::clamp(ElewAddModel(fis, col, fo), -128.0, 127.0);
      ASSERT_EQ(out[i], y) << "t=" << t << " i=" << i;
      const double e = std::clamp(std::floor(exact * std::ldexp(1.0, fo) + 0.5), -128.0, 127.0);
      if (e != y) ++truncated;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 100000);
  EXPECT_GT(truncated, 0);  // the rule differs from the exact sum somewhere
}

TEST(EltwiseMulFix, GoldenAndRandomAgainstExactProduct) {
  // 12 at fi 3 (1.5) * -10 at fi 2 (-2.5) into fo 1: -3.75 * 2 = -7.5 -> -7
  // (DPU tie toward +inf); ShiftRound(-120, 3 + 2 - 1) = (-120 + 8) >> 4 = -7.
  EltwiseConfig c;
  c.type = EltwiseType::kMul;
  c.fix_in = {3, 2};
  c.fix_out = 1;
  c.out_shape = {1};
  auto p = MakeEltwiseParams(c);
  ASSERT_TRUE(p.ok()) << p.status().message();
  int8_t a = 12, b = -10, o = 0;
  reference::EltwiseFix(p.value(), {&a, &b}, &o);
  EXPECT_EQ(o, -7);
  c.fix_in = {3, 2, 1};
  EXPECT_FALSE(MakeEltwiseParams(c).ok());  // MUL takes two inputs
  std::mt19937 rng(11);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 20000; ++t) {
    c.fix_in = {uni(-2, 8), uni(-2, 8)};
    c.fix_out = uni(c.fix_in[0] + c.fix_in[1] - 15, c.fix_in[0] + c.fix_in[1] + 3);
    c.activation = uni(0, 1) ? Activation::kRelu : Activation::kNone;
    auto q = MakeEltwiseParams(c);
    ASSERT_TRUE(q.ok()) << q.status().message();
    a = static_cast<int8_t>(uni(-128, 127));
    b = static_cast<int8_t>(uni(-128, 127));
    reference::EltwiseFix(q.value(), {&a, &b}, &o);
    double y = std::floor(a * std::ldexp(1.0, -c.fix_in[0]) * b * std::ldexp(1.0, -c.fix_in[1]) *
                              std::ldexp(1.0, c.fix_out) + 0.5);
    if (c.activation == Activation::kRelu) y = std::max(0.0, y);
    ASSERT_EQ(o, std::clamp(y, -128.0, 127.0)) << "t=" << t;
  }
}

TEST(EltwiseFix, BroadcastsAConstOperandPerChannel) {
  // [1,2,2,3] + const [3] (a per-channel bias at the same fix point).
  EltwiseConfig c;
  c.fix_in = {0, 0};
  c.fix_out = 0;
  c.out_shape = {1, 2, 2, 3};
  c.in_shapes = {{1, 2, 2, 3}, {3}};
  auto p = MakeEltwiseParams(c);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(p->any_broadcast);
  std::vector<int8_t> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, k = {100, -100, 1}, out(12);
  reference::EltwiseFix(p.value(), {x.data(), k.data()}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{100, -99, 3, 103, -96, 6, 106, -93, 9, 109, -90, 12}));
  // [1,1,1,3] and a per-pixel [1,2,2,1] operand broadcast as well.
  c.in_shapes = {{1, 1, 1, 3}, {1, 2, 2, 1}};
  p = MakeEltwiseParams(c);
  ASSERT_TRUE(p.ok());
  std::vector<int8_t> row = {1, 2, 3}, pix = {10, 20, 30, 40};
  reference::EltwiseFix(p.value(), {row.data(), pix.data()}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43}));
  c.in_shapes = {{1, 2, 2, 3}, {2}};
  EXPECT_FALSE(MakeEltwiseParams(c).ok());  // 2 does not broadcast to 3
}

TEST(EltwiseAddFix, MatchesFloatFormulaWhenFixPointsDifferByAtMostTwo) {
  std::mt19937 rng(99);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 1000; ++t) {
    const int k = uni(2, 3);
    std::vector<int> fis;
    const int base = uni(-2, 7);
    for (int i = 0; i < k; ++i) fis.push_back(base + uni(0, 2));
    const int fo = uni(-2, 7);
    const Activation act = uni(0, 1) ? Activation::kRelu : Activation::kNone;
    auto p = MakeEltwiseParams(fis, fo, 100, act);
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::vector<std::vector<int8_t>> ins(k, std::vector<int8_t>(100));
    std::vector<const int8_t*> ptrs;
    for (auto& v : ins) {
      for (auto& x : v) x = static_cast<int8_t>(uni(-128, 127));
      ptrs.push_back(v.data());
    }
    std::vector<int8_t> out(100, 0x5A);
    reference::EltwiseAddFix(p.value(), ptrs, out.data());
    for (int i = 0; i < 100; ++i) {
      double real = 0;
      for (int j = 0; j < k; ++j) real += ins[j][i] * std::ldexp(1.0, -fis[j]);
      double y = std::floor(real * std::ldexp(1.0, fo) + 0.5);
      if (act == Activation::kRelu) y = std::max(0.0, y);
      y = std::min(127.0, std::max(-128.0, y));
      ASSERT_EQ(out[i], y) << "t=" << t << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace signdpu
