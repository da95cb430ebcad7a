// The float op registry (graph/op_registry.h): every graph op type has exactly
// one entry that infers and evaluates it, every ONNX op the importer accepts
// is an entry, and docs/onnx.md's op table lists exactly the registered ops.
#include "signdpu/graph/op_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "signdpu/graph/float_executor.h"

namespace signdpu::graph {
namespace {

TEST(OpRegistry, EveryOpTypeHasExactlyOneEntryWithShapeAndEval) {
  // AllOpTypes lists the whole enum: kUpsample is its last value.
  EXPECT_EQ(AllOpTypes().size(), static_cast<size_t>(OpType::kUpsample) + 1);
  for (OpType type : AllOpTypes()) {
    int owners = 0;
    for (const OpDef* def : OnnxOps()) {
      for (OpType t : def->types) owners += t == type;
    }
    EXPECT_EQ(owners, 1) << OpTypeName(type);
    const OpDef* def = FindOpDef(type);
    ASSERT_NE(def, nullptr) << OpTypeName(type);
    EXPECT_NE(def->infer_shape, nullptr) << OpTypeName(type);
    EXPECT_NE(def->eval_float, nullptr) << OpTypeName(type);
  }
}

TEST(OpRegistry, EntriesAreCompleteAndUnique) {
  std::set<std::string> names;
  for (const OpDef* def : OnnxOps()) {
    EXPECT_TRUE(names.insert(def->onnx_type).second) << "duplicate " << def->onnx_type;
    EXPECT_NE(def->import, nullptr) << def->onnx_type;
    EXPECT_EQ(FindOnnxOp(def->onnx_type), def);
    if (def->import_kind == OpDef::ImportKind::kNode) {
      EXPECT_FALSE(def->types.empty()) << def->onnx_type;
    } else {  // Constant, Identity, Dropout: no graph op of their own
      EXPECT_TRUE(def->types.empty()) << def->onnx_type;
      EXPECT_EQ(def->infer_shape, nullptr) << def->onnx_type;
      EXPECT_EQ(def->eval_float, nullptr) << def->onnx_type;
    }
  }
  EXPECT_EQ(FindOnnxOp("LogSoftmax"), nullptr);
  EXPECT_EQ(FindOnnxOp("conv"), nullptr);  // ONNX op types are case-sensitive
}

TEST(OpRegistry, SupportedListIsTheImportersMessage) {
  // The text the importer printed before the registry existed (a contract:
  // users and scripts read it).
  EXPECT_EQ(SupportedOnnxOpList(),
            "Conv, Relu, LeakyRelu, Clip, BatchNormalization, MaxPool, AveragePool, "
            "GlobalAveragePool, Gemm, MatMul, Add, Flatten, Reshape, Transpose, Softmax, Dropout, "
            "Identity, Constant, Mul, Concat, Pad, ConvTranspose, Resize, Upsample, DepthToSpace");
}

TEST(OpRegistry, DocsOpTableListsExactlyTheRegisteredOps) {
  std::ifstream in(std::string(SIGNDPU_SOURCE_DIR) + "/docs/onnx.md");
  ASSERT_TRUE(in) << "docs/onnx.md";
  std::set<std::string> documented;
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| ONNX op |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.rfind("|", 0) != 0) break;
    if (line.rfind("|---", 0) == 0) continue;
    std::istringstream cells(line.substr(1));
    std::string first;
    std::getline(cells, first, '|');
    first.erase(0, first.find_first_not_of(' '));
    first.erase(first.find_last_not_of(' ') + 1);
    documented.insert(first);
  }
  std::set<std::string> registered;
  for (const OpDef* def : OnnxOps()) registered.insert(def->onnx_type);
  EXPECT_EQ(documented, registered);
}

// The executor dispatches through the registry: a graph using every
// evaluable op type runs, and an op's result is its entry's evaluation.
TEST(OpRegistry, ExecutorRunsEachElementwiseEntry) {
  Graph g("m");
  ASSERT_TRUE(g.AddInput("x", {1, 4}).ok());
  Node relu;
  relu.name = "r";
  relu.type = OpType::kRelu;
  relu.inputs = {"x"};
  relu.outputs = {"y"};
  ASSERT_TRUE(g.AddNode(relu).ok());
  Node clip;
  clip.name = "c";
  clip.type = OpType::kClip;
  clip.inputs = {"y"};
  clip.outputs = {"z"};
  clip.attrs.Set("min", 0.5f);
  clip.attrs.Set("max", 2.0f);
  ASSERT_TRUE(g.AddNode(clip).ok());
  ASSERT_TRUE(g.AddOutput("z").ok());
  auto exec = FloatExecutor::Create(g, 1);
  ASSERT_TRUE(exec.ok()) << exec.status().message();
  const float x[4] = {-1.0f, 0.25f, 1.5f, 3.0f};
  ASSERT_TRUE(exec->Run({{"x", x}}, 1).ok());
  auto z = exec->CopyOutput("z");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(*z, (std::vector<float>{0.5f, 0.5f, 1.5f, 2.0f}));
}

}  // namespace
}  // namespace signdpu::graph
