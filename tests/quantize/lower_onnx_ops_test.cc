// The lowering and quantisation of ONNX Add / Mul with constants, Mul of two
// activations, Concat and Pad (src/quantize/lower/eltwise.cc, concat.cc,
// pad.cc; quantize_graph.cc): op kinds, stored attributes, NHWC constant
// layout, the fix points the quantiser picks, and the refusals.
#include <gtest/gtest.h>

#include "graph_builders.h"
#include "signdpu/quantize/lower.h"
#include "signdpu/quantize/quantize_graph.h"

namespace signdpu::quantize {
namespace {

using graph::Graph;
using graph::OpType;
using test_graphs::AddConst;
using test_graphs::AddNode;

// input [N,1,4,6] -> Conv 3 1x1 -> Relu -> "act" [N,3,4,6]
Graph ConvRelu() {
  Graph g("ops");
  EXPECT_TRUE(g.AddInput("x", {graph::kDynamicDim, 1, 4, 6}).ok());
  AddConst(g, "w", {3, 1, 1, 1}, {1.0f, -2.0f, 0.5f});
  AddConst(g, "b", {3}, {0.0f, 0.1f, 0.2f});
  graph::Attributes conv;
  conv.Set("kernel_shape", std::vector<int64_t>{1, 1});
  conv.Set("strides", std::vector<int64_t>{1, 1});
  conv.Set("pads", std::vector<int64_t>{0, 0, 0, 0});
  conv.Set("dilations", std::vector<int64_t>{1, 1});
  conv.Set("group", int64_t{1});
  AddNode(g, "conv", OpType::kConv, {"x", "w", "b"}, "c", conv);
  AddNode(g, "relu", OpType::kRelu, {"c"}, "act");
  return g;
}

const DpuFloatOp* FindOp(const DpuFloatGraph& d, const std::string& name) {
  for (const DpuFloatOp& op : d.ops)
    if (op.name == name) return &op;
  return nullptr;
}

TEST(LowerOnnxOps, MulByPerChannelConstantIsEltwiseMulWithNhwcConst) {
  Graph g = ConvRelu();
  AddConst(g, "k", {1, 3, 1, 1}, {2.0f, 3.0f, 4.0f});
  AddNode(g, "mul", OpType::kMul, {"act", "k"}, "y");
  ASSERT_TRUE(g.AddOutput("y").ok());
  auto d = LowerToDpu(g, "m");
  ASSERT_TRUE(d.ok()) << d.status().message();
  const DpuFloatOp* op = FindOp(*d, "mul");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->kind, FixOpKind::kEltwiseAdd);
  const auto& a = std::get<EltwiseAttrs>(op->attrs);
  EXPECT_EQ(a.type, EltwiseType::kMul);
  ASSERT_EQ(a.consts.size(), 1u);
  EXPECT_EQ(a.consts[0].position, 1);
  EXPECT_EQ(a.consts[0].shape, (Shape{1, 1, 1, 3}));
  EXPECT_EQ(op->weights, (std::vector<float>{2.0f, 3.0f, 4.0f}));
  EXPECT_EQ(op->inputs.size(), 1u);
}

TEST(LowerOnnxOps, ConstantOnTheLastDimBroadcastsAlongWidthNotChannels) {
  // An NCHW [1,3,4,6] + [6]: the constant runs along W (numpy), so it is not
  // a bias: an eltwise-fix ADD with a [1,1,6,1] NHWC const, written last
  // although ONNX has it first (XIR infers the shape from the first input).
  Graph g = ConvRelu();
  AddConst(g, "k", {6}, {1, 2, 3, 4, 5, 6});
  AddNode(g, "add", OpType::kAdd, {"k", "act"}, "y");
  ASSERT_TRUE(g.AddOutput("y").ok());
  auto d = LowerToDpu(g, "m");
  ASSERT_TRUE(d.ok()) << d.status().message();
  const DpuFloatOp* op = FindOp(*d, "add");
  ASSERT_NE(op, nullptr);
  const auto& a = std::get<EltwiseAttrs>(op->attrs);
  EXPECT_EQ(a.type, EltwiseType::kAdd);
  EXPECT_EQ(a.consts[0].position, 1);
  EXPECT_EQ(a.consts[0].shape, (Shape{1, 1, 6, 1}));
}

TEST(LowerOnnxOps, FullShapeConstantIsTransposedToNhwc) {
  Graph g = ConvRelu();
  std::vector<float> k(3 * 4 * 6);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<float>(i);  // NCHW index
  AddConst(g, "k", {1, 3, 4, 6}, k);
  AddNode(g, "add", OpType::kAdd, {"act", "k"}, "y");
  ASSERT_TRUE(g.AddOutput("y").ok());
  auto d = LowerToDpu(g, "m");
  ASSERT_TRUE(d.ok()) << d.status().message();
  const DpuFloatOp* op = FindOp(*d, "add");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(std::get<EltwiseAttrs>(op->attrs).consts[0].shape, (Shape{1, 4, 6, 3}));
  // NHWC (h=1, w=2, c=2) holds NCHW (c=2, h=1, w=2) = 2*24 + 1*6 + 2 = 56.
  EXPECT_EQ(op->weights[(1 * 6 + 2) * 3 + 2], 56.0f);
}

TEST(LowerOnnxOps, PerChannelAddAfterConvStillFoldsIntoTheBias) {
  Graph h("fold");
  ASSERT_TRUE(h.AddInput("x", {graph::kDynamicDim, 1, 4, 6}).ok());
  AddConst(h, "w", {3, 1, 1, 1}, {1.0f, -2.0f, 0.5f});
  graph::Attributes conv;
  conv.Set("kernel_shape", std::vector<int64_t>{1, 1});
  conv.Set("strides", std::vector<int64_t>{1, 1});
  conv.Set("pads", std::vector<int64_t>{0, 0, 0, 0});
  conv.Set("dilations", std::vector<int64_t>{1, 1});
  conv.Set("group", int64_t{1});
  AddNode(h, "conv", OpType::kConv, {"x", "w"}, "c", conv);
  AddConst(h, "k", {3, 1, 1}, {1.0f, 2.0f, 3.0f});
  AddNode(h, "add", OpType::kAdd, {"c", "k"}, "y");
  ASSERT_TRUE(h.AddOutput("y").ok());
  auto d = LowerToDpu(h, "m");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(FindOp(*d, "add"), nullptr);
  EXPECT_EQ(FindOp(*d, "conv")->bias, (std::vector<float>{1.0f, 2.0f, 3.0f}));
}

TEST(LowerOnnxOps, RefusalsNameTheNode) {
  {
    Graph g = ConvRelu();
    AddConst(g, "k", {2, 3, 4, 6}, std::vector<float>(144, 1.0f));  // would make a batch of 2
    AddNode(g, "add5", OpType::kAdd, {"act", "k"}, "y");
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("node 'add5'"), std::string::npos) << d.status().message();
  }
  {
    Graph g = ConvRelu();
    AddNode(g, "gap", OpType::kGlobalAveragePool, {"act"}, "p");
    AddNode(g, "se", OpType::kMul, {"act", "p"}, "y");
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("node 'se'"), std::string::npos) << d.status().message();
  }
  for (const char* mode : {"edge", "constant"}) {
    Graph g = ConvRelu();
    graph::Attributes pad;
    pad.Set("pads", std::vector<int64_t>{0, 0, 2, 2, 0, 0, 2, 2});
    pad.Set("mode", std::string(mode));
    pad.Set("value", std::string(mode) == "constant" ? 1.0f : 0.0f);
    AddNode(g, "pad", OpType::kPad, {"act"}, "y", pad);
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    ASSERT_FALSE(d.ok()) << mode;
    EXPECT_NE(d.status().message().find("node 'pad'"), std::string::npos) << d.status().message();
    EXPECT_NE(d.status().message().find(std::string("mode '") + mode + "'"), std::string::npos)
        << d.status().message();
  }
}

