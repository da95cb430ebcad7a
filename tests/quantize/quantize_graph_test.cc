// DpuFloatGraph -> FixGraph: constraint adjustments and bias correction.
#include "signdpu/quantize/quantize_graph.h"

#include <gtest/gtest.h>

#include <cmath>

namespace signdpu::quantize {
namespace {

// input [1,1,1,2] -> 1x1 conv (2 -> 1) -> [1,1,1,1]
DpuFloatGraph OneConv(std::vector<float> w, float b) {
  DpuFloatGraph g;
  g.name = "one";
  DpuFloatTensor in, out;
  in.name = in.source_tensor = "in";
  in.shape = {1, 1, 1, 2};
  out.name = out.source_tensor = "out";
  out.shape = {1, 1, 1, 1};
  g.tensors = {in, out};
  g.input = 0;
  g.output = 1;
  DpuFloatOp op;
  op.kind = FixOpKind::kConv2d;
  op.name = "conv";
  op.inputs = {0};
  op.output = 1;
  op.conv.input = {1, 1, 1, 2};
  op.conv.out_channels = 1;
  op.weights = std::move(w);
  op.bias = {b};
  g.ops = {op};
  return g;
}

TEST(QuantizeGraph, BiasCorrectionRemovesTheMeanShiftOfWeightRounding) {
  // Weights 0.3 at fix_point 8 become 77/256 = 0.30078: each input adds
  // 0.00078 * x on average. With E[x] = 10 on both inputs the output drifts
  // by 2 * 0.00078 * 10 = 0.0156, which bias correction takes out of 0.5.
  DpuFloatGraph g = OneConv({0.3f, 0.3f}, 0.5f);
  std::vector<LayerReport> report;
  auto plain = QuantizeGraph(g, {0, 2}, &report);
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  ASSERT_EQ(plain->ops[0].conv.fix_weights, 8);
  EXPECT_EQ(plain->ops[0].weights, (std::vector<int8_t>{77, 77}));
  const std::vector<std::vector<double>> means = {{10.0, 10.0}, {0.0}};
  auto corrected = QuantizeGraph(g, {0, 2}, &report, &means);
  ASSERT_TRUE(corrected.ok()) << corrected.status().message();
  auto bias_real = [](const FixGraph& f) {
    return f.ops[0].bias[0] * std::ldexp(1.0, -f.ops[0].conv.fix_bias);
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
  EXPECT_EQ(f->ops[0].conv.fix_weights, 6);
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
