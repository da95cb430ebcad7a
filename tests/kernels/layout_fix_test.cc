// Hand goldens (layouts in comments) for the reference kernels of concat-fix,
// depthwise-fix, upsample-fix, downsample-fix, pad-fix, reorg-fix, tile-fix
// and pixel-shuffle-fix (docs/arithmetic.md sections 7c-7j).
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "signdpu/kernels/reference/concat_fix.h"
#include "signdpu/kernels/reference/depthwise_fix.h"
#include "signdpu/kernels/reference/downsample_fix.h"
#include "signdpu/kernels/reference/pad_fix.h"
#include "signdpu/kernels/reference/pixel_shuffle_fix.h"
#include "signdpu/kernels/reference/reorg_fix.h"
#include "signdpu/kernels/reference/tile_fix.h"
#include "signdpu/kernels/reference/upsample_fix.h"

namespace signdpu {
namespace {

using Bytes = std::vector<int8_t>;

Bytes Iota(int n) {
  Bytes v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(ConcatFix, RequantisesEachInputToTheOutputFixPoint) {
  // channels: [1,1,2,1] at fi 2 {5, -5} ++ [1,1,2,2] at fi 0 {1,2,3,4} -> fo 1
  // input 0: ShiftRound(5, 1) = 3, ShiftRound(-5, 1) = -2; input 1: << 1
  auto p = MakeConcatParams({{1, 1, 2, 1}, {1, 1, 2, 2}}, {2, 0}, {1, 1, 2, 3}, 1, -1);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Bytes a = {5, -5}, b = {1, 2, 3, 4}, out(6);
  reference::ConcatFix(p.value(), {a.data(), b.data()}, out.data());
  EXPECT_EQ(out, (Bytes{3, 2, 4, -2, 6, 8}));
  // Saturation: 100 at fi 0 into fo 1 is 200 -> 127.
  auto q = MakeConcatParams({{1, 1}, {1, 1}}, {0, 1}, {1, 2}, 1, 1);
  ASSERT_TRUE(q.ok());
  Bytes x = {100}, y = {-7};
  reference::ConcatFix(q.value(), {x.data(), y.data()}, out.data());
  EXPECT_EQ(out[0], 127);
  EXPECT_EQ(out[1], -7);
  // Along H (axis 1): whole rows one after another.
  auto r = MakeConcatParams({{1, 1, 2, 1}, {1, 2, 2, 1}}, {0, 0}, {1, 3, 2, 1}, 0, 1);
  ASSERT_TRUE(r.ok());
  Bytes u = {1, 2}, v = {3, 4, 5, 6};
  reference::ConcatFix(r.value(), {u.data(), v.data()}, out.data());
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(MakeConcatParams({{1, 1, 2, 1}, {1, 2, 2, 1}}, {0, 0}, {1, 3, 2, 1}, 0, 3).ok());
  EXPECT_FALSE(MakeConcatParams({{1, 1}, {1, 1}}, {0, 20}, {1, 2}, 0, 1).ok());
}

TEST(DepthwiseFix, MulAndAddWithAPerChannelOperand) {
  // [1,1,2,2] at fi 3 {8, 16, -8, 12} * [2] at fi 1 {2, -3} -> fo 2:
  // ShiftRound(x * k, 3 + 1 - 2): 16 -> 4, -48 -> -12, -16 -> -4, -36 -> -9
  auto p = MakeDepthwiseFixParams(EltwiseType::kMul, {3, 1}, {{1, 1, 2, 2}, {2}}, {1, 1, 2, 2}, 2);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Bytes x = {8, 16, -8, 12}, k = {2, -3}, out(4);
  reference::DepthwiseFix(p.value(), {x.data(), k.data()}, out.data());
  EXPECT_EQ(out, (Bytes{4, -12, -4, -9}));
  // ADD, m = max = 3: x + (k << 2), then ShiftRound(., 1): 16 -> 8, 4 -> 2, 0, 0
  p = MakeDepthwiseFixParams(EltwiseType::kAdd, {3, 1}, {{1, 1, 2, 2}, {2}}, {1, 1, 2, 2}, 2);
  ASSERT_TRUE(p.ok());
  reference::DepthwiseFix(p.value(), {x.data(), k.data()}, out.data());
  EXPECT_EQ(out, (Bytes{8, 2, 0, 0}));
}

TEST(UpsampleFix, NearestIndexRulesAndRequantisation) {
  UpsampleConfig c;
  c.input = {1, 2, 2, 1};
  c.out_h = c.out_w = 4;
  c.fix_in = 2;
  c.fix_out = 1;
  auto p = MakeUpsampleParams(c);
  ASSERT_TRUE(p.ok()) << p.status().message();
  Bytes in = {1, 2, 3, 4}, out(16);
  reference::UpsampleFix(p.value(), in.data(), out.data());
  // rows/cols 0,0,1,1; values ShiftRound(v, 1): 1 2 3 4 -> 1 1 2 2
  EXPECT_EQ(out, (Bytes{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2}));
  // half_pixel_centers: src = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25;
  // floor, clamped at 0: 0, 0, 0, 1.
  c.half_pixel_centers = true;
  c.fix_out = 2;
  p = MakeUpsampleParams(c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ys.lo, (std::vector<int64_t>{0, 0, 0, 1}));
  reference::UpsampleFix(p.value(), in.data(), out.data());
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[15], 4);
  EXPECT_EQ(out[12], 3);
}

TEST(UpsampleFix, BilinearFollowsTheFloatReference) {
  UpsampleConfig c;
  c.input = {1, 1, 2, 1};
  c.out_h = 1;
  c.out_w = 4;
  c.mode = ResizeMode::kBilinear;
  auto p = MakeUpsampleParams(c);
  ASSERT_TRUE(p.ok());
  Bytes in = {0, 100}, out(4);
  reference::UpsampleFix(p.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{0, 50, 100, 100}));  // src 0, 0.5, 1, 1.5 (hi clamped to 1)
  c.align_corners = true;  // scale 1/3: 0, 33.33, 66.67, 100
  p = MakeUpsampleParams(c);
  ASSERT_TRUE(p.ok());
  reference::UpsampleFix(p.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{0, 33, 67, 100}));
  c.align_corners = false;  // ties: 0.5 -> 1, -0.5 -> 0 (toward +inf)
  p = MakeUpsampleParams(c);
  Bytes pos = {0, 1}, neg = {0, -1};
  reference::UpsampleFix(p.value(), pos.data(), out.data());
  EXPECT_EQ(out[1], 1);
  reference::UpsampleFix(p.value(), neg.data(), out.data());
  EXPECT_EQ(out[1], 0);
}

