// conv2d-fix / depthwise-conv2d-fix reference kernel: hand goldens (layout in
// comments) and 100,000+ random outputs against the float formula
//   y = floor((acc * 2^-(fi+fw) + b * 2^-fb) * 2^fo + 0.5)
// which is exact in double here (|acc| << 2^52).
#include "signdpu/kernels/reference/conv2d_fix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <vector>

namespace signdpu {
namespace {

ConvParams MustParams(const ConvConfig& c) {
  auto p = MakeConvParams(c, "test");
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.value();
}

TEST(Conv2dFix, Golden3x3SamePaddingSumsNeighbourhoods) {
  // input NHWC [1,3,3,1]:   weights OHWI [1,3,3,1] all ones, fi=fw=fo=0, no bias
  //   1 2 3                 output = sum of each 3x3 neighbourhood (padded 0)
  //   4 5 6
  //   7 8 9
  ConvConfig c;
  c.input = {1, 3, 3, 1};
  c.out_channels = 1;
  c.kernel_h = c.kernel_w = 3;
  c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = 1;
  c.has_bias = false;
  const ConvParams p = MustParams(c);
  const std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<int8_t> w(9, 1);
  std::vector<int8_t> out(9, 99);
  reference::Conv2dFix(p, in.data(), w.data(), nullptr, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{12, 21, 16, 27, 45, 33, 24, 39, 28}));
}

TEST(Conv2dFix, GoldenRoundingTiesAndBias) {
  // 1x1 conv, input [1,1,1,2] = {3, -8}, fi=1 fw=1 fo=1 -> shift_cut = 1;
  // fb=0 -> shift_bias = 2 (bias is shifted left by 2).
  //   o0: w={1,1},  acc = 3 - 8 = -5, bias 0      -> -5/2 = -2.5 -> -2 (DPU tie)
  //   o1: w={2,-1}, acc = 6 + 8 = 14, bias 1 << 2 -> 18/2 = 9
  //   o2: w={1,0},  acc = 3,          bias 0      -> 1.5 -> 2
  //   o3: w={-1,0}, acc = -3,         bias 0      -> -1.5 -> -1
  ConvConfig c;
  c.input = {1, 1, 1, 2};
  c.out_channels = 4;
  c.fix_in = 1;
  c.fix_weights = 1;
  c.fix_bias = 0;
  c.fix_out = 1;
  const ConvParams p = MustParams(c);
  EXPECT_EQ(p.shift_cut, 1);
  EXPECT_EQ(p.shift_bias, 2);
  const std::vector<int8_t> in = {3, -8};
  const std::vector<int8_t> w = {1, 1, 2, -1, 1, 0, -1, 0};
  const std::vector<int8_t> b = {0, 1, 0, 0};
  std::vector<int8_t> out(4, 99);
  reference::Conv2dFix(p, in.data(), w.data(), b.data(), out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-2, 9, 2, -1}));
}

TEST(Conv2dFix, GoldenNegativeShiftBiasScalesAccumulatorUp) {
  // fi=0 fw=2 fb=4 -> shift_bias = -2: acc is scaled up by 4 instead of the
  // bias being shifted. fo=1 -> shift_cut = 1; total shift = shift_cut + 2 = 3.
  //   acc = 5*3 = 15; v = 15*4 + 7 = 67; 67/8 = 8.375 -> 8
  //   real check: 15/4 + 7/16 = 4.1875; * 2^1 = 8.375 -> 8
  ConvConfig c;
  c.input = {1, 1, 1, 1};
  c.out_channels = 1;
  c.fix_in = 0;
  c.fix_weights = 2;
  c.fix_bias = 4;
  c.fix_out = 1;
  const ConvParams p = MustParams(c);
  EXPECT_EQ(p.shift_bias, -2);
  const int8_t in = 5, w = 3, b = 7;
  int8_t out = 0;
  reference::Conv2dFix(p, &in, &w, &b, &out);
  EXPECT_EQ(out, 8);
}

