#include "signdpu/graph/graph.h"

#include <gtest/gtest.h>

namespace signdpu::graph {
namespace {

Tensor Constant(const std::string& name, const Shape& shape, float value = 0.5f) {
  Tensor t;
  t.name = name;
  t.shape = shape;
  t.data.assign(NumElements(shape), value);
  return t;
}

Node MakeNode(const std::string& name, OpType type, std::vector<std::string> inputs,
              const std::string& output) {
  Node n;
  n.name = name;
  n.type = type;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

// The tutorial CNN's shape chain with a dynamic batch.
Graph TutorialShapes() {
  Graph g("tutorial");
  EXPECT_TRUE(g.AddInput("input", {kDynamicDim, 1, 28, 28}).ok());
  EXPECT_TRUE(g.AddConstant(Constant("w1", {28, 1, 3, 3})).ok());
  Node conv = MakeNode("conv1", OpType::kConv, {"input", "w1"}, "c1");
  conv.attrs.Set("kernel_shape", std::vector<int64_t>{3, 3});
  conv.attrs.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  EXPECT_TRUE(g.AddNode(conv).ok());
  Node pool = MakeNode("pool1", OpType::kMaxPool, {"c1"}, "p1");
  pool.attrs.Set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.attrs.Set("strides", std::vector<int64_t>{2, 2});
  EXPECT_TRUE(g.AddNode(pool).ok());
  Node reshape = MakeNode("flatten", OpType::kReshape, {"p1"}, "flat");
  reshape.attrs.Set("shape", std::vector<int64_t>{-1, 28 * 14 * 14});
  EXPECT_TRUE(g.AddNode(reshape).ok());
  EXPECT_TRUE(g.AddAlias("out", "flat").ok());
  EXPECT_TRUE(g.AddOutput("out").ok());
  return g;
}

TEST(Graph, ShapesForBatch) {
  Graph g = TutorialShapes();
  EXPECT_TRUE(g.has_dynamic_batch());
  EXPECT_EQ(*g.ShapeOf("c1"), (Shape{1, 28, 28, 28}));
  EXPECT_EQ(*g.ShapeOf("p1", 32), (Shape{32, 28, 14, 14}));
  EXPECT_EQ(*g.ShapeOf("out", 32), (Shape{32, 5488}));
  EXPECT_EQ(g.InferShapes(1)->at("out"), (Shape{1, 5488}));  // aliases included
  EXPECT_EQ(g.InferShapes(4)->at("out"), (Shape{4, 5488}));
  EXPECT_EQ(g.InputShape("input"), (Shape{kDynamicDim, 1, 28, 28}));
  EXPECT_EQ(g.Resolve("out"), "flat");
  ASSERT_NE(g.FindProducer("out"), nullptr);
  EXPECT_EQ(g.FindProducer("out")->name, "flatten");
  ASSERT_EQ(g.Consumers("c1").size(), 1u);
  EXPECT_EQ(g.Consumers("c1")[0]->name, "pool1");
  EXPECT_NE(g.FindConstant("w1"), nullptr);
  EXPECT_EQ(g.FindConstant("c1"), nullptr);
  EXPECT_FALSE(g.ShapeOf("nope").ok());
}

TEST(Graph, AttributesTypedGetters) {
  Attributes a;
  a.Set("axis", int64_t{2});
  a.Set("alpha", 0.25f);
  a.Set("perm", std::vector<int64_t>{0, 2, 1});
  EXPECT_EQ(a.GetInt("axis"), 2);
  EXPECT_EQ(a.GetInt("missing", 7), 7);
  EXPECT_FLOAT_EQ(a.GetFloat("alpha"), 0.25f);
  EXPECT_EQ(a.GetInts("perm"), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(a.ToString(), "alpha=0.25 axis=2 perm=[0,2,1]");
}

TEST(Graph, ErrorsNameTheNode) {
  Graph g("m.onnx");
  ASSERT_TRUE(g.AddInput("x", {1, 784}).ok());
  ASSERT_TRUE(g.AddConstant(Constant("w", {8, 1, 3, 3})).ok());
  Node conv = MakeNode("conv1", OpType::kConv, {"x", "w"}, "y");
  conv.onnx_type = "Conv";
  conv.opset = 13;
  conv.attrs.Set("kernel_shape", std::vector<int64_t>{3, 3});
  Status s = g.AddNode(conv);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("m.onnx: node 'conv1' (Conv, opset 13): input 'x' has rank 2 [1,784]"),
            std::string::npos)
      << s.message();

  Node relu = MakeNode("r", OpType::kRelu, {"missing"}, "z");
  s = g.AddNode(relu);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("'missing'"), std::string::npos) << s.message();

  EXPECT_FALSE(g.AddInput("x", {1}).ok());                     // duplicate
  EXPECT_FALSE(g.AddInput("y", {1, kDynamicDim}).ok());        // non-batch dynamic dim
  Tensor bad = Constant("b", {2, 2});
  bad.data.pop_back();
  EXPECT_FALSE(g.AddConstant(bad).ok());                       // data size mismatch
  EXPECT_FALSE(g.AddOutput("never").ok());
}

TEST(Graph, ReshapeRules) {
  // ONNX: 0 copies the input dim (unless allowzero), -1 is inferred.
  struct Case {
    Shape in;
    std::vector<int64_t> spec;
    Shape expected;  // empty = error
  } cases[] = {
      {{2, 3, 4}, {0, -1}, {2, 12}},
      {{2, 3, 4}, {-1, 4}, {6, 4}},
      {{2, 3, 4}, {4, 0, 2}, {4, 3, 2}},
      {{2, 3, 4}, {24}, {24}},
      {{2, 3, 4}, {5, -1}, {}},       // 24 % 5 != 0
      {{2, 3, 4}, {-1, -1}, {}},      // two -1
      {{2, 3, 4}, {0, 0, 0, 0}, {}},  // copies a dim the input lacks
  };
  for (const Case& c : cases) {
    Node n = MakeNode("r", OpType::kReshape, {"x"}, "y");
    n.attrs.Set("shape", c.spec);
    auto out = InferNodeShape(n, {c.in});
    if (c.expected.empty()) {
      EXPECT_FALSE(out.ok()) << ShapeToString(c.spec);
    } else {
      ASSERT_TRUE(out.ok()) << out.status().message();
      EXPECT_EQ(*out, c.expected) << ShapeToString(c.spec);
    }
  }
}

TEST(Graph, BroadcastAndMatMulShapes) {
  Node add = MakeNode("a", OpType::kAdd, {"x", "y"}, "z");
  EXPECT_EQ(*InferNodeShape(add, {{3, 4, 5}, {5}}), (Shape{3, 4, 5}));
  EXPECT_EQ(*InferNodeShape(add, {{3, 1, 5}, {4, 1}}), (Shape{3, 4, 5}));
  EXPECT_FALSE(InferNodeShape(add, {{3, 4}, {3}}).ok());
  Node mm = MakeNode("m", OpType::kMatMul, {"x", "y"}, "z");
  EXPECT_EQ(*InferNodeShape(mm, {{2, 3, 4}, {4, 5}}), (Shape{2, 3, 5}));
  EXPECT_EQ(*InferNodeShape(mm, {{1, 2, 3, 4}, {3, 1, 4, 5}}), (Shape{3, 2, 3, 5}));
  EXPECT_FALSE(InferNodeShape(mm, {{2, 3}, {4, 5}}).ok());
}

TEST(Graph, WindowOutputSize) {
  EXPECT_EQ(WindowOutputSize(28, 3, 1, 1, 1, 1), 28);
  EXPECT_EQ(WindowOutputSize(28, 2, 2, 0, 0, 1), 14);
  EXPECT_EQ(WindowOutputSize(7, 2, 2, 0, 0, 1), 3);  // floor
  EXPECT_EQ(WindowOutputSize(8, 3, 1, 1, 1, 2), 6);  // dilated span 5
  EXPECT_EQ(WindowOutputSize(2, 5, 1, 0, 0, 1), 0);
}

}  // namespace
}  // namespace signdpu::graph
