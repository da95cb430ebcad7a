// FixGraph validation and execution (reference path and the best available
// path must agree).
#include "signdpu/kernels/fix_graph.h"

#include <gtest/gtest.h>

#include <random>

namespace signdpu {
namespace {

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
  conv.name = "conv1";
  conv.inputs = {0};
  conv.output = 1;
  conv.conv.out_channels = 4;
  conv.conv.kernel_h = conv.conv.kernel_w = 3;
  conv.conv.pad_left = conv.conv.pad_right = conv.conv.pad_top = conv.conv.pad_bottom = 1;
  conv.conv.fix_weights = 7;
  conv.conv.fix_bias = 7;
  conv.conv.activation = Activation::kRelu;
  conv.weights = rnd(4 * 9 * 2);
  conv.bias = rnd(4);
  FixOp pool;
  pool.kind = FixOpKind::kPool;
  pool.name = "pool1";
  pool.inputs = {1};
  pool.output = 2;
  FixOp fc;
  fc.kind = FixOpKind::kConv2d;
  fc.name = "fc";
  fc.inputs = {2};
  fc.output = 3;
  fc.conv.out_channels = 5;
  fc.conv.kernel_h = fc.conv.kernel_w = 3;
  fc.conv.fix_weights = 8;
  fc.conv.fix_bias = 6;
  fc.weights = rnd(5 * 9 * 4);
  fc.bias = rnd(5);
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
    ConvConfig c1 = g.ops[0].conv;
    c1.input = {1, 6, 6, 2};
    c1.fix_in = 6;
    c1.fix_out = 4;
    auto p1 = MakeConvParams(c1);
    ASSERT_TRUE(p1.ok());
    std::vector<int8_t> t1(144), t2(36), t3(5);
    reference::Conv2dFix(p1.value(), in.data() + n * 72, g.ops[0].weights.data(), g.ops[0].bias.data(), t1.data());
    PoolConfig pc;
    pc.input = {1, 6, 6, 4};
    pc.fix_in = pc.fix_out = 4;
    auto pp = MakePoolParams(pc);
    ASSERT_TRUE(pp.ok());
    reference::PoolFix(pp.value(), t1.data(), t2.data());
    ConvConfig c3 = g.ops[2].conv;
    c3.input = {1, 3, 3, 4};
    c3.fix_in = 4;
    c3.fix_out = 3;
    auto p3 = MakeConvParams(c3);
    ASSERT_TRUE(p3.ok());
    reference::Conv2dFix(p3.value(), t2.data(), g.ops[2].weights.data(), g.ops[2].bias.data(), t3.data());
    for (int k = 0; k < 5; ++k) EXPECT_EQ(out_ref[n * 5 + k], t3[k]) << "image " << n << " class " << k;
  }
}

TEST(FixGraph, ValidationNamesTheOp) {
  FixGraph g = SmallGraph(2);
  g.ops[2].weights.pop_back();
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

}  // namespace
}  // namespace signdpu
