// hard-sigmoid-fix reference kernel: table of edge cases and agreement with
// Xilinx's CPU-reference formula (double arithmetic, clamp to [0, 2^32], one
// DPU_ROUND, saturation) for every int8 input when the output fix point is
// >= 7, where the two definitions coincide (see the kernel header).
#include "signdpu/kernels/reference/hard_sigmoid_fix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace signdpu {
namespace {

int XilinxCpuReference(int q, int hsigmoid_in, int shift_hsigmoid) {
  const double v = std::min(std::pow(2.0, 32),
                            std::max(0.0, q * 2731.0 + 3.0 * 2731 * std::pow(2.0, hsigmoid_in)));
  const double r = std::floor(v / std::pow(2.0, shift_hsigmoid) + 0.5);
  return static_cast<int>(std::clamp(r, -128.0, 127.0));
}

TEST(HardSigmoidFix, TableAtFixPoints2To7) {
  // fi = 2 (x = q/4), fo = 7: shift = 14 + 2 - 7 = 9, as in the compiled MNIST model.
  auto p = MakeHardSigmoidParams(2, 9, 1);
  ASSERT_TRUE(p.ok());
  struct Case { int8_t in; int8_t out; const char* why; };
  const Case cases[] = {
      {-128, 0, "x = -32: relu6 floor"},
      {-12, 0, "x = -3: exactly 0"},
      {-11, 5, "x = -2.75: (1*2731) >> 9 = 5.33 -> 5"},
      {0, 64, "x = 0: 0.5 -> 12*2731/512 = 64.0078 -> 64"},
      {12, 127, "x = 3: 1.0 = 128 saturates to 127"},
      {127, 127, "x = 31.75: clamped at 6, saturates"},
  };
  for (const Case& c : cases) {
    int8_t out = 0;
    reference::HardSigmoidFix(*p, &c.in, &out);
    EXPECT_EQ(out, c.out) << c.why;
  }
}

TEST(HardSigmoidFix, AgreesWithXilinxFormulaWhenOutputFixPointAtLeast7) {
  for (int fi = 0; fi <= 7; ++fi) {
    for (int fo = 7; fo <= 8; ++fo) {
      const int shift = 14 + fi - fo;
      auto p = MakeHardSigmoidParams(fi, shift, 256);
      ASSERT_TRUE(p.ok());
      int8_t in[256], out[256];
      for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
      reference::HardSigmoidFix(*p, in, out);
      for (int i = 0; i < 256; ++i)
        ASSERT_EQ(out[i], XilinxCpuReference(in[i], fi, shift)) << "q " << int{in[i]} << " fi " << fi << " fo " << fo;
    }
  }
}

TEST(HardSigmoidFix, ClampsAtOneForSmallOutputFixPoint) {
  // fo = 6: 1.0 = 64; Xilinx's CPU formula would keep growing up to 127 here
  // (the difference is the [inferred] relu6 upper clamp).
  auto p = MakeHardSigmoidParams(4, 14 + 4 - 6, 1);
  ASSERT_TRUE(p.ok());
  const int8_t in = 127;  // x = 7.9
  int8_t out = 0;
  reference::HardSigmoidFix(*p, &in, &out);
  EXPECT_EQ(out, 64);
}

TEST(HardSigmoidFix, RejectsOutOfRangeAttributes) {
  EXPECT_FALSE(MakeHardSigmoidParams(-1, 9, 1).ok());
  EXPECT_FALSE(MakeHardSigmoidParams(17, 9, 1).ok());
  EXPECT_FALSE(MakeHardSigmoidParams(2, -1, 1).ok());
  EXPECT_FALSE(MakeHardSigmoidParams(2, 41, 1).ok());
}

}  // namespace
}  // namespace signdpu
