// transposed-conv2d-fix and transposed-depthwise-conv2d-fix: a hand golden,
// the reference against an independent scatter formulation evaluated in
// double (PyTorch's ConvTranspose2d: each input pixel adds its value times
// the h/w-flipped kernel at iy*stride + ky*dilation - pad), and every
// optimised path against the reference (exact, poisoned and guarded output).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "optimized_harness.h"
#include "signdpu/kernels/optimized/transposed_conv2d_fix.h"
#include "signdpu/kernels/reference/transposed_conv2d_fix.h"
#include "signdpu/kernels/reference/transposed_depthwise_conv2d_fix.h"

namespace signdpu {
namespace {

using testing::kPoison;
using testing::OptimizedPaths;

std::string Describe(const ConvConfig& c, uint32_t seed) {
  std::ostringstream s;
  s << (c.depthwise ? "depthwise" : "dense") << " N=" << c.input.n << " H=" << c.input.h << " W=" << c.input.w
    << " C=" << c.input.c << " O=" << c.out_channels << " kernel=" << c.kernel_h << "x" << c.kernel_w
    << " stride=" << c.stride_h << "x" << c.stride_w << " dilation=" << c.dilation_h << "x" << c.dilation_w
    << " pad(l,r,t,b)=" << c.pad_left << "," << c.pad_right << "," << c.pad_top << "," << c.pad_bottom
    << " fix(in,w,b,out)=" << c.fix_in << "," << c.fix_weights << "," << c.fix_bias << "," << c.fix_out
    << " bias=" << c.has_bias << " act=" << ActivationName(c.activation) << " seed=" << seed;
  return s.str();
}

void RunReference(const TransposedConvParams& p, const int8_t* in, const int8_t* w, const int8_t* b, int8_t* out) {
  if (p.conv.config.depthwise) {
    reference::TransposedDepthwiseConv2dFix(p, in, w, b, out);
  } else {
    reference::TransposedConv2dFix(p, in, w, b, out);
  }
}

TEST(TransposedConv2dFix, HandGoldenStride2Kernel2) {
  // One channel, 2x2 input, kernel 2x2, stride 2, pad 0, all fix points 0:
  // output pixel (2*iy + ry, 2*ix + rx) = in[iy][ix] * w[1 - ry][1 - rx]
  // (XIR's correlation over the zero-inserted input, conv padding 1).
  ConvConfig c;
  c.input = {1, 2, 2, 1};
  c.out_channels = 1;
  c.kernel_h = c.kernel_w = 2;
  c.stride_h = c.stride_w = 2;
  c.has_bias = false;
  auto p = MakeTransposedConvParams(c, "golden");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p.value().output().h, 4);
  EXPECT_EQ(p.value().output().w, 4);
  const int8_t in[4] = {1, 2, 3, 40};
  const int8_t w[4] = {1, 2, 3, -1};  // [ky][kx]
  int8_t out[16];
  reference::TransposedConv2dFix(p.value(), in, w, nullptr, out);
  const int8_t want[16] = {-1, 3, -2, 6,  //
                           2, 1, 4, 2,    //
                           -3, 9, -40, 120, //
                           6, 3, 80, 40};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(int{out[i]}, int{want[i]}) << "at " << i;
}

TEST(TransposedConv2dFix, OutputSizeAndRefusals) {
  ConvConfig c;
  c.input = {1, 62, 54, 64};
  c.out_channels = 64;
  c.kernel_h = c.kernel_w = 4;
  c.stride_h = c.stride_w = 4;
  auto p = MakeTransposedConvParams(c, "deconv3");  // PointPillars' deconv3: 62x54 -> 248x216
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().output().h, 248);
  EXPECT_EQ(p.value().output().w, 216);
  c.kernel_h = c.kernel_w = 3;
  c.stride_h = c.stride_w = 2;
  c.pad_top = c.pad_left = 1;
  c.pad_bottom = c.pad_right = 1;
  p = MakeTransposedConvParams(c, "k3s2p1");  // (62-1)*2 + 3 - 2 = 123
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().output().h, 123);
  c.pad_top = 3;  // more than dilation*(kernel-1)
  p = MakeTransposedConvParams(c, "bad");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().ToString().find("bad: pad"), std::string::npos) << p.status().ToString();
  c.pad_top = 0;
  c.fix_out = c.fix_in + c.fix_weights + 1;  // shift_cut -1
  EXPECT_FALSE(MakeTransposedConvParams(c, "shift").ok());
}

struct Case {
  ConvConfig c;
  uint32_t seed = 0;
};

