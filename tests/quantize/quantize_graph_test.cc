// DpuFloatGraph -> FixGraph: constraint adjustments and bias correction.
#include "signdpu/quantize/quantize_graph.h"

#include "signdpu/ir/grouped_conv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace signdpu::quantize {
namespace {

// input [1,1,1,2] -> 1x1 conv (2 -> out_c) -> [1,1,1,out_c]
DpuFloatGraph Conv1x1(int64_t out_c, std::vector<float> w, std::vector<float> b, std::vector<int64_t> group_ends = {}) {
  DpuFloatGraph g;
  g.name = "conv1x1";
  DpuFloatTensor in, out;
  in.name = in.source_tensor = "in";
  in.shape = {1, 1, 1, 2};
  out.name = out.source_tensor = "out";
  out.shape = {1, 1, 1, out_c};
  g.tensors = {in, out};
  g.input = 0;
  g.output = 1;
  DpuFloatOp op;
  op.kind = FixOpKind::kConv2d;
  op.name = "conv";
  op.inputs = {0};
  op.output = 1;
  op.conv.input = {1, 1, 1, 2};
  op.conv.out_channels = out_c;
  op.weights = std::move(w);
  op.bias = std::move(b);
  op.channel_group_ends = std::move(group_ends);
  g.ops = {op};
  return g;
}

DpuFloatGraph OneConv(std::vector<float> w, float b) { return Conv1x1(1, std::move(w), {b}); }

TEST(QuantizeGraph, BiasCorrectionRemovesTheMeanShiftOfWeightRounding) {
  // Weights 0.3 at fix_point 8 become 77/256 = 0.30078: each input adds
  // 0.00078 * x on average. With E[x] = 10 on both inputs the output drifts
  // by 2 * 0.00078 * 10 = 0.0156, which bias correction takes out of 0.5.
  DpuFloatGraph g = OneConv({0.3f, 0.3f}, 0.5f);
  std::vector<LayerReport> report;
  auto plain = QuantizeGraph(g, {0, 2}, &report);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_EQ(plain->ops[0].Attrs<ConvAttrs>().fix_weights, 8);
  EXPECT_EQ(plain->ops[0].Attrs<ConvAttrs>().weights, (std::vector<int8_t>{77, 77}));
  const std::vector<std::vector<double>> means = {{10.0, 10.0}, {0.0}};
  auto corrected = QuantizeGraph(g, {0, 2}, &report, &means);
  ASSERT_TRUE(corrected.ok()) << corrected.status().message();
  auto bias_real = [](const FixGraph& f) {
    return f.ops[0].Attrs<ConvAttrs>().bias[0] * std::ldexp(1.0, -f.ops[0].Attrs<ConvAttrs>().fix_bias);
  };
  EXPECT_NEAR(bias_real(*plain), 0.5, 1e-9);
  const double shift = 2 * (77.0 / 256 - 0.3f) * 10;
  EXPECT_NEAR(bias_real(*corrected), 0.5 - shift, 1.0 / 256);
  EXPECT_LT(bias_real(*corrected), 0.49);
}

TEST(QuantizeGraph, ShiftCutAboveSixteenLowersTheWeightFixPoint) {
  // fi 10, tiny weights (fw would be 15), fo 0: shift_cut 25 > 16, so fw
  // becomes fo - fi + 16 = 6 and the report says so.
  DpuFloatGraph g = OneConv({0.003f, -0.002f}, 0.0f);
  std::vector<LayerReport> report;
  auto f = QuantizeGraph(g, {10, 0}, &report);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->ops[0].Attrs<ConvAttrs>().fix_weights, 6);
  ASSERT_FALSE(report[0].adjustments.empty());
  EXPECT_NE(report[0].adjustments[0].find("so that shift_cut <= 16"), std::string::npos) << report[0].adjustments[0];
}

TEST(QuantizeGraph, NegativeShiftCutLowersTheOutputFixPoint) {
  // fi 0, weights at fw 8, calibrated fo 12: shift_cut -4 -> fo = 8.
  DpuFloatGraph g = OneConv({0.3f, 0.2f}, 0.0f);
  std::vector<LayerReport> report;
  auto f = QuantizeGraph(g, {0, 12}, &report);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->tensors[1].fix_point, 8);
  EXPECT_EQ(report[0].shift_cut, 0);
  ASSERT_FALSE(report[0].adjustments.empty());
  EXPECT_NE(report[0].adjustments[0].find("output fix_point 12 -> 8"), std::string::npos) << report[0].adjustments[0];
}

}  // namespace
}  // namespace signdpu::quantize

