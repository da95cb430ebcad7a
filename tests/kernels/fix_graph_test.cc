// FixGraph validation and execution (reference path and the best available
// path must agree).
#include "signdpu/kernels/fix_graph.h"

#include <gtest/gtest.h>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/ir/grouped_conv.h"

#include <random>

#include "fix_ops.h"
#include "signdpu/kernels/reference/convert_fix.h"

namespace signdpu {
namespace {

using testing::ConcatOp;
using testing::ConvOp;
using testing::RandomInt8;


// input [1,6,6,2] fp 6 -> conv 3x3 same 4ch relu (fp 4) -> maxpool 2x2 (fp 4)
// -> reshape [1,36]... as a dense conv 3x3 over 4ch -> 5 outputs (fp 3)
FixGraph SmallGraph(uint32_t seed) {
  std::mt19937 rng(seed);
  auto rnd = [&](size_t n) {
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
    return v;
  };
  FixGraph g;
  g.name = "small";
  g.tensors = {{"input", {1, 6, 6, 2}, 6}, {"conv1", {1, 6, 6, 4}, 4}, {"pool1", {1, 3, 3, 4}, 4},
               {"fc", {1, 1, 1, 5}, 3}, {"fc_flat", {1, 5}, 3}};
  g.inputs = {0};
  FixOp conv;
  conv.kind = FixOpKind::kConv2d;
  ConvAttrs& conv_attrs = conv.attrs.emplace<ConvAttrs>();
  conv.name = "conv1";
  conv.inputs = {0};
  conv.output = 1;
  conv_attrs.out_channels = 4;
  conv_attrs.kernel_h = conv_attrs.kernel_w = 3;
  conv_attrs.pad_left = conv_attrs.pad_right = conv_attrs.pad_top = conv_attrs.pad_bottom = 1;
  conv_attrs.fix_weights = 7;
  conv_attrs.fix_bias = 7;
  conv_attrs.activation = Activation::kRelu;
  conv_attrs.weights = rnd(4 * 9 * 2);
  conv_attrs.bias = rnd(4);
  FixOp pool;
  pool.kind = FixOpKind::kPool;
  pool.attrs = PoolAttrs{};
  pool.name = "pool1";
  pool.inputs = {1};
  pool.output = 2;
  FixOp fc;
  fc.kind = FixOpKind::kConv2d;
  ConvAttrs& fc_attrs = fc.attrs.emplace<ConvAttrs>();
  fc.name = "fc";
  fc.inputs = {2};
  fc.output = 3;
  fc_attrs.out_channels = 5;
  fc_attrs.kernel_h = fc_attrs.kernel_w = 3;
  fc_attrs.fix_weights = 8;
  fc_attrs.fix_bias = 6;
  fc_attrs.weights = rnd(5 * 9 * 4);
  fc_attrs.bias = rnd(5);
  FixOp flat;
  flat.kind = FixOpKind::kCopy;
  flat.name = "flatten";
  flat.inputs = {3};
  flat.output = 4;
  g.ops = {conv, pool, fc, flat};
  g.outputs = {4};
  return g;
}

TEST(FixGraph, ValidGraphRunsAndMatchesManualReferenceChain) {
  FixGraph g = SmallGraph(1);
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
  const int batch = 3;
  std::vector<int8_t> in(72 * batch);
  std::mt19937 rng(5);
  for (auto& x : in) x = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
  std::vector<int8_t> out_ref(5 * batch, 0x5A), out_best(5 * batch, 0x5A);
  auto ref = FixGraphExecutor::Create(g, batch, KernelPath::kReference);
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  (*ref)->Run({in.data()}, {out_ref.data()}, batch);
  auto best = FixGraphExecutor::Create(g, 4, BestKernelPath());
  ASSERT_TRUE(best.ok());
  (*best)->Run({in.data()}, {out_best.data()}, batch);
  EXPECT_EQ(out_ref, out_best) << "path " << KernelPathName(BestKernelPath());

  // Manual chain with the reference kernels, image by image.
  for (int n = 0; n < batch; ++n) {
    ConvConfig c1 = ConvConfigOf(g, g.ops[0]);
    c1.input = {1, 6, 6, 2};
    c1.fix_in = 6;
    c1.fix_out = 4;
    auto p1 = MakeConvParams(c1);
    ASSERT_TRUE(p1.ok());
    std::vector<int8_t> t1(144), t2(36), t3(5);
    reference::Conv2dFix(p1.value(), in.data() + n * 72, g.ops[0].Attrs<ConvAttrs>().weights.data(), g.ops[0].Attrs<ConvAttrs>().bias.data(), t1.data());
    PoolConfig pc;
    pc.input = {1, 6, 6, 4};
    pc.fix_in = pc.fix_out = 4;
    auto pp = MakePoolParams(pc);
    ASSERT_TRUE(pp.ok());
    reference::PoolFix(pp.value(), t1.data(), t2.data());
    ConvConfig c3 = ConvConfigOf(g, g.ops[2]);
    c3.input = {1, 3, 3, 4};
    c3.fix_in = 4;
    c3.fix_out = 3;
    auto p3 = MakeConvParams(c3);
    ASSERT_TRUE(p3.ok());
    reference::Conv2dFix(p3.value(), t2.data(), g.ops[2].Attrs<ConvAttrs>().weights.data(), g.ops[2].Attrs<ConvAttrs>().bias.data(), t3.data());
    for (int k = 0; k < 5; ++k) EXPECT_EQ(out_ref[n * 5 + k], t3[k]) << "image " << n << " class " << k;
  }
}

TEST(FixGraph, ValidationNamesTheOp) {
  FixGraph g = SmallGraph(2);
  g.ops[2].Attrs<ConvAttrs>().weights.pop_back();
  Status s = g.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("fc (conv2d-fix): weights have 179 bytes, expected 180"), std::string::npos)
      << s.message();