TEST(DownsampleFix, TakesEveryScaleThPixel) {
  auto p = MakeDownsampleParams({1, 3, 3, 1}, 2.0f, 2.0f, "NEAREST", 0, 0);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->out_h, 2);  // ceil(3 / 2)
  Bytes in = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out(4);
  reference::DownsampleFix(p.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{1, 3, 7, 9}));
  p = MakeDownsampleParams({1, 3, 3, 1}, 3.0f, 1.0f, "", 1, 0);  // scale_w 3, scale_h 1, >> 1
  ASSERT_TRUE(p.ok());
  reference::DownsampleFix(p.value(), in.data(), out.data());
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 3), (Bytes{1, 2, 4}));  // 1, 4, 7 -> 1, 2, 4
  EXPECT_FALSE(MakeDownsampleParams({1, 3, 3, 1}, 1.5f, 2.0f, "NEAREST", 0, 0).ok());
  EXPECT_FALSE(MakeDownsampleParams({1, 3, 3, 1}, 2.0f, 2.0f, "BILINEAR", 0, 0).ok());
}

TEST(PadFix, ModesMatchXirsAnnotationExamples) {
  // XIR's examples: input [[1,2],[3,4]], 2-D paddings [0,1,1,0] = NHWC [0,0, 0,1, 1,0, 0,0]
  const std::vector<int> pads = {0, 0, 0, 1, 1, 0, 0, 0};
  Bytes in = {1, 2, 3, 4}, out(9);
  const std::pair<PadMode, Bytes> cases[] = {
      {PadMode::kConstant, {0, 1, 2, 0, 3, 4, 0, 0, 0}},
      {PadMode::kReflect, {2, 1, 2, 4, 3, 4, 2, 1, 2}},
      {PadMode::kSymmetric, {1, 1, 2, 3, 3, 4, 3, 3, 4}},
  };
  for (const auto& [mode, want] : cases) {
    auto p = MakePadParams({1, 2, 2, 1}, pads, mode, {}, 0, 0);
    ASSERT_TRUE(p.ok()) << p.status().message();
    reference::PadFix(p.value(), in.data(), out.data());
    EXPECT_EQ(out, want);
  }
  // SYMMETRIC, [1,2,3,1] {1..6}, top 1 bottom 1 left 2 right 1:
  // rows 0,0,1,1; cols 1,0,0,1,2,2
  auto p = MakePadParams({1, 2, 3, 1}, {0, 0, 1, 1, 2, 1, 0, 0}, PadMode::kSymmetric, {}, 3, 3);
  ASSERT_TRUE(p.ok());
  Bytes in6 = {1, 2, 3, 4, 5, 6}, out24(24);
  reference::PadFix(p.value(), in6.data(), out24.data());
  EXPECT_EQ(out24, (Bytes{2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 5, 4, 4, 5, 6, 6, 5, 4, 4, 5, 6, 6}));
  EXPECT_FALSE(MakePadParams({1, 2, 2, 1}, pads, PadMode::kConstant, {5}, 0, 0).ok());
  EXPECT_FALSE(MakePadParams({1, 2, 2, 1}, pads, PadMode::kConstant, {}, 0, 1).ok());
  EXPECT_FALSE(MakePadParams({1, 2, 2, 1}, {0, 0, 2, 0, 0, 0, 0, 0}, PadMode::kReflect, {}, 0, 0).ok());
  EXPECT_FALSE(MakePadParams({1, 2, 2, 1}, {0, 0, 0, 0, 0, 0, 1, 0}, PadMode::kConstant, {}, 0, 0).ok());
}

