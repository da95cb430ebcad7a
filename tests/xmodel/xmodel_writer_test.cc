// Writers: host xmodel round trip through XIR and our reader, structure of
// both formats, xir CLI reads them without warnings, failed writes leave no
// file behind.
#include "signdpu/xmodel/xmodel_writer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <set>
#include <vitis/ai/target_factory.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "test_graphs.h"

namespace signdpu::xmodel {
namespace {

using signdpu::testing::AllOpsGraph;
using signdpu::testing::ConcatGraph;
using signdpu::testing::DiffFixGraphs;
using signdpu::testing::InfoFor;
using signdpu::testing::MakeTempDir;
using signdpu::testing::Concat2DGraph;
using signdpu::testing::RandomInt8;
using signdpu::testing::TinyClassifier;

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    ::closedir(d);
  }
  return names;
}


FixGraph RoundTripGraph(int which) {
  switch (which) {
    case 0: return TinyClassifier(11);
    case 1: return AllOpsGraph(12);
    case 2: return ConcatGraph(13);
    default: return Concat2DGraph();
  }
}

// Outputs of `g` for `batch` random images (seeded), best kernel path.
std::vector<std::vector<int8_t>> RunFixGraph(const FixGraph& g, int batch, uint32_t seed) {
  auto ex = FixGraphExecutor::Create(g, batch);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
  if (!ex.ok()) return {};
  std::vector<std::vector<int8_t>> ins, outs;
  std::vector<const int8_t*> in_ptrs;
  std::vector<int8_t*> out_ptrs;
  for (int id : g.inputs)
    ins.push_back(RandomInt8(static_cast<size_t>(g.tensors[id].per_image_size() * batch), seed++));
  for (int id : g.outputs) outs.emplace_back(static_cast<size_t>(g.tensors[id].per_image_size() * batch), 0x5A);
  for (auto& v : ins) in_ptrs.push_back(v.data());
  for (auto& v : outs) out_ptrs.push_back(v.data());
  (*ex)->Run(in_ptrs, out_ptrs, batch);
  return outs;
}

class HostRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(HostRoundTrip, WriteLoadReadGivesTheSameFixGraph) {
  const FixGraph g = RoundTripGraph(GetParam());
  const std::string path = MakeTempDir("roundtrip") + "/" + g.name + ".xmodel";
  Status s = WriteHostXmodel(g, InfoFor(g.name), path);
  ASSERT_TRUE(s.ok()) << s.message();
  auto xgraph = LoadXmodel(path);
  ASSERT_TRUE(xgraph.ok()) << xgraph.status().message();
  auto dpus = DpuSubgraphs(**xgraph);
  ASSERT_EQ(dpus.size(), 1u);
  auto back = ReadDpuSubgraph(dpus[0]);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(DiffFixGraphs(g, *back), "");
  // ... and it computes the same bytes.
  const auto want = RunFixGraph(g, 3, 77);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(RunFixGraph(*back, 3, 77), want);
}

INSTANTIATE_TEST_SUITE_P(Graphs, HostRoundTrip, ::testing::Values(0, 1, 2, 3));

