// The proof of `signdpu compile` against Xilinx's compiler (issue 16):
// tests/data/xmodels/voxelnet_quantized.xmodel is vai_q_pytorch's output and
// vai25_zcu104_pointpillars.xmodel is vai_c_xir 2.5's compile of exactly it.
// Our compile of the former must give the same partition (which ops land in
// which DPU subgraph), the same lowered ops (geometry, activation, fix
// points, int8 weights and biases byte for byte) and bit-identical int8
// outputs of every DPU subgraph on seeded random inputs over the full int8
// range and on inputs of realistic range. The correspondence is printed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/compile/compile.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu {
namespace {

const std::string kData = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/";

struct Side {
  std::unique_ptr<xir::Graph> graph;
  std::vector<std::string> names;  // DPU subgraph names
  std::vector<FixGraph> dpu;
};

// The ops that compute (uploads, downloads and other copies left out).
std::set<std::string> ComputeOps(const FixGraph& g) {
  std::set<std::string> s;
  for (const FixOp& op : g.ops)
    if (op.kind != FixOpKind::kCopy) s.insert(op.name);
  return s;
}

Side Load(const std::string& path) {
  Side s;
  auto g = xmodel::LoadXmodel(path);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  if (!g.ok()) return s;
  s.graph = std::move(*g);
  for (const xir::Subgraph* sg : xmodel::DpuSubgraphs(*s.graph)) {
    auto f = xmodel::ReadDpuSubgraph(sg);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    if (!f.ok()) continue;
    s.names.push_back(sg->get_name());
    s.dpu.push_back(std::move(*f));
  }
  return s;
}

class PointPillarsPair : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    xmodel::InitGoogleLoggingOnce("compile_pointpillars_test");
    const std::string ours_path = ::testing::TempDir() + "/signdpu_compiled_pointpillars.xmodel";
    auto m = compile::CompileXmodel(kData + "voxelnet_quantized.xmodel", ours_path, compile::CompileOptions());
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    std::printf("signdpu compile voxelnet_quantized.xmodel:\n%s", compile::DescribePartition(*m).c_str());
    theirs_ = new Side(Load(kData + "vai25_zcu104_pointpillars.xmodel"));
    ours_ = new Side(Load(ours_path));
    // Correspondence: the subgraph of ours holding the same computing ops.
    for (size_t i = 0; i < theirs_->dpu.size(); ++i) {
      const auto want = ComputeOps(theirs_->dpu[i]);
      for (size_t j = 0; j < ours_->dpu.size(); ++j)
        if (ComputeOps(ours_->dpu[j]) == want) pairs_.push_back({i, j});
    }
    for (auto [i, j] : pairs_)
      std::printf("vai_c_xir DPU subgraph %zu %s (%zu ops)\n  == signdpu compile DPU subgraph %zu %s\n", i,
                  theirs_->names[i].c_str(), ComputeOps(theirs_->dpu[i]).size(), j, ours_->names[j].c_str());
  }
  static void TearDownTestSuite() {
    delete theirs_;
    delete ours_;
  }
  static Side* theirs_;
  static Side* ours_;
  static std::vector<std::pair<size_t, size_t>> pairs_;
};

Side* PointPillarsPair::theirs_ = nullptr;
Side* PointPillarsPair::ours_ = nullptr;
std::vector<std::pair<size_t, size_t>> PointPillarsPair::pairs_;

TEST_F(PointPillarsPair, PartitionMatches) {
  ASSERT_EQ(theirs_->dpu.size(), 2u);
  ASSERT_EQ(ours_->dpu.size(), 2u);
  ASSERT_EQ(pairs_.size(), 2u) << "each vai_c_xir DPU subgraph needs one of ours with exactly its ops";
  for (auto [i, j] : pairs_) {
    const FixGraph& a = theirs_->dpu[i];
    const FixGraph& b = ours_->dpu[j];
    ASSERT_EQ(a.inputs.size(), b.inputs.size());
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t k = 0; k < a.inputs.size(); ++k) {
      EXPECT_EQ(a.tensors[a.inputs[k]].name, b.tensors[b.inputs[k]].name);
      EXPECT_EQ(a.tensors[a.inputs[k]].shape, b.tensors[b.inputs[k]].shape);
      EXPECT_EQ(a.tensors[a.inputs[k]].fix_point, b.tensors[b.inputs[k]].fix_point);
    }
    for (size_t k = 0; k < a.outputs.size(); ++k) {
      EXPECT_EQ(a.tensors[a.outputs[k]].name, b.tensors[b.outputs[k]].name);
      EXPECT_EQ(a.tensors[a.outputs[k]].shape, b.tensors[b.outputs[k]].shape);
      EXPECT_EQ(a.tensors[a.outputs[k]].fix_point, b.tensors[b.outputs[k]].fix_point);
    }
  }
}

const FixOp* FindOp(const FixGraph& g, const std::string& name) {
  for (const FixOp& op : g.ops)
    if (op.name == name) return &op;
  return nullptr;
}