  g = SmallGraph(2);
  g.tensors[1].fix_point = 20;  // conv1: shift_cut = 6 + 7 - 20 < 0
  s = g.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("shift_cut"), std::string::npos) << s.message();

  g = SmallGraph(2);
  g.tensors[3].shape = {1, 1, 1, 6};
  EXPECT_FALSE(g.Validate().ok());

  g = SmallGraph(2);
  g.ops[1].inputs = {7};
  EXPECT_FALSE(g.Validate().ok());

  g = SmallGraph(2);
  std::swap(g.ops[0], g.ops[1]);  // pool before its input exists
  EXPECT_FALSE(g.Validate().ok());

  EXPECT_FALSE(FixGraphExecutor::Create(SmallGraph(2), 0).ok());
}

// ---- concat-fix --------------------------------------------------------------


// input [1,5,5,3] fp 6 -> a: conv 3x3 pad 1, 4 ch, RELU, weights fp 7
//                      -> b: conv 1x1, 3 ch, weights fp 5, bias fp 4
// both output fp 4 -> cat: concat-fix (axis 3) [1,5,5,7] fp 4
FixGraph ConcatConvGraph(uint32_t seed) {
  FixGraph g;
  g.name = "concat";
  g.tensors = {{"input", {1, 5, 5, 3}, 6}, {"a", {1, 5, 5, 4}, 4}, {"b", {1, 5, 5, 3}, 4}, {"cat", {1, 5, 5, 7}, 4}};
  g.inputs = {0};
  const FixOp a = ConvOp("a", 0, 1, 4, 3, 3, 1, 7, 7, Activation::kRelu, seed);
  const FixOp b = ConvOp("b", 0, 2, 3, 3, 1, 0, 5, 4, Activation::kNone, seed + 2);
  const FixOp cat = ConcatOp("cat", {1, 2}, 3, 3);
  g.ops = {a, b, cat};
  g.outputs = {3};
  return g;
}

// One conv of ConcatConvGraph on one image with the reference kernel.
std::vector<int8_t> ReferenceConv(const FixGraph& g, const FixOp& op, const int8_t* image) {
  ConvConfig c = ConvConfigOf(g, op);
  c.input = {1, 5, 5, 3};
  c.fix_in = g.tensors[op.inputs[0]].fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  auto p = MakeConvParams(c);
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return {};
  std::vector<int8_t> y(static_cast<size_t>(p->output.size()));
  reference::Conv2dFix(*p, image, op.Attrs<ConvAttrs>().weights.data(), op.Attrs<ConvAttrs>().bias.data(), y.data());
  return y;
}