TEST(HostXmodel, ConcatFixOpAndTensorAttributes) {
  for (const FixGraph& g : {ConcatGraph(4), Concat2DGraph()}) {
    auto built = BuildHostGraph(g, InfoFor(g.name));
    ASSERT_TRUE(built.ok()) << built.status().message();
    const FixOp& f = g.ops[g.name == "concat" ? 2 : 0];
    const xir::Op* cat = (*built)->get_op(f.name);
    ASSERT_NE(cat, nullptr) << g.name;
    EXPECT_EQ(cat->get_type(), "concat-fix");
    EXPECT_EQ(cat->get_attr<int>("axis"), g.name == "concat" ? 3 : 1);
    const auto ins = cat->get_input_ops("input");
    ASSERT_EQ(ins.size(), 2u);
    EXPECT_EQ(ins[0]->get_output_tensor()->get_name(), g.tensors[f.inputs[0]].name);
    EXPECT_EQ(ins[1]->get_output_tensor()->get_name(), g.tensors[f.inputs[1]].name);
    const xir::Tensor* t = cat->get_output_tensor();
    const FixTensor& out = g.tensors[f.output];
    EXPECT_EQ(t->get_shape(), std::vector<int32_t>(out.shape.begin(), out.shape.end()));
    EXPECT_EQ(t->get_attr<int>("fix_point"), out.fix_point);
    EXPECT_EQ(t->get_attr<int>("bit_width"), 8);
    EXPECT_TRUE(t->get_attr<bool>("if_signed"));
    EXPECT_EQ(t->get_attr<std::string>("round_mode"), "DPU_ROUND");
    EXPECT_EQ(SubgraphDevice((*built)->get_leaf_subgraph(cat)), "DPU");
  }
  // A negative FixGraph axis is written as the non-negative XIR axis.
  FixGraph g = ConcatGraph(4);
  g.ops[2].Attrs<ConcatAttrs>().axis = -1;
  auto built = BuildHostGraph(g, InfoFor(g.name));
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ((*built)->get_op("cat")->get_attr<int>("axis"), 3);
  // Inputs at other fix points: the host format writes them (a compiled
  // model's concat), the quantiser format has no form for them.
  g = ConcatGraph(4);
  g.tensors[2].fix_point = 3;
  EXPECT_TRUE(WriteHostXmodel(g, InfoFor(g.name), MakeTempDir("concat_fp") + "/concat.xmodel").ok());
  auto q = BuildQuantizerGraph(g, InfoFor(g.name));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("cat (concat-fix)"), std::string::npos) << q.status().message();
  // Writers refuse what FixGraph::Validate refuses.
  g = ConcatGraph(4);
  g.tensors[3].shape = {1, 6, 6, 7};
  Status s = WriteHostXmodel(g, InfoFor(g.name), MakeTempDir("concat_bad") + "/concat.xmodel");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
  EXPECT_NE(s.message().find("cat (concat-fix)"), std::string::npos) << s.message();
}

TEST(HostXmodel, SubgraphTreeAndAttributes) {
  const FixGraph g = TinyClassifier(3);
  auto built = BuildHostGraph(g, InfoFor("tiny"));
  ASSERT_TRUE(built.ok()) << built.status().message();
  const xir::Graph& xg = **built;
  const xir::Subgraph* root = xg.get_root_subgraph();
  ASSERT_EQ(root->get_children_num(), 3);
  std::vector<std::string> devices;
  for (const xir::Subgraph* c : root->children_topological_sort()) devices.push_back(c->get_attr<std::string>("device"));
  EXPECT_EQ(devices, (std::vector<std::string>{"USER", "DPU", "CPU"}));
  const xir::Subgraph* dpu = DpuSubgraphs(xg).at(0);
  EXPECT_EQ(dpu->get_attr<std::string>("dpu_name"), "DPUCZDX8G_ISA1_B4096");
  EXPECT_EQ(dpu->get_attr<std::uint64_t>("dpu_fingerprint"),
            vitis::ai::target_factory()->get_fingerprint("DPUCZDX8G_ISA1_B4096"));
  const auto runner = dpu->get_attr<std::map<std::string, std::string>>("runner");
  EXPECT_EQ(runner.at("ref"), "libvart-signdpu-emu-runner.so");
  EXPECT_EQ(runner.at("sim"), "libvart-signdpu-emu-runner.so");
  EXPECT_EQ(runner.at("run"), "libvart-dpu-runner.so");
  // The runner's tensors: the data-fix output in, the last DPU tensor out.
  ASSERT_EQ(dpu->get_sorted_input_tensors().size(), 1u);
  EXPECT_EQ(dpu->get_sorted_input_tensors()[0]->get_name(), "input");
  ASSERT_EQ(dpu->get_sorted_output_tensors().size(), 1u);
  EXPECT_EQ(dpu->get_sorted_output_tensors()[0]->get_name(), "logits");
  // Every DPU tensor carries the fix attributes.
  for (const xir::Op* op : dpu->get_ops()) {
    const xir::Tensor* t = op->get_output_tensor();
    EXPECT_TRUE(t->has_attr("fix_point")) << t->get_name();
    EXPECT_EQ(t->get_attr<int>("bit_width"), 8) << t->get_name();
    EXPECT_TRUE(t->get_attr<bool>("if_signed")) << t->get_name();
    EXPECT_EQ(t->get_attr<std::string>("round_mode"), "DPU_ROUND") << t->get_name();
  }
  // CPU tail: fix2float -> softmax.
  const xir::Op* softmax = xg.get_op("logits_softmax");
  ASSERT_NE(softmax, nullptr);
  EXPECT_EQ(softmax->get_type(), "softmax");
  EXPECT_EQ(softmax->get_input_op("input")->get_type(), "fix2float");
  EXPECT_EQ(softmax->get_input_op("input")->get_attr<int>("fix_point"), 2);
  auto info = ReadHostModelInfo(xg);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->model_name, "tiny");
  EXPECT_EQ(info->labels, InfoFor("tiny").labels);
  EXPECT_EQ(info->input.scale, InfoFor("tiny").input.scale);
  EXPECT_TRUE(info->softmax);
}

