#include "signdpu/kernels/reference/convert_fix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "signdpu/kernels/reference/softmax.h"

namespace signdpu::reference {
namespace {

TEST(Float2Fix, DpuRoundingAndSaturation) {
  // fix_point 7: x * 128
  const std::vector<float> x = {0.0f, 1.5f / 128, -1.5f / 128, -0.5f / 128, 2.0f, -2.0f};
  std::vector<int8_t> q(x.size());
  Float2Fix(x.data(), static_cast<int64_t>(x.size()), 7, q.data());
  EXPECT_EQ(q, (std::vector<int8_t>{0, 2, -1, 0, 127, -128}));
}

TEST(Fix2Float, NegativeFixPoint) {
  const std::vector<int8_t> q = {3, -128, 127};
  std::vector<float> x(3);
  Fix2Float(q.data(), 3, -2, x.data());
  EXPECT_EQ(x, (std::vector<float>{12.0f, -512.0f, 508.0f}));
  Fix2Float(q.data(), 3, 4, x.data());
  EXPECT_EQ(x, (std::vector<float>{3.0f / 16, -8.0f, 127.0f / 16}));
}

TEST(ConcatChannelsFix, SlicesPerPixelInInputOrder) {
  // 3 pixels; inputs with 1 and 2 channels.
  const std::vector<int8_t> a = {1, 2, 3}, b = {10, 11, 20, 21, 30, 31};
  std::vector<int8_t> out(9, 0x5A);
  ConcatChannelsFix({a.data(), b.data()}, {1, 2}, 3, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{1, 10, 11, 2, 20, 21, 3, 30, 31}));
  ConcatChannelsFix({b.data(), a.data()}, {2, 1}, 3, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{10, 11, 1, 20, 21, 2, 30, 31, 3}));
}

TEST(Softmax, SumsToOneAndIsShiftInvariant) {
  const std::vector<float> a = {1, 2, 3, 1000, 1001, 1002};
  std::vector<float> y(6);
  Softmax(a.data(), 2, 3, y.data());
  for (int r = 0; r < 2; ++r) {
    EXPECT_NEAR(y[r * 3] + y[r * 3 + 1] + y[r * 3 + 2], 1.0f, 1e-6f);
    EXPECT_NEAR(y[r * 3 + 2], 0.66524096f, 1e-6f);
  }
}

TEST(TopK, OrderAndTies) {
  const std::vector<float> v = {0.1f, 0.5f, 0.5f, 0.9f};
  auto top = TopK(v.data(), 4, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, 3);
  EXPECT_EQ(top[1].first, 1);  // tie: lower index first
  EXPECT_EQ(top[2].first, 2);
  EXPECT_EQ(TopK(v.data(), 4, 10).size(), 4u);
}

}  // namespace
}  // namespace signdpu::reference