TEST(FixGraphConcat, TwoConvsConcatenatedAtTheirChannelOffsetsOnEveryPath) {
  const FixGraph g = ConcatConvGraph(31);
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
  EXPECT_STREQ(FixOpKindName(FixOpKind::kConcat), "concat-fix");
  constexpr int kPixels = 25, kInC = 3, kOutC = 7;
  for (int batch : {1, 3}) {
    const std::vector<int8_t> in = RandomInt8(static_cast<size_t>(kPixels * kInC * batch), 100 + batch);
    // Expected: conv a's channels at offset 0, conv b's at offset 4, per pixel.
    std::vector<int8_t> want(static_cast<size_t>(kPixels * kOutC * batch), 0x5A);
    for (int n = 0; n < batch; ++n) {
      const std::vector<int8_t> ya = ReferenceConv(g, g.ops[0], in.data() + n * kPixels * kInC);
      const std::vector<int8_t> yb = ReferenceConv(g, g.ops[1], in.data() + n * kPixels * kInC);
      ASSERT_EQ(ya.size(), static_cast<size_t>(kPixels * 4));
      ASSERT_EQ(yb.size(), static_cast<size_t>(kPixels * 3));
      for (int p = 0; p < kPixels; ++p) {
        for (int c = 0; c < 4; ++c) want[(n * kPixels + p) * kOutC + c] = ya[p * 4 + c];
        for (int c = 0; c < 3; ++c) want[(n * kPixels + p) * kOutC + 4 + c] = yb[p * 3 + c];
      }
    }
    for (KernelPath path : AvailableKernelPaths()) {
      auto ex = FixGraphExecutor::Create(g, batch, path);
      ASSERT_TRUE(ex.ok()) << ex.status().message();
      std::vector<int8_t> got(want.size(), 0x11);
      (*ex)->Run({in.data()}, {got.data()}, batch);
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(got[i], want[i]) << KernelPathName(path) << " batch " << batch << " image "
                                   << i / (kPixels * kOutC) << " pixel " << (i / kOutC) % kPixels << " channel "
                                   << i % kOutC;
    }
  }
  // Fewer images than the executor's batch: only `count` images are written.
  auto ex = FixGraphExecutor::Create(g, 4, BestKernelPath());
  ASSERT_TRUE(ex.ok());
  const std::vector<int8_t> in = RandomInt8(kPixels * kInC * 2, 7);
  std::vector<int8_t> got(kPixels * kOutC * 4, 0x11);
  (*ex)->Run({in.data()}, {got.data()}, 2);
  for (size_t i = kPixels * kOutC * 2; i < got.size(); ++i) ASSERT_EQ(got[i], 0x11) << i;
}

TEST(FixGraphConcat, TwoDimensionalInputsAndNegativeAxis) {
  FixGraph g = testing::Concat2DGraph();
  for (int axis : {1, -1}) {
    g.ops[0].Attrs<ConcatAttrs>().axis = axis;
    auto ex = FixGraphExecutor::Create(g, 2, KernelPath::kReference);
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    const std::vector<int8_t> x = {1, 2, 3, -1, -2, -3}, y = {10, 20, -10, -20};
    std::vector<int8_t> out(10, 0);
    (*ex)->Run({x.data(), y.data()}, {out.data()}, 2);
    EXPECT_EQ(out, (std::vector<int8_t>{1, 2, 3, 10, 20, -1, -2, -3, -10, -20})) << "axis " << axis;
  }
  // One input: a degenerate concat is a copy.
  g.ops[0].inputs = {0};
  g.ops[0].Attrs<ConcatAttrs>().axis = 1;
  g.tensors[2].shape = {1, 3};
  EXPECT_TRUE(g.Validate().ok()) << g.Validate().message();
}

// Validate's message for `g`; "" when valid.
std::string ValidateMessage(const FixGraph& g) {
  Status s = g.Validate();
  return s.ok() ? "" : s.message();
}