TEST(Conv2dFix, GoldenActivations) {
  // 1x1 conv with identity weight (w = 1, fw = 0), fi = fo = 0 unless noted.
  auto run = [](Activation act, int8_t x, int fix_out, int fix_in) {
    ConvConfig c;
    c.input = {1, 1, 1, 1};
    c.out_channels = 1;
    c.has_bias = false;
    c.activation = act;
    c.fix_in = fix_in;
    c.fix_out = fix_out;
    auto p = MakeConvParams(c);
    EXPECT_TRUE(p.ok()) << p.status().message();
    const int8_t w = 1;
    int8_t out = 0;
    reference::Conv2dFix(p.value(), &x, &w, nullptr, &out);
    return int(out);
  };
  EXPECT_EQ(run(Activation::kNone, -7, 0, 0), -7);
  EXPECT_EQ(run(Activation::kRelu, -7, 0, 0), 0);
  EXPECT_EQ(run(Activation::kRelu, 7, 0, 0), 7);
  // RELU6 at fo = 2: bound 6 * 4 = 24
  EXPECT_EQ(run(Activation::kRelu6, 100, 2, 2), 24);
  EXPECT_EQ(run(Activation::kRelu6, 20, 2, 2), 20);
  EXPECT_EQ(run(Activation::kRelu6, -20, 2, 2), 0);
  // RELU6 at fo = 5: bound 192 saturates to 127 [inferred: sat8 after clamp]
  EXPECT_EQ(run(Activation::kRelu6, 127, 5, 5), 127);
  // LEAKYRELU 26/256, one rounding: -10 * 26 / 256 = -1.015625 -> -1
  EXPECT_EQ(run(Activation::kLeakyRelu, -10, 0, 0), -1);
  // -100 * 26 / 256 = -10.15625 -> -10;  -128 * 26 / 256 = -13 exactly
  EXPECT_EQ(run(Activation::kLeakyRelu, -100, 0, 0), -10);
  EXPECT_EQ(run(Activation::kLeakyRelu, -128, 0, 0), -13);
  // tie: fi = 2 (shift 2): -64 * 26 = -1664; / 2^10 = -1.625 -> -2
  EXPECT_EQ(run(Activation::kLeakyRelu, -64, 0, 2), -2);
  EXPECT_EQ(run(Activation::kLeakyRelu, 50, 0, 0), 50);
}

TEST(Conv2dFix, GoldenDepthwiseUsesOwnChannel) {
  // input [1,1,2,2] pixels {(1,2),(3,4)}; weights [1,1,1,2] = {10, -1}
  //   out = {10, -2, 30, -4}
  ConvConfig c;
  c.input = {1, 1, 2, 2};
  c.out_channels = 2;
  c.depthwise = true;
  c.has_bias = false;
  const ConvParams p = MustParams(c);
  EXPECT_EQ(p.weights_size(), 2);
  const std::vector<int8_t> in = {1, 2, 3, 4}, w = {10, -1};
  std::vector<int8_t> out(4, 99);
  reference::Conv2dFix(p, in.data(), w.data(), nullptr, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{10, -2, 30, -4}));
}

TEST(Conv2dFix, GoldenStrideDilationAsymmetricPad) {
  // input [1,1,5,1] = 1..5, kernel 1x2, dilation w 2, stride w 2, pad left 1:
  //   padded row: 0 1 2 3 4 5 ; taps at x and x+2
  //   ox=0: 0 + 2 = 2 ; ox=1: 2 + 4 = 6 ; output width (6 - 3)/2 + 1 = 2
  ConvConfig c;
  c.input = {1, 1, 5, 1};
  c.out_channels = 1;
  c.kernel_w = 2;
  c.dilation_w = 2;
  c.stride_w = 2;
  c.pad_left = 1;
  c.has_bias = false;
  const ConvParams p = MustParams(c);
  ASSERT_EQ(p.output.w, 2);
  const std::vector<int8_t> in = {1, 2, 3, 4, 5}, w = {1, 1};
  std::vector<int8_t> out(2, 99);
  reference::Conv2dFix(p, in.data(), w.data(), nullptr, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{2, 6}));
}

TEST(Conv2dFix, RejectsShiftsOutsideDpuLimits) {
  ConvConfig c;
  c.input = {1, 4, 4, 1};
  c.out_channels = 1;
  c.fix_in = 0;
  c.fix_weights = 0;
  c.fix_out = 1;  // shift_cut = -1
  auto p = MakeConvParams(c, "conv1");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("conv1: shift_cut -1"), std::string::npos) << p.status().message();
  c.fix_out = -17 + 0;  // shift_cut = 17
  EXPECT_FALSE(MakeConvParams(c).ok());
  c.fix_out = 0;
  c.fix_bias = 17;  // shift_bias = -17 < min(0, 0 - 16)
  EXPECT_FALSE(MakeConvParams(c).ok());
  c.fix_bias = 16;  // shift_bias = -16: allowed when shift_cut = 0
  EXPECT_TRUE(MakeConvParams(c).ok());
  c.activation = Activation::kLeakyRelu;  // LEAKYRELU needs shift_bias >= 0
  EXPECT_FALSE(MakeConvParams(c).ok());
}

// ---- random cases against the float formula --------------------------------