namespace signdpu::quantize {
namespace {

// 1x1 conv 2 -> 4 whose first two output channels have weights ~60x larger
// than the last two.
DpuFloatGraph WideConv(std::vector<int64_t> group_ends) {
  return Conv1x1(4, {2.0f, -1.5f, 1.0f, 0.5f, 0.03f, -0.02f, 0.025f, 0.01f}, {0, 0, 0, 0}, std::move(group_ends));
}

TEST(QuantizeGraph, WeightGroupsBecomeOneConvPerGroupAndAConcatSharingTheOutputFixPoint) {
  std::vector<LayerReport> report;
  auto quantised = QuantizeGraph(WideConv({2, 4}), {6, 10}, &report);
  ASSERT_TRUE(quantised.ok()) << quantised.status().message();
  // One grouped conv op in the int8 IR, written as below (ir::SplitGroupedConvs).
  ASSERT_EQ(quantised->ops.size(), 1u);
  EXPECT_EQ(quantised->ops[0].kind, FixOpKind::kGroupedConv2d);
  const FixGraph written = ir::SplitGroupedConvs(*quantised);
  const FixGraph* grouped = &written;
  ASSERT_EQ(grouped->ops.size(), 3u);
  EXPECT_EQ(grouped->ops[0].name, "conv_g0");
  EXPECT_EQ(grouped->ops[0].Attrs<ConvAttrs>().fix_weights, 5);   // 2.0 fits at 2^-5
  EXPECT_EQ(grouped->ops[1].Attrs<ConvAttrs>().fix_weights, 12);  // 0.03 * 2^12 = 122.9
  EXPECT_EQ(grouped->ops[2].kind, FixOpKind::kConcat);
  EXPECT_EQ(grouped->ops[2].output, 1);
  for (int in : grouped->ops[2].inputs) EXPECT_EQ(grouped->tensors[in].fix_point, 10) << grouped->tensors[in].name;
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[2].op, "concat-fix");
  EXPECT_EQ(report[1].fix_weights, 12);

  std::vector<LayerReport> plain_report;
  auto plain = QuantizeGraph(WideConv({}), {6, 10}, &plain_report);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_EQ(plain->ops.size(), 1u);
  EXPECT_EQ(plain->ops[0].Attrs<ConvAttrs>().fix_weights, 5);

  // x = (1.0, 0.5) at fix point 6; the small channels are 0.02 and 0.03.
  const std::vector<int8_t> x = {64, 32};
  auto run = [&](const FixGraph& f) {
    auto ex = FixGraphExecutor::Create(f, 1);
    EXPECT_TRUE(ex.ok()) << ex.status().message();
    std::vector<int8_t> y(4);
    (*ex)->Run({x.data()}, {y.data()}, 1);
    return y;
  };
  const std::vector<int8_t> yg = run(*grouped), yp = run(*plain);
  EXPECT_EQ(run(*quantised), yg);  // the grouped op computes what is written
  const double expect[2] = {0.02, 0.03};
  for (int c = 0; c < 2; ++c) EXPECT_LE(std::fabs(yg[2 + c] / 1024.0 - expect[c]), 1.0 / 1024) << c;  // one output step
  // One weight position for all: 0.03 -> 1/32 and -0.02 -> -1/32 give 0.0156 for 0.02.
  EXPECT_GE(std::fabs(yp[2] / 1024.0 - expect[0]), 4.0 / 1024);
}

TEST(QuantizeGraph, AGroupBelowTheSharedOutputPositionRaisesItsWeightPosition) {
  // fi 0; group 0's weights want fw 5 but the shared fo is 7: shift_cut
  // would be -2, and the concat's inputs cannot move fo, so fw -> 7.
  std::vector<LayerReport> report;
  auto quantised = QuantizeGraph(WideConv({2, 4}), {0, 7}, &report);
  ASSERT_TRUE(quantised.ok()) << quantised.status().message();
  const FixGraph written = ir::SplitGroupedConvs(*quantised);  // conv2d-fix per group + concat-fix
  const FixGraph* f = &written;
  EXPECT_EQ(f->ops[0].Attrs<ConvAttrs>().fix_weights, 7);
  EXPECT_EQ(f->tensors[1].fix_point, 7);
  ASSERT_FALSE(report[0].adjustments.empty());
  EXPECT_NE(report[0].adjustments[0].find("the output position is the concat's"), std::string::npos)
      << report[0].adjustments[0];
}

}  // namespace
}  // namespace signdpu::quantize