TEST(FixGraphConcat, ValidationRejectsShapeAndAxisProblemsNamingTheOp) {
  ASSERT_EQ(ValidateMessage(ConcatConvGraph(1)), "");

  FixGraph g = ConcatConvGraph(1);
  g.tensors[3].shape = {1, 5, 5, 8};  // channels do not add up
  Status s = g.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
  EXPECT_NE(s.message().find("cat (concat-fix) (output cat): inputs sum to 7 along axis 3, the output has 8"),
            std::string::npos)
      << s.message();

  g = ConcatConvGraph(1);
  g.tensors[3].shape = {1, 5, 4, 7};  // spatial dims differ
  EXPECT_NE(ValidateMessage(g).find("cat (concat-fix) (output cat): input 0 shape [1,5,5,4] differs from the output"),
            std::string::npos)
      << ValidateMessage(g);

  g = ConcatConvGraph(1);
  g.tensors[3].shape = {1, 25, 7};  // rank differs
  g.ops[2].Attrs<ConcatAttrs>().axis = -1;
  EXPECT_NE(ValidateMessage(g).find("has another rank than the output"), std::string::npos) << ValidateMessage(g);

  for (int axis : {0, 1, 2, -2, -4}) {  // valid axes, but the channels differ off the axis
    g = ConcatConvGraph(1);
    g.ops[2].Attrs<ConcatAttrs>().axis = axis;
    s = g.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "axis " << axis << ": " << s.message();
    EXPECT_NE(s.message().find("differs from the output"), std::string::npos) << s.message();
  }
  for (int axis : {4, -5}) {
    g = ConcatConvGraph(1);
    g.ops[2].Attrs<ConcatAttrs>().axis = axis;
    s = g.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "axis " << axis << ": " << s.message();
    EXPECT_NE(s.message().find("axis " + std::to_string(axis) + " outside a rank-4 shape"), std::string::npos)
        << s.message();
  }
  g = ConcatConvGraph(1);
  g.ops[2].Attrs<ConcatAttrs>().axis = -1;  // the last axis, counted from the end
  EXPECT_EQ(ValidateMessage(g), "");
  g = ConcatConvGraph(1);
  g.tensors[1].fix_point = 40;  // more than 16 from the output's
  EXPECT_FALSE(FixGraphExecutor::Create(g, 1).ok()) << "the executor validates too";
}

// Inputs at other fix points than the output are requantised
// (Sat8(ShiftRound(v, fi - fo))), on every path: the weight-group fusion,
// which writes conv bytes in place, must not take such a concat.
TEST(FixGraphConcat, InputsAtOtherFixPointsAreRequantisedOnEveryPath) {
  FixGraph g = ConcatConvGraph(5);
  g.tensors[1].fix_point = 6;  // a: 6 + 7 - 6 = 7, a valid conv shift; cat at 4: >> 2
  g.tensors[2].fix_point = 3;  // b: << 1
  ASSERT_EQ(ValidateMessage(g), "");
  constexpr int kPixels = 25, kInC = 3, kOutC = 7;
  const std::vector<int8_t> in = RandomInt8(kPixels * kInC, 77);
  const std::vector<int8_t> ya = ReferenceConv(g, g.ops[0], in.data());
  const std::vector<int8_t> yb = ReferenceConv(g, g.ops[1], in.data());
  std::vector<int8_t> want(kPixels * kOutC);
  for (int p = 0; p < kPixels; ++p) {
    for (int c = 0; c < 4; ++c) want[p * kOutC + c] = static_cast<int8_t>(Sat8(ShiftRound(ya[p * 4 + c], 2)));
    for (int c = 0; c < 3; ++c) want[p * kOutC + 4 + c] = static_cast<int8_t>(Sat8(ShiftRound(yb[p * 3 + c], -1)));
  }
  for (KernelPath path : AvailableKernelPaths()) {
    auto ex = FixGraphExecutor::Create(g, 1, path);
    ASSERT_TRUE(ex.ok()) << ex.status().message();
    EXPECT_EQ((*ex)->fused_concats(), 0) << KernelPathName(path);
    std::vector<int8_t> got(want.size(), 0x11);
    (*ex)->Run({in.data()}, {got.data()}, 1);
    EXPECT_EQ(got, want) << KernelPathName(path);
  }
}

}  // namespace
}  // namespace signdpu

