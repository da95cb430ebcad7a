// The bench's heavy models (bench/bench_models.h), built small: what a user of
// scripts/bench.sh relies on. Each is written as a host xmodel, read back,
// and run through the real libvart + emulator plugin on the default
// (optimised) path; the output must equal the FixGraph executor's reference
// path bit for bit. Also: the MAC count by hand, and that the chosen fix
// points keep the activations away from saturation.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "bench_models.h"
#include "emu_test_util.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include <xir/graph/graph.hpp>
#include "test_graphs.h"

namespace signdpu::testing {
namespace {

std::vector<int8_t> RunPath(const FixGraph& g, KernelPath path, const std::vector<int8_t>& in) {
  auto ex = FixGraphExecutor::Create(g, 1, path);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  if (!ex.ok()) return {};
  std::vector<int8_t> out(static_cast<size_t>(g.tensors[static_cast<size_t>(g.outputs[0])].per_image_size()));
  (*ex)->Run({in.data()}, {out.data()}, 1);
  return out;
}

std::set<FixOpKind> Kinds(const FixGraph& g) {
  std::set<FixOpKind> k;
  for (const FixOp& op : g.ops) k.insert(op.kind);
  return k;
}

// Writes, reads back, runs through libvart; returns the emulator's output.
void ExpectRunsBitExact(const bench::BenchModel& m) {
  const FixGraph& g = m.graph;
  const std::string path = MakeTempDir("bench_models") + "/" + g.name + ".xmodel";
  xmodel::HostModelInfo info;
  info.model_name = g.name;
  info.softmax = false;
  ASSERT_TRUE(xmodel::WriteHostXmodel(g, info, path).ok());
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  const auto dpus = xmodel::DpuSubgraphs(**xg);
  ASSERT_EQ(dpus.size(), 1u);
  auto back = xmodel::ReadDpuSubgraph(dpus[0]);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ops.size(), g.ops.size());
  const std::vector<int8_t> want = RunPath(g, KernelPath::kReference, m.input);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(RunPath(*back, BestKernelPath(), m.input), want) << KernelPathName(BestKernelPath());
  auto runner = CreateEmuRunner(dpus[0]);
  ASSERT_NE(runner, nullptr);
  const auto got = RunJob(runner.get(), {m.input}, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], want) << "libvart + emulator plugin vs the reference path";
  // Activations neither saturate nor vanish (the fix points follow the data).
  EXPECT_LT(m.saturated_share(), 0.02);
  EXPECT_LT(m.max_layer_saturated_share(), 0.1);
  for (const bench::LayerStats& l : m.layers) EXPECT_LT(l.zero, l.values) << l.name << " is all zero";
}

TEST(BenchModels, DecoderRunsThroughLibvartBitExact) {
  auto m = bench::MakeDecoder({4, 4}, 5);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::set<FixOpKind> k = Kinds(m->graph);
  EXPECT_TRUE(k.count(FixOpKind::kTransposedConv2d) && k.count(FixOpKind::kUpsample) && k.count(FixOpKind::kConcat));
  // 4x4x8 in: bottleneck 4*4*32*(9*8), up1 8*8*16*(4*32), up2 16*16*8*(4*16),
  // fuse 16*16*8*(9*16), up3 32*32*4*(4*8), image 32*32*3*(9*4).
  EXPECT_EQ(bench::MacsPerFrame(m->graph), 36864 + 131072 + 131072 + 294912 + 131072 + 110592);
  EXPECT_EQ(m->graph.tensors[static_cast<size_t>(m->graph.outputs[0])].shape, (Shape{1, 32, 32, 3}));
  ExpectRunsBitExact(*m);
}

TEST(BenchModels, DwSeparableRunsThroughLibvartBitExact) {
  auto m = bench::MakeDwSeparable({64, 8, 10}, 6);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const std::set<FixOpKind> k = Kinds(m->graph);
  EXPECT_TRUE(k.count(FixOpKind::kDepthwiseConv2d) && k.count(FixOpKind::kConv2d) && k.count(FixOpKind::kPool));
  EXPECT_EQ(m->graph.ops.size(), 1u + 2 * 13 + 2);
  EXPECT_EQ(m->graph.tensors[static_cast<size_t>(m->graph.outputs[0])].shape, (Shape{1, 1, 1, 10}));
  ExpectRunsBitExact(*m);
}

TEST(BenchModels, RefusesBadSizesInOneLine) {
  auto d = bench::MakeDwSeparable({100, 1, 10}, 1);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("multiple of 32"), std::string::npos);
  EXPECT_FALSE(bench::MakeDecoder({0, 4}, 1).ok());
}

}  // namespace
}  // namespace signdpu::testing
