// The worked examples of docs/arithmetic.md, number for number. If you change
// a number here, change the document (and vice versa).
#include <gtest/gtest.h>

#include <vector>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/kernels/reference/conv2d_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"

namespace signdpu {
namespace {

// Example 1: input quantisation, x = 0.7, fix_point 7 -> 0.7 * 128 = 89.6 -> 90.
TEST(DocExample, E1InputQuantisation) {
  EXPECT_EQ(QuantizeDpu(0.7f, 7), 90);
  EXPECT_EQ(QuantizeDpu(-0.00390625f, 7), 0);  // -0.5 -> 0 (DPU tie)
  EXPECT_EQ(QuantizeDpu(0.7f, -2), 0);          // 0.175 -> 0
}

// Example 2: one conv2d-fix output with RELU.
TEST(DocExample, E2Conv) {
  ConvConfig c;
  c.input = {1, 1, 1, 3};
  c.out_channels = 1;
  c.fix_in = 7;
  c.fix_weights = 7;
  c.fix_bias = 8;
  c.fix_out = 5;
  c.activation = Activation::kRelu;
  auto p = MakeConvParams(c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shift_cut, 9);
  EXPECT_EQ(p->shift_bias, 6);
  const std::vector<int8_t> in = {90, -40, 17}, w = {52, -31, 100};
  const int8_t b = -23;
  // acc = 4680 + 1240 + 1700 = 7620; v = 7620 + (-23 << 6) = 6148
  EXPECT_EQ(ShiftRound(6148, 9), 12);
  int8_t out = 0;
  reference::Conv2dFix(p.value(), in.data(), w.data(), &b, &out);
  EXPECT_EQ(out, 12);
}

// Example 3: negative shift_bias.
TEST(DocExample, E3NegativeShiftBias) {
  ConvConfig c;
  c.input = {1, 1, 1, 1};
  c.out_channels = 1;
  c.fix_in = 0;
  c.fix_weights = 2;
  c.fix_bias = 4;
  c.fix_out = 1;
  auto p = MakeConvParams(c);
  ASSERT_TRUE(p.ok());
  const int8_t in = 5, w = 3, b = 7;
  int8_t out = 0;
  reference::Conv2dFix(p.value(), &in, &w, &b, &out);
  EXPECT_EQ(out, 8);  // (15 * 4 + 7) = 67; 67 / 8 = 8.375 -> 8
}

// Example 4: LEAKYRELU, 26/256, one rounding [inferred].
TEST(DocExample, E4LeakyRelu) {
  EXPECT_EQ(ShiftRound(-10 * 26, 8), -1);    // -1.015625 -> -1
  EXPECT_EQ(ShiftRound(-64 * 26, 10), -2);   // -1.625 -> -2
}

// Example 5: AVG 3x3 of 100s -> 98; MAX of {-5,-3,-9,-7} -> -3.
TEST(DocExample, E5Pool) {
  PoolConfig c;
  c.input = {1, 3, 3, 1};
  c.type = PoolType::kAvg;
  c.kernel_h = c.kernel_w = 3;
  auto p = MakePoolParams(c);
  ASSERT_TRUE(p.ok());
  std::vector<int8_t> in(9, 100);
  int8_t out = 0;
  reference::PoolFix(p.value(), in.data(), &out);
  EXPECT_EQ(out, 98);  // 900 * 7 = 6300; 6300 / 64 = 98.44 -> 98
  c.input = {1, 2, 2, 1};
  c.type = PoolType::kMax;
  c.kernel_h = c.kernel_w = 2;
  auto m = MakePoolParams(c);
  ASSERT_TRUE(m.ok());
  const std::vector<int8_t> neg = {-5, -3, -9, -7};
  reference::PoolFix(m.value(), neg.data(), &out);
  EXPECT_EQ(out, -3);
}

// Example 6: eltwise ADD with fix points 3 and 1 into 2 [inferred alignment].
TEST(DocExample, E6Eltwise) {
  auto p = MakeEltwiseParams({3, 1}, 2, 1, Activation::kNone);
  ASSERT_TRUE(p.ok());
  int8_t a = 5, b = 7, out = 0;
  reference::EltwiseAddFix(p.value(), {&a, &b}, &out);
  EXPECT_EQ(out, 17);  // 5 + (7 << 2) = 33; 33 / 2 = 16.5 -> 17
}

}  // namespace
}  // namespace signdpu
