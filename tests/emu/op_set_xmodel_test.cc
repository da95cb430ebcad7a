// The DPUCZDX8G layout and element-wise ops through the host xmodel writer and
// the DPU subgraph reader (round trip), then through libvart + the emulator
// on both kernel paths: the outputs equal the FixGraph executor's reference
// path, which runs the reference kernels.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "emu_test_util.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include <xir/graph/graph.hpp>
#include "test_graphs.h"

namespace signdpu::testing {
namespace {

FixOp Op(FixOpKind kind, const std::string& name, std::vector<int> inputs, int output, FixOpAttrs attrs) {
  return MakeFixOp(kind, name, std::move(inputs), output, std::move(attrs));
}

ConstOperand Const(int position, const std::string& name, Shape shape, int fp, uint32_t seed) {
  ConstOperand c;
  c.position = position;
  c.name = name;
  c.shape = std::move(shape);
  c.fix_point = fp;
  c.data = RandomInt8(static_cast<size_t>(NumElements(c.shape)), seed);
  return c;
}

// in [1,6,8,4] fp 4 -> upsample NEAREST x2 (fp 3) -> downsample 2 (fp 3)
// -> pad SYMMETRIC 1 (fp 3) [1,8,10,4] -> reorg s=2 [1,4,5,16] -> tile reverse
// [1,8,10,4] -> pixel unshuffle [1,4,5,16] -> depthwise-fix MUL by const [16]
// fp 5 (fp 2) -> eltwise ADD const [16] fp 4, RELU (fp 2) -> eltwise MUL with
// the unshuffled map (fp 1) -> concat with the unshuffled map (fp 3) and the
// bilinear upsample of nothing else: [1,4,5,32] fp 2.
FixGraph OpSetGraph(uint32_t seed) {
  FixGraph g;
  g.name = "op_set";
  g.tensors = {{"in", {1, 6, 8, 4}, 4},      {"up", {1, 12, 16, 4}, 3},  {"down", {1, 6, 8, 4}, 3},
               {"pad", {1, 8, 10, 4}, 3},    {"reorg", {1, 4, 5, 16}, 3}, {"tile", {1, 8, 10, 4}, 3},
               {"shuf", {1, 4, 5, 16}, 3},   {"dw", {1, 4, 5, 16}, 2},    {"bias", {1, 4, 5, 16}, 2},
               {"prod", {1, 4, 5, 16}, 1},   {"cat", {1, 4, 5, 32}, 2}};
  g.inputs = {0};
  g.outputs = {10};
  ResizeAttrs up;
  up.scale_w = up.scale_h = 2.0f;
  ResizeAttrs down = up;
  PadAttrs pad;
  pad.paddings = {0, 0, 1, 1, 1, 1, 0, 0};
  pad.mode = PadMode::kSymmetric;
  DepthwiseFixAttrs dw;
  dw.type = EltwiseType::kMul;
  dw.consts = {Const(1, "dw_scale", {16}, 5, seed)};
  EltwiseAttrs add;
  add.activation = Activation::kRelu;
  add.consts = {Const(1, "bias_const", {1, 1, 1, 16}, 4, seed + 1)};
  EltwiseAttrs mul;
  mul.type = EltwiseType::kMul;
  g.ops = {Op(FixOpKind::kUpsample, "up", {0}, 1, up),
           Op(FixOpKind::kDownsample, "down", {1}, 2, down),
           Op(FixOpKind::kPad, "pad", {2}, 3, pad),
           Op(FixOpKind::kReorg, "reorg", {3}, 4, BlockAttrs{2, false}),
           Op(FixOpKind::kTile, "tile", {4}, 5, BlockAttrs{2, true}),
           Op(FixOpKind::kPixelShuffle, "shuf", {5}, 6, BlockAttrs{2, false}),
           Op(FixOpKind::kDepthwiseFix, "dw", {6}, 7, dw),
           Op(FixOpKind::kEltwiseAdd, "bias", {7}, 8, add),
           Op(FixOpKind::kEltwiseAdd, "prod", {8, 6}, 9, mul),
           Op(FixOpKind::kConcat, "cat", {9, 6}, 10, ConcatAttrs{3})};
  return g;
}

std::vector<int8_t> RunExecutor(const FixGraph& g, KernelPath path, const std::vector<int8_t>& in) {
  auto ex = FixGraphExecutor::Create(g, 1, path);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  if (!ex.ok()) return {};
  std::vector<int8_t> out(static_cast<size_t>(g.tensors[g.outputs[0]].per_image_size()));
  (*ex)->Run({in.data()}, {out.data()}, 1);
  return out;
}

TEST(OpSetXmodel, HostRoundTripAndEmulatorEqualTheReference) {
  const FixGraph g = OpSetGraph(3);
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
  auto built = xmodel::BuildHostGraph(g, InfoFor(g.name));
  ASSERT_TRUE(built.ok()) << built.status().message();
  const auto dpus = xmodel::DpuSubgraphs(**built);
  ASSERT_EQ(dpus.size(), 1u);
  auto back = xmodel::ReadDpuSubgraph(dpus[0]);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(DiffFixGraphs(g, *back), "");
  const std::vector<int8_t> in = RandomInt8(192, 9);
  const std::vector<int8_t> want = RunExecutor(g, KernelPath::kReference, in);
  EXPECT_EQ(RunExecutor(*back, BestKernelPath(), in), want);
  auto runner = CreateEmuRunner(dpus[0]);
  ASSERT_NE(runner, nullptr);
  auto got = RunJob(runner.get(), {in}, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], want);
}

TEST(OpSetXmodel, QuantiserFormatRefusesReadOnlyOpsInOneLine) {
  const FixGraph g = OpSetGraph(4);
  auto q = xmodel::BuildQuantizerGraph(g, InfoFor(g.name));
  ASSERT_FALSE(q.ok());
  // upsample-fix and pixel-shuffle-fix have a quantiser form (resize, pixel-shuffle):
  // the first op without one is the downsample.
  EXPECT_NE(q.status().message().find("down (downsample-fix)"), std::string::npos) << q.status().message();
  EXPECT_EQ(q.status().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace signdpu::testing