TEST(ReorgTilePixelShuffle, Goldens) {
  // reorg s=2 on [1,4,2,1] = rows {0,1},{2,3},{4,5},{6,7}: output (0,0) reads
  // rows 0 and 2, output (1,0) rows 1 and 3.
  auto r = MakeReorgParams({1, 4, 2, 1}, 2, false, 0, 0);
  ASSERT_TRUE(r.ok()) << r.status().message();
  Bytes in = Iota(8), out(8);
  reference::ReorgFix(r.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{0, 1, 4, 5, 2, 3, 6, 7}));
  EXPECT_FALSE(MakeReorgParams({1, 6, 2, 1}, 2, false, 0, 0).ok());  // 6 % 4 != 0
  // tile s=2 on [1,2,4,1] = rows {0,1,2,3},{4,5,6,7}: 2x2 blocks side by side.
  auto t = MakeTileParams({1, 2, 4, 1}, 2, false, 0, 0);
  ASSERT_TRUE(t.ok());
  reference::TileFix(t.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{0, 1, 4, 5, 2, 3, 6, 7}));
  // depth to space of one pixel with 8 channels: tile (channel = (y*2+x)*2+c)
  // and pixel shuffle (channel = c*4 + y*2 + x) order the channels differently.
  t = MakeTileParams({1, 1, 1, 8}, 2, true, 0, 0);
  ASSERT_TRUE(t.ok());
  reference::TileFix(t.value(), in.data(), out.data());
  EXPECT_EQ(out, Iota(8));
  auto s = MakePixelShuffleParams({1, 1, 1, 8}, 2, true, 0, 0);
  ASSERT_TRUE(s.ok());
  reference::PixelShuffleFix(s.value(), in.data(), out.data());
  EXPECT_EQ(out, (Bytes{0, 4, 1, 5, 2, 6, 3, 7}));
  EXPECT_FALSE(MakePixelShuffleParams({1, 1, 1, 8}, 2, true, 0, 1).ok());
  EXPECT_FALSE(MakeTileParams({1, 1, 1, 8}, 2, true, 1, 0).ok());
}

TEST(ReorgTilePixelShuffle, ReverseUndoesForwardOnRandomShapes) {
  std::mt19937 rng(5);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 200; ++t) {
    const int s = uni(1, 3);
    const Nhwc in{1, int64_t{s} * s * uni(1, 3), int64_t{s} * uni(1, 4), uni(1, 5)};
    Bytes x(static_cast<size_t>(in.size())), y(x.size()), z(x.size());
    for (auto& v : x) v = static_cast<int8_t>(uni(-128, 127));
    auto f = MakeReorgParams(in, s, false, 0, 0);
    ASSERT_TRUE(f.ok()) << f.status().message();
    auto b = MakeReorgParams(f->output, s, true, 0, 0);
    ASSERT_TRUE(b.ok()) << b.status().message();
    reference::ReorgFix(f.value(), x.data(), y.data());
    reference::ReorgFix(b.value(), y.data(), z.data());
    ASSERT_EQ(z, x) << "reorg t=" << t;
    auto tf = MakeTileParams(in, s, false, 0, 0);
    auto tb = MakeTileParams(tf->output, s, true, 0, 0);
    ASSERT_TRUE(tb.ok());
    reference::TileFix(tf.value(), x.data(), y.data());
    reference::TileFix(tb.value(), y.data(), z.data());
    ASSERT_EQ(z, x) << "tile t=" << t;
    auto pd = MakePixelShuffleParams(in, s, false, 0, 0);
    auto pu = MakePixelShuffleParams(pd->output, s, true, 0, 0);
    ASSERT_TRUE(pu.ok());
    reference::PixelShuffleFix(pd.value(), x.data(), y.data());
    reference::PixelShuffleFix(pu.value(), y.data(), z.data());
    ASSERT_EQ(z, x) << "pixel shuffle t=" << t;
  }
}

}  // namespace
}  // namespace signdpu