TEST(HostXmodel, InvalidGraphsAreRejectedAndLeaveNoFile) {
  const std::string dir = MakeTempDir("invalid");
  const std::string path = dir + "/bad.xmodel";
  FixGraph g = TinyClassifier(1);
  g.ops[0].Attrs<ConvAttrs>().weights.pop_back();  // wrong weight count
  Status s = WriteHostXmodel(g, InfoFor("bad"), path);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("conv1"), std::string::npos) << s.message();
  EXPECT_FALSE(FileExists(path));

  g = TinyClassifier(1);
  EXPECT_FALSE(WriteHostXmodel(g, InfoFor("bad name!"), path).ok());
  EXPECT_FALSE(WriteHostXmodel(g, InfoFor(""), path).ok());
  g.tensors[3].name = "pool1";  // duplicate tensor name
  EXPECT_FALSE(WriteHostXmodel(g, InfoFor("dup"), path).ok());
  g = TinyClassifier(1);
  g.ops[4].name = "conv1";  // duplicate op name
  EXPECT_FALSE(WriteHostXmodel(g, InfoFor("dup"), path).ok());
  g = TinyClassifier(1);
  g.ops.pop_back();  // "dense" is now produced, unused and not an output
  g.tensors.pop_back();
  g.outputs = {3};
  EXPECT_FALSE(WriteHostXmodel(g, InfoFor("dangling"), path).ok());
  g = TinyClassifier(1);
  g.ops[0].name = "input";  // op name = the input tensor's: XIR would abort
  Status collide = WriteHostXmodel(g, InfoFor("collide"), path);
  EXPECT_FALSE(collide.ok());
  EXPECT_FALSE(FileExists(path));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(HostXmodel, UnwritableDirectoryGivesIoErrorAndNoLeftovers) {
  const std::string dir = MakeTempDir("unwritable");
  Status s = WriteHostXmodel(TinyClassifier(1), InfoFor("tiny"), dir + "/no/such/dir/tiny.xmodel");
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.message();
  EXPECT_TRUE(ListDir(dir).empty());
}

// --- quantiser format --------------------------------------------------------

const xir::Op* Input(const xir::Op* op, const std::string& arg, int i = 0) {
  auto ops = op->get_input_ops(arg);
  return i < static_cast<int>(ops.size()) ? ops[i] : nullptr;
}

std::vector<float> ConstFloats(const xir::Op* c) {
  auto bytes = c->get_attr<std::vector<char>>("data");
  std::vector<float> f(bytes.size() / sizeof(float));
  std::memcpy(f.data(), bytes.data(), f.size() * sizeof(float));
  return f;
}