Case RandomCase(std::mt19937& rng, uint32_t seed, bool allow_dilation) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    Case k;
    k.seed = seed;
    ConvConfig& c = k.c;
    c.input = {uni(1, 3), uni(1, 9), uni(1, 9), uni(0, 4) == 0 ? 1 : uni(1, 40)};
    c.depthwise = uni(0, 3) == 0;
    c.out_channels = c.depthwise ? c.input.c : uni(1, 40);
    c.kernel_h = uni(1, 5);
    c.kernel_w = uni(0, 2) == 0 ? uni(1, 5) : c.kernel_h;
    c.stride_h = uni(1, 4);
    c.stride_w = uni(0, 2) == 0 ? uni(1, 4) : c.stride_h;
    c.dilation_h = allow_dilation && uni(0, 4) == 0 ? 2 : 1;
    c.dilation_w = allow_dilation && uni(0, 4) == 0 ? 2 : c.dilation_h;
    c.pad_top = uni(0, c.dilation_h * (c.kernel_h - 1));
    c.pad_bottom = uni(0, 2) == 0 ? uni(0, c.dilation_h * (c.kernel_h - 1)) : c.pad_top;
    c.pad_left = uni(0, c.dilation_w * (c.kernel_w - 1));
    c.pad_right = uni(0, 2) == 0 ? uni(0, c.dilation_w * (c.kernel_w - 1)) : c.pad_left;
    c.activation = static_cast<Activation>(uni(0, 3));
    c.has_bias = uni(0, 4) != 0;
    const int shift_cut = uni(0, 16);
    const int lo = c.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
    const int shift_bias = uni(lo, 16);
    c.fix_in = uni(-2, 7);
    c.fix_weights = uni(-1, 9);
    c.fix_out = c.fix_in + c.fix_weights - shift_cut;
    c.fix_bias = c.fix_in + c.fix_weights - shift_bias;
    if (MakeTransposedConvParams(c, "random").ok()) return k;
  }
}

std::vector<int8_t> Random(int64_t n, std::mt19937& rng, int lo = -128, int hi = 127) {
  std::vector<int8_t> v(static_cast<size_t>(n));
  std::uniform_int_distribution<int> d(lo, hi);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// PyTorch's ConvTranspose2d in double, then DPU_ROUND, act and Sat8; `w` in
// XIR order (flipped), read back flipped: wf[ky] = w[kh - 1 - ky].
std::vector<int8_t> ScatterFormula(const TransposedConvParams& p, const std::vector<int8_t>& in,
                                   const std::vector<int8_t>& w, const std::vector<int8_t>& b) {
  const ConvConfig& c = p.conv.config;  // pads here are the conv-equivalent ones
  const int pad_top = c.dilation_h * (c.kernel_h - 1) - c.pad_top, pad_left = c.dilation_w * (c.kernel_w - 1) - c.pad_left;
  const Nhwc& o = p.output();
  std::vector<double> acc(static_cast<size_t>(o.size()), 0.0);
  for (int64_t n = 0; n < p.input.n; ++n)
    for (int64_t iy = 0; iy < p.input.h; ++iy)
      for (int64_t ix = 0; ix < p.input.w; ++ix)
        for (int ky = 0; ky < c.kernel_h; ++ky)
          for (int kx = 0; kx < c.kernel_w; ++kx) {
            const int64_t oy = iy * p.stride_h + int64_t{ky} * c.dilation_h - pad_top;
            const int64_t ox = ix * p.stride_w + int64_t{kx} * c.dilation_w - pad_left;
            if (oy < 0 || oy >= o.h || ox < 0 || ox >= o.w) continue;
            const int64_t fy = c.kernel_h - 1 - ky, fx = c.kernel_w - 1 - kx;
            for (int64_t oc = 0; oc < o.c; ++oc) {
              double s = 0;
              if (c.depthwise) {
                s = static_cast<double>(in[((n * p.input.h + iy) * p.input.w + ix) * p.input.c + oc]) *
                    w[(fy * c.kernel_w + fx) * p.input.c + oc];
              } else {
                for (int64_t ci = 0; ci < p.input.c; ++ci)
                  s += static_cast<double>(in[((n * p.input.h + iy) * p.input.w + ix) * p.input.c + ci]) *
                       w[((oc * c.kernel_h + fy) * c.kernel_w + fx) * p.input.c + ci];
              }
              acc[((n * o.h + oy) * o.w + ox) * o.c + oc] += s;
            }
          }
  std::vector<int8_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t oc = static_cast<int64_t>(i) % o.c;
    double real = std::ldexp(acc[i], -(c.fix_in + c.fix_weights));
    if (c.has_bias) real += std::ldexp(static_cast<double>(b[static_cast<size_t>(oc)]), -c.fix_bias);
    double y = std::floor(std::ldexp(real, c.fix_out) + 0.5);
    if (c.activation == Activation::kRelu) y = std::max(y, 0.0);
    out[i] = static_cast<int8_t>(std::min(127.0, std::max(-128.0, y)));
  }
  return out;
}