TEST(LowerOnnxOps, PadModesAndPaddings) {
  struct Case {
    const char* mode;
    std::vector<int64_t> pads;  // ONNX NCHW
    PadMode want;
    std::vector<int> paddings;  // XIR NHWC
  };
  const Case cases[] = {
      {"constant", {0, 0, 1, 2, 0, 0, 3, 0}, PadMode::kConstant, {0, 0, 1, 3, 2, 0, 0, 0}},
      {"reflect", {0, 0, 2, 2, 0, 0, 2, 2}, PadMode::kReflect, {0, 0, 2, 2, 2, 2, 0, 0}},
      {"edge", {0, 0, 1, 0, 0, 0, 1, 1}, PadMode::kSymmetric, {0, 0, 1, 1, 0, 1, 0, 0}},
  };
  for (const Case& c : cases) {
    Graph g = ConvRelu();
    graph::Attributes pad;
    pad.Set("pads", c.pads);
    pad.Set("mode", std::string(c.mode));
    pad.Set("value", 0.0f);
    AddNode(g, "pad", OpType::kPad, {"act"}, "y", pad);
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    ASSERT_TRUE(d.ok()) << c.mode << ": " << d.status().message();
    const DpuFloatOp* op = FindOp(*d, "pad");
    ASSERT_NE(op, nullptr);
    const auto& a = std::get<PadAttrs>(op->attrs);
    EXPECT_EQ(a.mode, c.want) << c.mode;
    EXPECT_EQ(a.paddings, c.paddings) << c.mode;
  }
}

// Concat of two branches, one of which another op also reads: the branch read
// only by the concat takes the concat's position; the other keeps its own,
// and concat-fix requantises it (a valid graph either way).
TEST(LowerOnnxOps, ConcatAxesAndFixPoints) {
  Graph g = ConvRelu();
  AddNode(g, "relu2", OpType::kRelu, {"c"}, "br");  // a second branch (identity depthwise)
  graph::Attributes axis_c, axis_w;
  axis_c.Set("axis", int64_t{1});
  axis_w.Set("axis", int64_t{-1});
  AddNode(g, "cat", OpType::kConcat, {"act", "br"}, "cat", axis_c);
  AddNode(g, "catw", OpType::kConcat, {"cat", "cat"}, "y", axis_w);
  ASSERT_TRUE(g.AddOutput("y").ok());
  auto d = LowerToDpu(g, "m");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(std::get<ConcatAttrs>(FindOp(*d, "cat")->attrs).axis, 3);
  EXPECT_EQ(std::get<ConcatAttrs>(FindOp(*d, "catw")->attrs).axis, 2);
  const std::vector<int> source = ConcatFixPointSources(*d);
  const DpuFloatOp* cat = FindOp(*d, "cat");
  // "act" feeds cat only, "br" too; "cat" feeds catw twice (two readers: its own position).
  EXPECT_EQ(source[static_cast<size_t>(cat->inputs[0])], cat->output);
  EXPECT_EQ(source[static_cast<size_t>(cat->output)], -1);
  std::vector<int> fps(d->tensors.size(), 4);
  fps[static_cast<size_t>(cat->output)] = 2;
  std::vector<LayerReport> report;
  auto q = QuantizeGraph(*d, fps, &report);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->tensors[static_cast<size_t>(cat->inputs[0])].fix_point, 2);
  EXPECT_EQ(q->tensors[static_cast<size_t>(cat->output)].fix_point, 2);
}

}  // namespace
}  // namespace signdpu::quantize