TEST(QuantizerXmodel, MirrorsVaiQLayout) {
  const FixGraph g = TinyClassifier(5);
  EXPECT_EQ(QuantizerXmodelFileName("tiny"), "tiny_int.xmodel");
  const std::string path = MakeTempDir("quant") + "/" + QuantizerXmodelFileName("tiny");
  Status s = WriteQuantizerXmodel(g, InfoFor("tiny"), path);
  ASSERT_TRUE(s.ok()) << s.message();
  auto loaded = LoadXmodel(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const xir::Graph& xg = **loaded;
  EXPECT_TRUE(DpuSubgraphs(xg).empty());
  std::multiset<std::string> types;
  for (const xir::Op* op : xg.get_ops()) types.insert(op->get_type());
  EXPECT_EQ(types.count("data"), 1u);
  EXPECT_EQ(types.count("conv2d"), 2u);
  EXPECT_EQ(types.count("relu"), 1u);
  EXPECT_EQ(types.count("maxpool2d"), 1u);
  EXPECT_EQ(types.count("flatten"), 1u);
  EXPECT_EQ(types.count("matmul"), 1u);
  EXPECT_EQ(types.count("softmax"), 1u);
  EXPECT_EQ(types.count("const"), 6u);
  EXPECT_EQ(types.count("fix"), 6u /*consts*/ + 5u /*input, conv1, pool1, conv2, logits*/);
  // data -> fix
  const xir::Op* data = xg.get_op("input");
  EXPECT_EQ(data->get_attr<std::string>("data_type"), "FLOAT32");
  const xir::Op* input_fix = xg.get_op("input_fix");
  EXPECT_EQ(input_fix->get_type(), "fix");
  EXPECT_EQ(input_fix->get_attr<int>("fix_point"), 6);
  EXPECT_EQ(input_fix->get_attr<int>("bit_width"), 8);
  EXPECT_TRUE(input_fix->get_attr<bool>("if_signed"));
  EXPECT_EQ(input_fix->get_attr<std::string>("round_mode"), "DPU_ROUND");
  // conv2d(input = fix, weights = const -> fix, bias = const -> fix) -> relu -> fix
  const xir::Op* conv1 = xg.get_op("conv1");
  EXPECT_EQ(conv1->get_type(), "conv2d");
  EXPECT_EQ(Input(conv1, "input"), input_fix);
  const xir::Op* wfix = Input(conv1, "weights");
  ASSERT_NE(wfix, nullptr);
  EXPECT_EQ(wfix->get_type(), "fix");
  EXPECT_EQ(wfix->get_attr<int>("fix_point"), 7);
  EXPECT_EQ(Input(wfix, "input")->get_type(), "const");
  EXPECT_EQ(Input(conv1, "bias")->get_type(), "fix");
  EXPECT_EQ(conv1->get_attr<std::string>("pad_mode"), "FLOOR");
  EXPECT_EQ(conv1->get_attr<std::vector<int>>("pad"), (std::vector<int>{1, 1, 1, 1}));
  EXPECT_EQ(conv1->get_attr<std::vector<int>>("kernel"), (std::vector<int>{3, 3}));
  EXPECT_EQ(xg.get_op("conv1_relu")->get_type(), "relu");
  EXPECT_EQ(Input(xg.get_op("conv1_fix"), "input")->get_name(), "conv1_relu");
  // float weights are exactly q * 2^-fp
  const std::vector<float> w = ConstFloats(Input(wfix, "input"));
  ASSERT_EQ(w.size(), g.ops[0].Attrs<ConvAttrs>().weights.size());
  for (size_t i = 0; i < w.size(); ++i) {
    ASSERT_EQ(w[i], std::ldexp(static_cast<float>(g.ops[0].Attrs<ConvAttrs>().weights[i]), -7)) << i;
    ASSERT_EQ(QuantizeReal(w[i], 7, RoundMode::kStd), g.ops[0].Attrs<ConvAttrs>().weights[i]) << i;
  }
  // dense: flatten -> matmul(transpose_b) with weights [O, H*W*C]
  const xir::Op* mm = xg.get_op("dense");
  EXPECT_EQ(mm->get_type(), "matmul");
  EXPECT_TRUE(mm->get_attr<bool>("transpose_b"));
  EXPECT_EQ(Input(mm, "input", 0)->get_type(), "flatten");
  EXPECT_EQ(Input(Input(mm, "input", 1), "input")->get_output_tensor()->get_shape(), (std::vector<int32_t>{5, 128}));
  EXPECT_EQ(xg.get_op("logits_fix")->get_output_tensor()->get_shape(), (std::vector<int32_t>{1, 5}));
  EXPECT_EQ(xg.get_attr<std::vector<std::string>>("return_ops"), (std::vector<std::string>{"logits_softmax"}));
}

TEST(QuantizerXmodel, AllOpKinds) {
  const FixGraph g = AllOpsGraph(6);
  auto built = BuildQuantizerGraph(g, InfoFor("allops"));
  ASSERT_TRUE(built.ok()) << built.status().message();
  const xir::Graph& xg = **built;
  EXPECT_EQ(xg.get_op("dw")->get_type(), "depthwise-conv2d");
  EXPECT_EQ(xg.get_op("dw_leaky_relu")->get_attr<float>("alpha"), 26.0f / 256.0f);
  EXPECT_EQ(xg.get_op("a_relu6")->get_type(), "relu6");
  EXPECT_EQ(xg.get_op("sum")->get_type(), "add");
  EXPECT_EQ(xg.get_op("sum_relu")->get_type(), "relu");
  // avgpool2d "<name>_i0" -> mul(., const "<name>_i1") "<name>" -> fix, as
  // vai_q_pytorch 2.5 writes it; 2x2: the DPU's factor is exact (scale 1).
  EXPECT_EQ(xg.get_op("avg_i0")->get_type(), "avgpool2d");
  EXPECT_TRUE(xg.get_op("avg_i0")->get_attr<bool>("count_include_pad"));
  EXPECT_EQ(Input(xg.get_op("avg_i0"), "input")->get_name(), "sum_fix");
  EXPECT_EQ(xg.get_op("avg")->get_type(), "mul");
  EXPECT_EQ(Input(xg.get_op("avg"), "input", 0)->get_name(), "avg_i0");
  EXPECT_EQ(Input(xg.get_op("avg"), "input", 1)->get_name(), "avg_i1");
  EXPECT_EQ(ConstFloats(xg.get_op("avg_i1")), std::vector<float>{1.0f});
  EXPECT_EQ(Input(xg.get_op("avg_fix"), "input")->get_name(), "avg");
  EXPECT_EQ(xg.get_op("proj")->get_type(), "conv2d");
  EXPECT_TRUE(xg.get_op("proj")->get_input_ops("bias").empty());
  // hard-sigmoid "<name>_i0" -> mul(., const 6*2731/16384) "<name>" -> fix
  EXPECT_EQ(xg.get_op("hsig_i0")->get_type(), "hard-sigmoid");
  EXPECT_EQ(xg.get_op("hsig")->get_type(), "mul");
  EXPECT_EQ(Input(xg.get_op("hsig"), "input", 0)->get_name(), "hsig_i0");
  EXPECT_EQ(ConstFloats(xg.get_op("hsig_i1")), std::vector<float>{6.0f * 2731.0f / 16384.0f});
  EXPECT_EQ(Input(xg.get_op("hsig_fix"), "input")->get_name(), "hsig");
  EXPECT_EQ(xg.get_op("out")->get_type(), "reshape");
  for (const std::string t : {"a", "dw", "sum", "avg", "proj", "hsig", "out"})
    EXPECT_EQ(xg.get_op(t + "_fix")->get_output_tensor()->get_shape(),
              std::vector<int32_t>(g.tensors[g.FindTensor(t)].shape.begin(), g.tensors[g.FindTensor(t)].shape.end()))
        << t;
}

std::vector<std::string> OpNames(const xir::Graph& xg) {
  std::vector<std::string> names;
  for (const xir::Op* op : xg.get_ops()) names.push_back(op->get_name());
  return names;
}

bool HasOp(const xir::Graph& xg, const std::string& name) {
  const auto names = OpNames(xg);
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(QuantizerXmodel, AveragePoolScaleIsTheDpuFactor) {
  // kh x kw -> const kh*kw*N/2^M: the DPU's N/2^M ~ 1/(kh*kw) (nndct's table:
  // 3x3 9*7/64, 5x5 25*10/256, 7x7 49*21/1024; otherwise the search).
  struct Case {
    int k;
    float scale;
  };
  for (const Case c : {Case{3, 9.0f * 7.0f / 64.0f}, Case{5, 25.0f * 10.0f / 256.0f}, Case{7, 49.0f * 21.0f / 1024.0f},
                       Case{4, 1.0f}}) {
    SCOPED_TRACE(c.k);
    FixGraph g = AllOpsGraph(6);
    FixOp& avg = g.ops[3];
    ASSERT_EQ(avg.kind, FixOpKind::kPool);
    // 6x6 -> 3x3 output: 3x3 with stride 2 and one padded row/column;
    // larger kernels with stride 1 and k - 4 padded rows/columns.
    avg.Attrs<PoolAttrs>().kernel_h = avg.Attrs<PoolAttrs>().kernel_w = c.k;
    const int stride = c.k == 3 ? 2 : 1;
    avg.Attrs<PoolAttrs>().stride_h = avg.Attrs<PoolAttrs>().stride_w = stride;
    const int pad = c.k == 3 ? 1 : c.k - 4;
    avg.Attrs<PoolAttrs>().pad_left = avg.Attrs<PoolAttrs>().pad_top = pad / 2;
    avg.Attrs<PoolAttrs>().pad_right = avg.Attrs<PoolAttrs>().pad_bottom = pad - pad / 2;
    auto built = BuildQuantizerGraph(g, InfoFor("allops"));
    ASSERT_TRUE(built.ok()) << built.status().message();
    EXPECT_EQ((*built)->get_op("avg_i0")->get_attr<std::vector<int>>("kernel"), (std::vector<int>{c.k, c.k}));
    const std::vector<float> scale = ConstFloats((*built)->get_op("avg_i1"));
    ASSERT_EQ(scale.size(), 1u);
    EXPECT_FLOAT_EQ(scale[0], c.scale);
  }
}

TEST(QuantizerXmodel, OpNamesSanitisedAsNndct) {
  // vai_q_pytorch 2.5 turns every character outside [0-9A-Za-z] into '_'.
  FixGraph g = TinyClassifier(11);
  g.tensors[1].name = "block.1/conv:0";
  g.ops[0].name = "block.1/conv";
  auto built = BuildQuantizerGraph(g, InfoFor(g.name));
  ASSERT_TRUE(built.ok()) << built.status().message();
  for (const xir::Op* op : (*built)->get_ops())
    for (char ch : op->get_name()) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') << op->get_name();
  ASSERT_TRUE(HasOp(**built, "block_1_conv"));
  EXPECT_EQ((*built)->get_op("block_1_conv")->get_type(), "conv2d");
  EXPECT_EQ((*built)->get_op("block_1_conv_weight")->get_type(), "const");
  EXPECT_TRUE(HasOp(**built, "block_1_conv_0_fix"));
  // Two names that sanitise to the same op name are an error, not an abort.
  FixGraph clash = TinyClassifier(11);
  clash.ops[0].name = "conv.2";
  clash.ops[2].name = "conv/2";
  auto bad = BuildQuantizerGraph(clash, InfoFor(clash.name));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("conv_2"), std::string::npos) << bad.status().message();
}

TEST(QuantizerXmodel, ConcatTakesFloatInputsAndHasOneFixAfterIt) {
  // As the RPN concat of voxelnet_quantized.xmodel: relu -> concat (no fix on
  // the inputs) -> fix -> conv.
  const FixGraph g = ConcatGraph(7);
  auto built = BuildQuantizerGraph(g, InfoFor(g.name));
  ASSERT_TRUE(built.ok()) << built.status().message();
  const xir::Graph& xg = **built;
  const xir::Op* cat = xg.get_op("cat");
  ASSERT_NE(cat, nullptr);
  EXPECT_EQ(cat->get_type(), "concat");
  EXPECT_EQ(cat->get_attr<int>("axis"), 3);
  const auto ins = cat->get_input_ops("input");
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(ins[0]->get_name(), "left_relu");
  EXPECT_EQ(ins[0]->get_type(), "relu");
  EXPECT_EQ(ins[1]->get_name(), "right_relu");
  EXPECT_EQ(ins[1]->get_type(), "relu");
  EXPECT_FALSE(HasOp(xg, "left_fix"));
  EXPECT_FALSE(HasOp(xg, "right_fix"));
  for (const xir::Op* in : ins) EXPECT_EQ(in->get_fanout_num(), 1) << in->get_name() << " feeds only the concat";
  const xir::Op* cat_fix = xg.get_op("cat_fix");
  ASSERT_NE(cat_fix, nullptr);
  EXPECT_EQ(cat_fix->get_type(), "fix");
  EXPECT_EQ(Input(cat_fix, "input"), cat);
  EXPECT_EQ(cat_fix->get_attr<int>("fix_point"), 4);
  EXPECT_EQ(cat_fix->get_attr<int>("bit_width"), 8);
  EXPECT_TRUE(cat_fix->get_attr<bool>("if_signed"));
  EXPECT_EQ(cat_fix->get_attr<std::string>("round_mode"), "DPU_ROUND");
  EXPECT_EQ(cat_fix->get_output_tensor()->get_shape(), (std::vector<int32_t>{1, 6, 6, 6}));
  EXPECT_EQ(Input(xg.get_op("head"), "input"), cat_fix);
  // Both convs read the input's fix; the other tensors keep their fix ops.
  EXPECT_EQ(Input(xg.get_op("left"), "input")->get_name(), "in_fix");
  EXPECT_EQ(Input(xg.get_op("right"), "input")->get_name(), "in_fix");
  EXPECT_TRUE(HasOp(xg, "head_fix"));
  std::multiset<std::string> types;
  for (const xir::Op* op : xg.get_ops()) types.insert(op->get_type());
  EXPECT_EQ(types.count("fix"), 6u /*weights, biases*/ + 3u /*in, cat, head*/);

  // A concat input that is also read elsewhere (here: a graph output) keeps
  // its fix, and the concat reads that fix (vai_q_pytorch xgraph.py:176-181:
  // get_op_by_name returns "<name>_fix" when it exists), which is what
  // concat-fix requantises when the positions differ.
  FixGraph g2 = ConcatGraph(7);
  g2.outputs = {4, 1};  // head, left (name order)
  auto built2 = BuildQuantizerGraph(g2, InfoFor(g2.name));
  ASSERT_TRUE(built2.ok()) << built2.status().message();
  EXPECT_EQ(Input((*built2)->get_op("cat"), "input", 0)->get_name(), "left_fix");
  ASSERT_TRUE(HasOp(**built2, "left_fix"));
  EXPECT_EQ(Input((*built2)->get_op("left_fix"), "input")->get_name(), "left_relu");
  EXPECT_FALSE(HasOp(**built2, "right_fix"));

  // Graph inputs enter a concat through their data -> fix.
  const FixGraph g3 = Concat2DGraph();
  auto built3 = BuildQuantizerGraph(g3, InfoFor(g3.name));
  ASSERT_TRUE(built3.ok()) << built3.status().message();
  const xir::Op* xy = (*built3)->get_op("xy");
  EXPECT_EQ(xy->get_attr<int>("axis"), 1);
  EXPECT_EQ(Input(xy, "input", 0)->get_name(), "x_fix");
  EXPECT_EQ(Input(xy, "input", 1)->get_name(), "y_fix");
  EXPECT_EQ((*built3)->get_op("xy_fix")->get_output_tensor()->get_shape(), (std::vector<int32_t>{1, 5}));
}

// --- the xir CLI reads our files without warnings ------------------------------

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

bool HaveXirCli() { return std::system("command -v xir > /dev/null 2>&1") == 0; }

// glog lines: "W2026...", "E2026...", "F2026..."; plus XIR's own "WARNING".
bool HasWarning(const std::string& log) {
  if (log.find("WARNING") != std::string::npos) return true;
  size_t pos = 0;
  while (pos < log.size()) {
    const char c = log[pos];
    if ((c == 'W' || c == 'E' || c == 'F') && pos + 1 < log.size() && std::isdigit(static_cast<unsigned char>(log[pos + 1])))
      return true;
    pos = log.find('\n', pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return false;
}

TEST(XirCli, DumpAndSubgraphPrintNoWarnings) {
  if (!HaveXirCli()) GTEST_SKIP() << "xir (libxir-utils) is not on PATH";
  const std::string dir = MakeTempDir("cli");
  for (int which = 0; which < 4; ++which) {
    const FixGraph g = RoundTripGraph(which);
    const std::string host = dir + "/" + g.name + ".xmodel";
    const std::string quant = dir + "/" + QuantizerXmodelFileName(g.name);
    ASSERT_TRUE(WriteHostXmodel(g, InfoFor(g.name), host).ok());
    ASSERT_TRUE(WriteQuantizerXmodel(g, InfoFor(g.name), quant).ok());
    for (const std::string& file : {host, quant}) {
      const std::string dump = RunCommand("xir dump_txt '" + file + "' '" + file + ".txt'");
      EXPECT_FALSE(HasWarning(dump)) << "xir dump_txt " << file << ":\n" << dump;
      EXPECT_TRUE(FileExists(file + ".txt"));
      const std::string tree = RunCommand("xir subgraph '" + file + "'");
      EXPECT_FALSE(HasWarning(tree)) << "xir subgraph " << file << ":\n" << tree;
      EXPECT_NE(tree.find("root"), std::string::npos) << tree;
      if (file == host) {
        EXPECT_NE(tree.find("device=DPU"), std::string::npos) << tree;
      }
    }
  }
  // The check itself must see warnings when there are some.
  EXPECT_TRUE(HasWarning(RunCommand(std::string("xir subgraph '") + SIGNDPU_SOURCE_DIR +
                                    "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel'")));
}

}  // namespace
}  // namespace signdpu::xmodel