TEST(TransposedConv2dFix, ReferenceMatchesScatterFormula) {
  std::mt19937 rng(20261201);
  int checked = 0;
  for (int i = 0; i < 1500; ++i) {
    Case k = RandomCase(rng, static_cast<uint32_t>(i), true);
    ConvConfig& c = k.c;
    if (c.activation != Activation::kNone) c.activation = Activation::kRelu;  // the float formula's two
    if (c.fix_out > 20 || c.fix_bias > 24) continue;  // keep the double evaluation exact
    auto p = MakeTransposedConvParams(c, "formula");
    ASSERT_TRUE(p.ok());
    std::mt19937 data(k.seed);
    const auto in = Random(p.value().input.size(), data);
    const auto w = Random(p.value().weights_size(), data);
    const auto b = Random(p.value().output().c, data);
    std::vector<int8_t> got(static_cast<size_t>(p.value().output().size()), kPoison);
    RunReference(p.value(), in.data(), w.data(), c.has_bias ? b.data() : nullptr, got.data());
    const auto want = ScatterFormula(p.value(), in, w, b);
    for (size_t j = 0; j < want.size(); ++j)
      ASSERT_EQ(int{got[j]}, int{want[j]}) << "element " << j << "; " << Describe(c, k.seed);
    checked += static_cast<int>(want.size());
  }
  EXPECT_GT(checked, 100000);
}

bool CheckOptimized(const Case& k, KernelPath path) {
  auto p = MakeTransposedConvParams(k.c, "sweep");
  std::mt19937 data(k.seed);
  const auto in = Random(p.value().input.size(), data);
  const auto w = Random(p.value().weights_size(), data, k.seed % 5 == 0 ? -8 : -128, k.seed % 5 == 0 ? 8 : 127);
  const auto b = Random(p.value().output().c, data);
  const int8_t* bias = k.c.has_bias ? b.data() : nullptr;
  std::vector<int8_t> want(static_cast<size_t>(p.value().output().size()), kPoison);
  RunReference(p.value(), in.data(), w.data(), bias, want.data());
  auto kernel = optimized::PrepareTransposedConv2d(p.value(), w.data(), bias, path);
  const Nhwc& o = p.value().output();
  return testing::ExpectSameAsReference(
      want, 64, [&](int8_t* out) { kernel->Run(in.data(), out, k.c.input.n); },
      [&] { return std::string("path=") + KernelPathName(path) + " " + Describe(k.c, k.seed); },
      [&](int64_t i) { return testing::NhwcPosition(i, o.h, o.w, o.c, "o"); });
}

TEST(TransposedConv2dFixOptimized, RandomSweepAllPaths) {
  const auto paths = OptimizedPaths();
  ASSERT_FALSE(paths.empty());
  std::mt19937 rng(20261202);
  int failures = 0;
  for (int i = 0; i < 3000 && failures < 10; ++i) {
    const Case k = RandomCase(rng, static_cast<uint32_t>(7000 + i), i % 10 == 0);
    for (KernelPath path : paths)
      if (!CheckOptimized(k, path)) ++failures;
  }
  EXPECT_EQ(failures, 0);
}

// PointPillars' three deconvs (kernel = stride = 1, 2, 4, pad 0, RELU) on a
// reduced map, and the 3x3 stride-2 pad-1 deconv of FPN-style heads.
TEST(TransposedConv2dFixOptimized, PointPillarsShapesAllPaths) {
  const int ks[][3] = {{1, 1, 0}, {2, 2, 0}, {4, 4, 0}, {3, 2, 1}};
  uint32_t seed = 1;
  for (const auto& g : ks)
    for (KernelPath path : OptimizedPaths()) {
      Case k;
      k.seed = seed++;
      k.c.input = {2, 13, 11, 64};
      k.c.out_channels = 64;
      k.c.kernel_h = k.c.kernel_w = g[0];
      k.c.stride_h = k.c.stride_w = g[1];
      k.c.pad_top = k.c.pad_bottom = k.c.pad_left = k.c.pad_right = g[2];
      k.c.fix_in = 4;
      k.c.fix_weights = 8;
      k.c.fix_bias = 6;
      k.c.fix_out = 4;
      k.c.activation = Activation::kRelu;
      EXPECT_TRUE(CheckOptimized(k, path));
    }
}

}  // namespace
}  // namespace signdpu
