// The DPUCZDX8G 2D *-fix op set through the real libvart and the emulator
// plugin, on compiled-style graphs built with libxir (tests/emu/xir_graph_builder.h):
// each op's output equals its reference kernel (tests/kernels/layout_fix_test.cc
// and eltwise_fix_test.cc hold the hand goldens of those) and, where noted,
// a hand golden here too. An op the emulator does not run is refused at
// runner creation with one line naming the op and its subgraph.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>
#include <xir/graph/subgraph.hpp>

#include "emu_test_util.h"
#include "signdpu/emu/emu_runner.h"
#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/kernels/reference/concat_fix.h"
#include "signdpu/kernels/reference/depthwise_fix.h"
#include "signdpu/kernels/reference/downsample_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"
#include "signdpu/kernels/reference/pad_fix.h"
#include "signdpu/kernels/reference/pixel_shuffle_fix.h"
#include "signdpu/kernels/reference/reorg_fix.h"
#include "signdpu/kernels/reference/tile_fix.h"
#include "signdpu/kernels/reference/upsample_fix.h"
#include "xir_graph_builder.h"

namespace signdpu::testing {
namespace {

using Bytes = std::vector<int8_t>;

Bytes Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  Bytes v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// Runs the DPU subgraph of `b` once through libvart + the emulator.
Bytes RunOnEmulator(XirGraphBuilder& b, const std::vector<Bytes>& inputs) {
  const xir::Subgraph* sg = b.Finish();
  const Status probe = emu::ProbeSubgraph(sg);
  EXPECT_TRUE(probe.ok()) << probe.message();
  auto runner = CreateEmuRunner(sg);
  EXPECT_NE(runner, nullptr);
  if (runner == nullptr) return {};
  auto out = RunJob(runner.get(), inputs, 1);
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? Bytes{} : out[0];
}

std::unique_ptr<xir::Attrs> EltwiseAttrs(const std::string& type, const std::string& nonlinear) {
  auto a = NewXirAttrs();
  a->set_attr<std::string>("type", type);
  a->set_attr<std::string>("nonlinear", nonlinear);
  return a;
}

TEST(EmuOpSet, EltwiseAddOfInputsAtDifferentFixPoints) {
  XirGraphBuilder b("eltwise_add");
  xir::Op* x = b.Data("in0", {1, 4, 4, 8}, 5);
  xir::Op* y = b.Data("in1", {1, 4, 4, 8}, 0);
  b.Op("add", "eltwise-fix", EltwiseAttrs("ADD", "RELU"), {{"input", {x, y}}}, 2);
  Bytes a = Random(128, 1), c = Random(128, 2);
  a[0] = 31;  // 31 at fi 5 + 0 at fi 0 -> fo 2: the ELEW engine gives 3 (exact sum: 4)
  c[0] = 0;
  const Bytes got = RunOnEmulator(b, {a, c});
  ASSERT_EQ(got.size(), 128u);
  EXPECT_EQ(got[0], 3);
  EltwiseConfig cfg;
  cfg.fix_in = {5, 0};
  cfg.fix_out = 2;
  cfg.out_shape = {1, 4, 4, 8};
  cfg.activation = Activation::kRelu;
  auto p = MakeEltwiseParams(cfg);
  ASSERT_TRUE(p.ok());
  Bytes want(128);
  reference::EltwiseFix(p.value(), {a.data(), c.data()}, want.data());
  EXPECT_EQ(got, want);
}

TEST(EmuOpSet, EltwiseWithAConstOperandAndMul) {
  XirGraphBuilder b("eltwise_const");
  xir::Op* x = b.Data("in0", {1, 3, 3, 4}, 4);
  const Bytes k = {10, -20, 30, -40};
  xir::Op* c = b.Const("bias", {4}, k, 3);
  xir::Op* add = b.Op("add", "eltwise-fix", EltwiseAttrs("ADD", "NONE"), {{"input", {x, c}}}, 3);
  b.Op("mul", "eltwise-fix", EltwiseAttrs("MUL", "NONE"), {{"input", {add, x}}}, 1);
  const Bytes a = Random(36, 3);
  const Bytes got = RunOnEmulator(b, {a});
  EltwiseConfig ca;
  ca.fix_in = {4, 3};
  ca.fix_out = 3;
  ca.out_shape = {1, 3, 3, 4};
  ca.in_shapes = {{1, 3, 3, 4}, {4}};
  auto pa = MakeEltwiseParams(ca);
  ASSERT_TRUE(pa.ok());
  Bytes sum(36), want(36);
  reference::EltwiseFix(pa.value(), {a.data(), k.data()}, sum.data());
  EltwiseConfig cm;
  cm.type = EltwiseType::kMul;
  cm.fix_in = {3, 4};
  cm.fix_out = 1;
  cm.out_shape = {1, 3, 3, 4};
  auto pm = MakeEltwiseParams(cm);
  ASSERT_TRUE(pm.ok());
  reference::EltwiseFix(pm.value(), {sum.data(), a.data()}, want.data());
  EXPECT_EQ(got, want);
}

TEST(EmuOpSet, ConcatOfInputsAtDifferentFixPoints) {
  XirGraphBuilder b("concat");
  xir::Op* x = b.Data("in0", {1, 2, 2, 3}, 6);
  xir::Op* y = b.Data("in1", {1, 2, 2, 5}, 3);
  auto a = NewXirAttrs();
  a->set_attr<int>("axis", 3);
  b.Op("cat", "concat-fix", std::move(a), {{"input", {x, y}}}, 4);
  const Bytes u = Random(12, 4), v = Random(20, 5);
  const Bytes got = RunOnEmulator(b, {u, v});
  auto p = MakeConcatParams({{1, 2, 2, 3}, {1, 2, 2, 5}}, {6, 3}, {1, 2, 2, 8}, 4, 3);
  ASSERT_TRUE(p.ok());
  Bytes want(32);
  reference::ConcatFix(p.value(), {u.data(), v.data()}, want.data());
  EXPECT_EQ(got, want);
  // pixel 0: in0 {u0,u1,u2} >> 2 (rounded), in1 {v0..v4} << 1 (saturated)
  EXPECT_EQ(got[0], Sat8(ShiftRound(u[0], 2)));
  EXPECT_EQ(got[3], Sat8(int64_t{v[0]} * 2));
}

TEST(EmuOpSet, DepthwiseFixWithAPerChannelConst) {
  XirGraphBuilder b("depthwise_fix");
  xir::Op* x = b.Data("in0", {1, 3, 3, 4}, 5);
  const Bytes k = {64, -32, 17, 100};
  xir::Op* c = b.Const("scale", {4}, k, 6);
  auto a = NewXirAttrs();
  a->set_attr<std::string>("type", "MUL");
  b.Op("dw", "depthwise-fix", std::move(a), {{"input", {x, c}}}, 4);
  const Bytes in = Random(36, 6);
  const Bytes got = RunOnEmulator(b, {in});
  auto p = MakeDepthwiseFixParams(EltwiseType::kMul, {5, 6}, {{1, 3, 3, 4}, {4}}, {1, 3, 3, 4}, 4);
  ASSERT_TRUE(p.ok());
  Bytes want(36);
  reference::DepthwiseFix(p.value(), {in.data(), k.data()}, want.data());
  EXPECT_EQ(got, want);
}

std::unique_ptr<xir::Attrs> ResizeAttrs(const std::string& mode, float sw, float sh, bool align, bool half) {
  auto a = NewXirAttrs();
  a->set_attr<std::string>("mode", mode);
  a->set_attr<std::vector<float>>("scale", {sw, sh});
  a->set_attr<bool>("align_corners", align);
  a->set_attr<bool>("half_pixel_centers", half);
  return a;
}

TEST(EmuOpSet, UpsampleNearestAndBilinear) {
  for (const char* mode : {"NEAREST", "BILINEAR"}) {
    XirGraphBuilder b(std::string("upsample_") + mode);
    xir::Op* x = b.Data("in0", {1, 3, 4, 2}, 3);
    b.Op("up", "upsample-fix", ResizeAttrs(mode, 2.0f, 2.0f, false, true), {{"input", {x}}}, 2);
    const Bytes in = Random(24, 7);
    const Bytes got = RunOnEmulator(b, {in});
    UpsampleConfig c;
    c.input = {1, 3, 4, 2};
    c.out_h = 6;
    c.out_w = 8;
    ParseResizeMode(mode, &c.mode);
    c.half_pixel_centers = true;
    c.fix_in = 3;
    c.fix_out = 2;
    auto p = MakeUpsampleParams(c);
    ASSERT_TRUE(p.ok());
    Bytes want(96);
    reference::UpsampleFix(p.value(), in.data(), want.data());
    EXPECT_EQ(got, want) << mode;
  }
}

TEST(EmuOpSet, DownsampleAndPad) {
  XirGraphBuilder b("down_pad");
  xir::Op* x = b.Data("in0", {1, 5, 5, 3}, 4);
  xir::Op* d = b.Op("down", "downsample-fix", ResizeAttrs("NEAREST", 2.0f, 2.0f, false, false), {{"input", {x}}}, 3);
  auto a = NewXirAttrs();
  a->set_attr<std::vector<int>>("paddings", {0, 0, 1, 2, 2, 1, 0, 0});
  a->set_attr<std::string>("mode", "SYMMETRIC");
  b.Op("pad", "pad-fix", std::move(a), {{"input", {d}}}, 3);
  const Bytes in = Random(75, 8);
  const Bytes got = RunOnEmulator(b, {in});
  auto pd = MakeDownsampleParams({1, 5, 5, 3}, 2.0f, 2.0f, "NEAREST", 4, 3);
  ASSERT_TRUE(pd.ok());
  Bytes mid(27);
  reference::DownsampleFix(pd.value(), in.data(), mid.data());
  auto pp = MakePadParams({1, 3, 3, 3}, {0, 0, 1, 2, 2, 1, 0, 0}, PadMode::kSymmetric, {}, 3, 3);
  ASSERT_TRUE(pp.ok());
  Bytes want(static_cast<size_t>(pp->output.size()));
  reference::PadFix(pp.value(), mid.data(), want.data());
  EXPECT_EQ(got, want);
}

TEST(EmuOpSet, ReorgTileAndPixelShuffle) {
  XirGraphBuilder b("space_depth");
  xir::Op* x = b.Data("in0", {1, 4, 4, 2}, 2);
  auto ra = NewXirAttrs();
  ra->set_attr<int>("scale", 2);
  ra->set_attr<bool>("reverse", false);
  xir::Op* r = b.Op("reorg", "reorg-fix", std::move(ra), {{"input", {x}}}, 1);  // [1,2,2,8]
  auto ta = NewXirAttrs();
  ta->set_attr<int>("stride", 2);
  ta->set_attr<bool>("reverse", true);
  xir::Op* t = b.Op("tile", "tile-fix", std::move(ta), {{"input", {r}}}, 1);  // [1,4,4,2]
  auto pa = NewXirAttrs();
  pa->set_attr<int>("scale", 2);
  pa->set_attr<bool>("reverse", false);
  pa->set_attr<bool>("upscale", false);
  b.Op("unshuffle", "pixel-shuffle-fix", std::move(pa), {{"input", {t}}}, 1);  // [1,2,2,8]
  const Bytes in = Random(32, 9);
  const Bytes got = RunOnEmulator(b, {in});
  auto pr = MakeReorgParams({1, 4, 4, 2}, 2, false, 2, 1);
  auto pt = MakeTileParams({1, 2, 2, 8}, 2, true, 1, 1);
  auto ps = MakePixelShuffleParams({1, 4, 4, 2}, 2, false, 1, 1);
  ASSERT_TRUE(pr.ok() && pt.ok() && ps.ok());
  Bytes m1(32), m2(32), want(32);
  reference::ReorgFix(pr.value(), in.data(), m1.data());
  reference::TileFix(pt.value(), m1.data(), m2.data());
  reference::PixelShuffleFix(ps.value(), m2.data(), want.data());
  EXPECT_EQ(got, want);
}

TEST(EmuOpSet, AnOpTheEmulatorDoesNotRunIsRefusedInOneLine) {
  // maxpool2d is XIR's float pooling (vai_c_xir places pool-fix on the DPU);
  // inside a DPU subgraph it stands for any op type without a registration.
  XirGraphBuilder b("unsupported");
  xir::Op* x = b.Data("in0", {1, 4, 4, 8}, 3);
  auto a = NewXirAttrs();
  a->set_attr<std::vector<int>>("kernel", {2, 2});
  a->set_attr<std::vector<int>>("stride", {2, 2});
  a->set_attr<std::string>("pad_mode", "FLOOR");
  b.Op("odd_pool", "maxpool2d", std::move(a), {{"input", {x}}}, 3);
  const xir::Subgraph* sg = b.Finish();
  const Status probe = emu::ProbeSubgraph(sg);
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.message().find('\n'), std::string::npos) << probe.message();
  EXPECT_NE(probe.message().find("subgraph " + sg->get_name()), std::string::npos) << probe.message();
  EXPECT_NE(probe.message().find("op odd_pool (maxpool2d)"), std::string::npos) << probe.message();
  ::testing::internal::CaptureStderr();
  auto runner = CreateEmuRunner(sg);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(runner, nullptr);
  EXPECT_NE(log.find("odd_pool"), std::string::npos) << log;
  EXPECT_NE(log.find(sg->get_name()), std::string::npos) << log;
}

// Attribute values outside what an op supports: one line naming the op and
// its subgraph, at probe and at runner creation, never an abort.
TEST(EmuOpSet, UnsupportedAttributeValuesAreRefusedInOneLine) {
  struct Case {
    const char* what;
    std::function<void(XirGraphBuilder&, xir::Op*)> build;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"downsample 1.5", [](XirGraphBuilder& b, xir::Op* x) {
         b.Op("bad", "downsample-fix", ResizeAttrs("NEAREST", 1.5f, 2.0f, false, false), {{"input", {x}}}, 3);
       }, "scale_w 1.5"},
      {"pad constant 7", [](XirGraphBuilder& b, xir::Op* x) {
         auto a = NewXirAttrs();
         a->set_attr<std::vector<int>>("paddings", {0, 0, 1, 1, 1, 1, 0, 0});
         a->set_attr<std::string>("mode", "CONSTANT");
         a->set_attr<std::vector<char>>("constant_values", {7});
         b.Op("bad", "pad-fix", std::move(a), {{"input", {x}}}, 3);
       }, "constant value 7"},
      {"eltwise LEAKYRELU", [](XirGraphBuilder& b, xir::Op* x) {
         b.Op("bad", "eltwise-fix", EltwiseAttrs("ADD", "LEAKYRELU"), {{"input", {x, x}}}, 3);
       }, "nonlinear LEAKYRELU"},
      {"eltwise fix points 16 apart", [](XirGraphBuilder& b, xir::Op* x) {
         xir::Op* y = b.Data("in1", {1, 4, 4, 8}, 19);
         b.Op("bad", "eltwise-fix", EltwiseAttrs("ADD", "NONE"), {{"input", {x, y}}}, 3);
       }, "differ by more than 15"},
      {"reorg height 6", [](XirGraphBuilder& b, xir::Op*) {
         xir::Op* z = b.Data("in1", {1, 6, 4, 2}, 3);
         auto a = NewXirAttrs();
         a->set_attr<int>("scale", 2);
         a->set_attr<bool>("reverse", false);
         b.Op("bad", "reorg-fix", std::move(a), {{"input", {z}}}, 3);
       }, "H a multiple of scale^2"},
  };
  for (const Case& c : cases) {
    XirGraphBuilder b(std::string("bad_") + c.what);
    xir::Op* x = b.Data("in0", {1, 4, 4, 8}, 3);
    c.build(b, x);
    const xir::Subgraph* sg = b.Finish();
    const Status probe = emu::ProbeSubgraph(sg);
    ASSERT_FALSE(probe.ok()) << c.what;
    const std::string& m = probe.message();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find("subgraph " + sg->get_name()), std::string::npos) << m;
    EXPECT_NE(m.find("bad ("), std::string::npos) << m;
    EXPECT_NE(m.find(c.message), std::string::npos) << c.what << ": " << m;
    ::testing::internal::CaptureStderr();
    auto runner = CreateEmuRunner(sg);
    ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(runner, nullptr) << c.what;
  }
}

}  // namespace
}  // namespace signdpu::testing
