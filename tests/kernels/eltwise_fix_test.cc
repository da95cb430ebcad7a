#include "signdpu/kernels/reference/eltwise_fix.h"

#include <gtest/gtest.h>

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
  // fi = {3, 1}, fo = 2 [inferred alignment]: m = 3; 5 + (7 << 2) = 33;
  // 33 / 2 = 16.5 -> 17.  Real: 5/8 + 7/2 = 4.125; * 4 = 16.5 -> 17
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

TEST(EltwiseAddFix, MatchesFloatFormulaOnRandomCases) {
  std::mt19937 rng(99);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 1000; ++t) {
    const int k = uni(2, 3);
    std::vector<int> fis;
    for (int i = 0; i < k; ++i) fis.push_back(uni(-2, 7));
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
