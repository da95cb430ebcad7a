#include "signdpu/quantize/fix_point_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace signdpu::quantize {
namespace {

TEST(NonOverflow, LargestPositionThatDoesNotSaturate) {
  // max 0.99: 0.99 * 128 = 126.7 <= 127 -> fp 7
  std::vector<float> a = {0.1f, -0.5f, 0.99f};
  EXPECT_EQ(NonOverflowFixPoint(a.data(), 3), 7);
  // max 1.0: 1.0 * 128 = 128 > 127 -> fp 6 ; but -1.0 * 128 = -128 fits
  std::vector<float> b = {1.0f};
  EXPECT_EQ(NonOverflowFixPoint(b.data(), 1), 6);
  std::vector<float> c = {-1.0f};
  EXPECT_EQ(NonOverflowFixPoint(c.data(), 1), 7);
  // max 300: 300 * 2^-2 = 75 fits, 300 * 2^-1 = 150 does not -> fp -2... -1 gives 150 > 127
  std::vector<float> d = {300.0f};
  EXPECT_EQ(NonOverflowFixPoint(d.data(), 1), -2);
}

TEST(MinMse, PrefersFinerStepWhenOutliersAreRare) {
  // 100,000 small values and one outlier: clipping the outlier costs less than
  // the coarse step costs everywhere else.
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.0f, 0.05f);
  std::vector<float> v(100000);  // noise at fp 6: 1e5 * (1/64)^2 / 12 = 2.0; at fp 7: 0.5 + clipping (1.9 - 127/128)^2 = 1.3
  for (auto& x : v) x = n(rng);
  v.push_back(1.9f);
  const int no = NonOverflowFixPoint(v.data(), static_cast<int64_t>(v.size()));
  const int mse = MinMseFixPoint(v.data(), static_cast<int64_t>(v.size()), RoundMode::kDpu);
  EXPECT_EQ(no, 6);
  EXPECT_GT(mse, no);
  EXPECT_LT(QuantizationSquaredError(v.data(), static_cast<int64_t>(v.size()), mse, RoundMode::kDpu),
            QuantizationSquaredError(v.data(), static_cast<int64_t>(v.size()), no, RoundMode::kDpu));
}

TEST(ActivationObserver, MostCommonPositionTiesToSmaller) {
  ActivationObserver o(CalibMethod::kNonOverflow);
  std::vector<float> a = {0.9f}, b = {1.9f}, c = {3.9f};
  o.ObserveBatch(a.data(), 1);  // 7
  o.ObserveBatch(b.data(), 1);  // 6
  o.ObserveBatch(b.data(), 1);  // 6
  o.ObserveBatch(c.data(), 1);  // 5
  EXPECT_EQ(o.FixPoint(), 6);
  o.ObserveBatch(a.data(), 1);  // 7 twice now: tie 6 vs 7 -> 6
  EXPECT_EQ(o.FixPoint(), 6);
}

TEST(QuantizeWeights, StdRoundingAndSqnr) {
  // fp chosen so the max fits; ties round away from zero (STD_ROUND).
  std::vector<float> w = {0.9f, -0.25f, 0.125f, 0.01171875f};  // last = 1.5 / 128
  QuantizedTensor q = QuantizeWeights(w);
  EXPECT_EQ(q.fix_point, 7);
  EXPECT_EQ(q.q, (std::vector<int8_t>{115, -32, 16, 2}));  // 0.9 * 128 = 115.2
  std::vector<float> neg = {-0.01171875f, 0.9f};
  QuantizedTensor qn = QuantizeWeightsAt(neg, 7);
  EXPECT_EQ(qn.q[0], -2);  // -1.5 -> -2 away from zero (DPU rounding would give -1)
  EXPECT_GT(q.sqnr_db, 40.0);
}

TEST(CalibMethod, Names) {
  CalibMethod m;
  ASSERT_TRUE(ParseCalibMethod("non-overflow", &m));
  EXPECT_EQ(m, CalibMethod::kNonOverflow);
  ASSERT_TRUE(ParseCalibMethod("min-mse", &m));
  EXPECT_EQ(m, CalibMethod::kMinMse);
  EXPECT_FALSE(ParseCalibMethod("kl", &m));
}

}  // namespace
}  // namespace signdpu::quantize