double FloatReference(const ConvParams& p, int64_t acc, int64_t b) {
  const ConvConfig& c = p.config;
  double real = static_cast<double>(acc) * std::ldexp(1.0, -(c.fix_in + c.fix_weights));
  if (c.has_bias) real += static_cast<double>(b) * std::ldexp(1.0, -c.fix_bias);
  double scaled = real * std::ldexp(1.0, c.fix_out);
  double y;
  switch (c.activation) {
    case Activation::kLeakyRelu:
      y = real < 0 ? std::floor(scaled * 26.0 / 256.0 + 0.5) : std::floor(scaled + 0.5);
      break;
    case Activation::kRelu:
      y = std::max(0.0, std::floor(scaled + 0.5));
      break;
    case Activation::kRelu6:
      // bound 6 * 2^fo, rounded with DPU_ROUND when fo < 0 [inferred]
      y = std::min(std::max(0.0, std::floor(scaled + 0.5)), std::floor(6.0 * std::ldexp(1.0, c.fix_out) + 0.5));
      break;
    default:
      y = std::floor(scaled + 0.5);
  }
  return std::min(127.0, std::max(-128.0, y));
}

TEST(Conv2dFix, MatchesFloatFormulaOnRandomCases) {
  std::mt19937 rng(2024);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int64_t checked = 0;
  while (checked < 120000) {
    ConvConfig c;
    c.input = {uni(1, 2), uni(1, 6), uni(1, 6), uni(1, 9)};
    c.depthwise = uni(0, 3) == 0;
    c.out_channels = c.depthwise ? c.input.c : uni(1, 9);
    c.kernel_h = uni(1, 3);
    c.kernel_w = uni(1, 3);
    c.stride_h = uni(1, 2);
    c.stride_w = uni(1, 2);
    c.dilation_h = uni(1, 2);
    c.dilation_w = uni(1, 2);
    c.pad_left = uni(0, 2);
    c.pad_right = uni(0, 2);
    c.pad_top = uni(0, 2);
    c.pad_bottom = uni(0, 2);
    c.has_bias = uni(0, 4) != 0;
    c.activation = static_cast<Activation>(uni(0, 3));
    c.fix_in = uni(-2, 7);
    c.fix_weights = uni(0, 9);
    c.fix_out = c.fix_in + c.fix_weights - uni(0, 12);
    const int shift_cut = c.fix_in + c.fix_weights - c.fix_out;
    const int lo = c.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
    c.fix_bias = c.fix_in + c.fix_weights - uni(std::max(lo, -6), 10);
    auto pr = MakeConvParams(c);
    if (!pr.ok()) continue;  // e.g. kernel larger than the padded input
    const ConvParams& p = pr.value();
    std::vector<int8_t> in(c.input.size()), w(p.weights_size()), b(p.output.c);
    for (auto& v : in) v = static_cast<int8_t>(uni(-128, 127));
    for (auto& v : w) v = static_cast<int8_t>(uni(-128, 127));
    for (auto& v : b) v = static_cast<int8_t>(uni(-128, 127));
    std::vector<int8_t> out(p.output.size(), 0x5A);
    reference::Conv2dFix(p, in.data(), w.data(), b.data(), out.data());
    // Independent evaluation: explicit window walk, float output stage.
    for (int64_t n = 0; n < p.output.n; ++n)
      for (int64_t oy = 0; oy < p.output.h; ++oy)
        for (int64_t ox = 0; ox < p.output.w; ++ox)
          for (int64_t o = 0; o < p.output.c; ++o) {
            int64_t acc = 0;
            for (int ky = 0; ky < c.kernel_h; ++ky)
              for (int kx = 0; kx < c.kernel_w; ++kx) {
                const int64_t iy = oy * c.stride_h - c.pad_top + ky * c.dilation_h;
                const int64_t ix = ox * c.stride_w - c.pad_left + kx * c.dilation_w;
                if (iy < 0 || ix < 0 || iy >= c.input.h || ix >= c.input.w) continue;
                for (int64_t ci = 0; ci < c.input.c; ++ci) {
                  if (c.depthwise && ci != o) continue;
                  const int64_t widx = c.depthwise ? (ky * c.kernel_w + kx) * c.input.c + ci
                                                   : ((o * c.kernel_h + ky) * c.kernel_w + kx) * c.input.c + ci;
                  acc += int64_t{in[((n * c.input.h + iy) * c.input.w + ix) * c.input.c + ci]} * w[widx];
                }
              }
            const double want = FloatReference(p, acc, b[o]);
            const int got = out[((n * p.output.h + oy) * p.output.w + ox) * p.output.c + o];
            ASSERT_EQ(got, want) << "acc=" << acc << " bias=" << int(b[o]) << " fi=" << c.fix_in
                                 << " fw=" << c.fix_weights << " fb=" << c.fix_bias << " fo=" << c.fix_out
                                 << " act=" << ActivationName(c.activation) << " depthwise=" << c.depthwise;
            ++checked;
          }
  }
}

}  // namespace
}  // namespace signdpu