TEST_F(PointPillarsPair, OpsWeightsAndFixPointsMatch) {
  int convs = 0;
  for (auto [i, j] : pairs_) {
    const FixGraph& a = theirs_->dpu[i];
    const FixGraph& b = ours_->dpu[j];
    for (const FixOp& x : a.ops) {
      if (x.kind == FixOpKind::kCopy) continue;
      const FixOp* y = FindOp(b, x.name);
      ASSERT_NE(y, nullptr) << x.name;
      EXPECT_EQ(x.kind, y->kind) << x.name;
      EXPECT_EQ(a.tensors[x.output].fix_point, b.tensors[y->output].fix_point) << x.name;
      EXPECT_EQ(a.tensors[x.output].shape, b.tensors[y->output].shape) << x.name;
      EXPECT_EQ(a.tensors[x.output].name, b.tensors[y->output].name) << x.name;
      if (x.kind == FixOpKind::kPool) {
        const PoolAttrs &p = x.Attrs<PoolAttrs>(), &q = y->Attrs<PoolAttrs>();
        EXPECT_EQ(p.kernel_h, q.kernel_h) << x.name;
        EXPECT_EQ(p.kernel_w, q.kernel_w) << x.name;
        EXPECT_EQ(p.type, q.type) << x.name;
      }
      const ConvAttrs* xc = x.AttrsIf<ConvAttrs>();
      const ConvAttrs* yc = y->AttrsIf<ConvAttrs>();
      if (xc == nullptr) continue;
      ASSERT_NE(yc, nullptr) << x.name;
      ++convs;
      const ConvAttrs &c = *xc, &d = *yc;
      EXPECT_EQ(std::vector<int>({c.kernel_h, c.kernel_w, c.stride_h, c.stride_w, c.dilation_h, c.dilation_w,
                                  c.pad_left, c.pad_right, c.pad_top, c.pad_bottom}),
                std::vector<int>({d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.dilation_h, d.dilation_w,
                                  d.pad_left, d.pad_right, d.pad_top, d.pad_bottom}))
          << x.name;
      EXPECT_EQ(c.activation, d.activation) << x.name;
      EXPECT_EQ(c.fix_weights, d.fix_weights) << x.name;
      EXPECT_EQ(c.fix_bias, d.fix_bias) << x.name;
      EXPECT_TRUE(c.weights == d.weights) << x.name << ": int8 weights differ";
      EXPECT_TRUE(c.bias == d.bias) << x.name << ": int8 bias differs";
    }
  }
  EXPECT_EQ(convs, 23);  // 20 conv2d-fix + 3 transposed-conv2d-fix
}

// Runs a DPU subgraph's FixGraph on `input` (one image); outputs by tensor name.
std::map<std::string, std::vector<int8_t>> Run(const FixGraph& g, const std::vector<int8_t>& input) {
  std::map<std::string, std::vector<int8_t>> out;
  auto ex = FixGraphExecutor::Create(g, 1);
  EXPECT_TRUE(ex.ok()) << ex.status().ToString();
  if (!ex.ok()) return out;
  std::vector<std::vector<int8_t>> buffers;
  std::vector<int8_t*> ptrs;
  for (int id : g.outputs) buffers.emplace_back(static_cast<size_t>(g.tensors[id].per_image_size()));
  for (auto& b : buffers) ptrs.push_back(b.data());
  (*ex)->Run({input.data()}, ptrs, 1);
  for (size_t k = 0; k < g.outputs.size(); ++k) out[g.tensors[g.outputs[k]].name] = std::move(buffers[k]);
  return out;
}

// kind 0: uniform over [-128, 127]; kind 1: realistic (the PFN's point
// features at fix point 6 are small; the RPN's input is the scattered
// pseudo-image: ~3% of the cells hold non-negative pillar features).
std::vector<int8_t> Input(const FixTensor& t, int kind, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> v(static_cast<size_t>(t.per_image_size()));
  std::uniform_int_distribution<int> full(-128, 127), small(-48, 48), pos(0, 127), cell(0, 99);
  const bool sparse = t.shape.size() == 4 && t.shape[3] == 64;  // the RPN's pseudo-image
  const int64_t c = t.shape.back();
  for (size_t p = 0; p < v.size(); p += static_cast<size_t>(c)) {
    const bool filled = !sparse || cell(rng) < 3;
    for (int64_t k = 0; k < c; ++k)
      v[p + static_cast<size_t>(k)] =
          static_cast<int8_t>(kind == 0 ? full(rng) : !filled ? 0 : sparse ? pos(rng) : small(rng));
  }
  return v;
}

void ExpectSameOutputs(const FixGraph& a, const FixGraph& b, int kind, uint32_t seed) {
  const auto in = Input(a.tensors[a.inputs[0]], kind, seed);
  const auto oa = Run(a, in), ob = Run(b, in);
  ASSERT_EQ(oa.size(), ob.size());
  for (const auto& [name, bytes] : oa) {
    ASSERT_TRUE(ob.count(name)) << name;
    const auto& other = ob.at(name);
    const auto diff = std::mismatch(bytes.begin(), bytes.end(), other.begin());
    EXPECT_TRUE(diff.first == bytes.end())
        << name << ": first difference at byte " << (diff.first - bytes.begin()) << " (input kind " << kind << ")";
    std::printf("  %s: %zu int8 values identical (input %s, seed %u)\n", name.c_str(), bytes.size(),
                kind == 0 ? "full int8 range" : "realistic", seed);
  }
}

TEST_F(PointPillarsPair, BitIdenticalOnFullRangeRandomInputs) {
  ASSERT_EQ(pairs_.size(), 2u);
  for (auto [i, j] : pairs_)
    for (uint32_t seed : {1u, 2u}) ExpectSameOutputs(theirs_->dpu[i], ours_->dpu[j], 0, seed);
}

TEST_F(PointPillarsPair, BitIdenticalOnRealisticInputs) {
  ASSERT_EQ(pairs_.size(), 2u);
  for (auto [i, j] : pairs_)
    for (uint32_t seed : {3u, 4u}) ExpectSameOutputs(theirs_->dpu[i], ours_->dpu[j], 1, seed);
}

}  // namespace
}  // namespace signdpu