namespace signdpu {
namespace {

// The quantiser's weight groups: three 3x3 convs on the same [1,9,9,20]
// input with different weight and bias positions, one output position,
// joined by a concat-fix and read by a 1x1 conv.
FixGraph WeightGroupGraph(Activation act, uint32_t seed) {
  FixGraph g;
  g.name = "groups";
  g.tensors = {{"in", {1, 9, 9, 20}, 5},  {"g0", {1, 9, 9, 3}, 3}, {"g1", {1, 9, 9, 17}, 3},
               {"g2", {1, 9, 9, 6}, 3},   {"cat", {1, 9, 9, 26}, 3}, {"head", {1, 9, 9, 4}, 2}};
  g.inputs = {0};
  const int channels[3] = {3, 17, 6}, fw[3] = {4, 7, 9}, fb[3] = {3, 6, 8};
  for (int k = 0; k < 3; ++k)
    g.ops.push_back(ConvOp("g" + std::to_string(k), 0, 1 + k, channels[k], 20, 3, 1, fw[k], fb[k], act, seed + 10 * k));
  const FixOp cat = ConcatOp("cat", {1, 2, 3}, 4, 3);
  g.ops.push_back(cat);
  const FixOp head = ConvOp("head", 4, 5, 4, 26, 1, 0, 7, 6, Activation::kNone, seed + 98);
  g.ops.push_back(head);
  g.outputs = {5};
  return g;
}

// The written pattern (convs + concat) joined into one grouped conv op
// (ir::GroupWeightConvs, what the xmodel reader does); the reference runs the
// ops as written.
TEST(FixGraphWeightGroups, FusedIntoOneKernelOnOptimisedPathsAndBitExactWithTheReference) {
  for (Activation act : {Activation::kRelu, Activation::kNone, Activation::kRelu6, Activation::kLeakyRelu}) {
    const FixGraph g = WeightGroupGraph(act, 17 + static_cast<uint32_t>(act));
    ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
    FixGraph grouped = g;
    ASSERT_EQ(ir::GroupWeightConvs(&grouped), 1);
    ASSERT_TRUE(grouped.Validate().ok()) << grouped.Validate().message();
    for (int batch : {1, 3, 5}) {
      const std::vector<int8_t> in = RandomInt8(static_cast<size_t>(81 * 20 * batch), 300 + batch);
      auto ref = FixGraphExecutor::Create(g, batch, KernelPath::kReference);
      ASSERT_TRUE(ref.ok()) << ref.status().message();
      EXPECT_EQ((*ref)->fused_concats(), 0);  // the reference runs every op as written
      std::vector<int8_t> want(static_cast<size_t>(81 * 4 * batch));
      (*ref)->Run({in.data()}, {want.data()}, batch);
      for (KernelPath path : AvailableKernelPaths()) {
        if (path == KernelPath::kReference) continue;
        auto ex = FixGraphExecutor::Create(grouped, batch, path);
        ASSERT_TRUE(ex.ok()) << ex.status().message();
        EXPECT_EQ((*ex)->fused_concats(), 1) << KernelPathName(path);
        std::vector<int8_t> got(want.size(), 0x11);
        (*ex)->Run({in.data()}, {got.data()}, batch);
        ASSERT_EQ(got, want) << KernelPathName(path) << " " << ActivationName(act) << " batch " << batch;
        // Every group's own tensor and the concat equal the reference's.
        for (int id = 1; id <= 4; ++id) {
          const int64_t n = g.tensors[id].per_image_size() * batch;
          const std::vector<int8_t> a((*ex)->TensorData(id), (*ex)->TensorData(id) + n);
          const std::vector<int8_t> b((*ref)->TensorData(id), (*ref)->TensorData(id) + n);
          ASSERT_EQ(a, b) << KernelPathName(path) << " tensor " << g.tensors[id].name;
        }
      }
    }
  }
}

TEST(FixGraphWeightGroups, NotFusedWhenAGroupOutputHasAnotherReader) {
  FixGraph g = WeightGroupGraph(Activation::kRelu, 5);
  g.outputs.push_back(2);  // g1 is also a graph output
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
  EXPECT_EQ(ir::GroupWeightConvs(&g), 0);
  auto ex = FixGraphExecutor::Create(g, 2, BestKernelPath());
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ((*ex)->fused_concats(), 0);
}

}  // namespace
}  // namespace signdpu
