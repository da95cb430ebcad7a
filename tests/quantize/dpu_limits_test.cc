// DPU limits from libtarget-factory and the per-layer check the quantiser
// runs before it writes xmodels (target/dpu_limits.h).
#include "signdpu/target/dpu_limits.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "signdpu/kernels/fix_graph.h"
#include "signdpu/quantize/quantizer.h"
#include "graph_builders.h"

namespace signdpu::target {
namespace {

using ::signdpu::quantize::test_graphs::AddConst;
using ::signdpu::quantize::test_graphs::AddNode;

const DpuLimits& B4096() {
  static const DpuLimits limits = [] {
    auto l = LoadDpuLimits("DPUCZDX8G_ISA1_B4096");
    EXPECT_TRUE(l.ok()) << l.status().message();
    return l.ok() ? *l : DpuLimits{};
  }();
  return limits;
}

bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(DpuLimits, ZcuB4096FromTargetFactory) {
  const DpuLimits& l = B4096();
  EXPECT_EQ(l.name, "DPUCZDX8G_ISA1_B4096");
  EXPECT_EQ(l.type, "DPUCZDX8G");
  // Vitis AI 2.5's fingerprint of the ZCU104 DPU (docs/xmodel.md).
  EXPECT_EQ(l.fingerprint, 0x101000016010407ull);
  EXPECT_EQ(l.conv_kernel.text, "1-16");
  EXPECT_EQ(l.conv_stride.text, "1-8");
  EXPECT_EQ(l.conv_input_channel_parallel, 16);
  EXPECT_EQ(l.conv_output_channel_parallel, 16);
  EXPECT_TRUE(Has(l.conv_nonlinear, "relu"));
  EXPECT_TRUE(Has(l.conv_nonlinear, "relu_six"));
  EXPECT_TRUE(Has(l.conv_nonlinear, "leaky_relu"));
  EXPECT_FALSE(Has(l.conv_nonlinear, "hsigmoid"));
  EXPECT_TRUE(l.conv_weight_bank.present);
  EXPECT_EQ(l.conv_weight_bank.bank_depth, 2048);
  // No pool engine: pooling, depthwise conv and hard-sigmoid are ALU types.
  EXPECT_FALSE(l.has_pool);
  EXPECT_FALSE(l.has_dwconv);
  ASSERT_TRUE(l.has_alu);
  for (const char* t : {"dwconv", "avg_pool", "max_pool", "hsigmoid"}) EXPECT_TRUE(Has(l.alu_types, t)) << t;
  EXPECT_EQ(l.alu_kernel.text, "1-256");
  EXPECT_EQ(l.pad_left.text, "0-15");
  EXPECT_EQ(l.pad_bottom.text, "0-255");
  EXPECT_FALSE(Has(l.alu_nonlinear, "leaky_relu"));  // DW_LKRL is off in this fingerprint
  ASSERT_TRUE(l.has_eltwise);
  EXPECT_TRUE(Has(l.eltwise_types, "add"));
  EXPECT_EQ(l.eltwise_nonlinear, std::vector<std::string>{"relu"});
}

TEST(DpuLimits, UnknownTargetIsAnErrorNotAnAbort) {
  auto l = LoadDpuLimits("DPUCZDX8G_ISA1_B9999");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("DPUCZDX8G_ISA1_B9999"), std::string::npos);
  EXPECT_FALSE(LoadDpuLimits("").ok());
}

TEST(DpuLimits, IntSets) {
  auto s = ParseIntSet("1-16");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Contains(1));
  EXPECT_TRUE(s->Contains(16));
  EXPECT_FALSE(s->Contains(0));
  EXPECT_FALSE(s->Contains(17));
  auto list = ParseIntSet("1, 2,4-5");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->Contains(2));
  EXPECT_FALSE(list->Contains(3));
  EXPECT_TRUE(list->Contains(5));
  for (const char* bad : {"", "a-b", "5-3", "1-", "1,,2", "-4"}) EXPECT_FALSE(ParseIntSet(bad).ok()) << bad;
}

DpuLayer Conv(int k, int stride, int pad, int64_t in_c, int64_t hw = 32) {
  DpuLayer x;
  x.name = "conv";
  x.kind = LayerKind::kConv;
  x.kernel_h = x.kernel_w = k;
  x.stride_h = x.stride_w = stride;
  x.pad_left = x.pad_right = x.pad_top = x.pad_bottom = pad;
  x.in_h = x.in_w = hw;
  x.in_c = in_c;
  x.out_c = 16;
  x.nonlinear = "relu";
  return x;
}

std::string Only(const std::vector<Violation>& v) {
  EXPECT_EQ(v.size(), 1u);
  return v.empty() ? std::string() : v[0].Line("T");
}

TEST(DpuLimits, ConvRules) {
  const DpuLimits& l = B4096();
  EXPECT_TRUE(CheckLayer(l, Conv(3, 1, 1, 64)).empty());
  EXPECT_TRUE(CheckLayer(l, Conv(16, 8, 0, 8)).empty());
  const std::string k = Only(CheckLayer(l, Conv(17, 1, 0, 8)));
  EXPECT_NE(k.find("layer conv: kernel 17x17"), std::string::npos) << k;
  EXPECT_NE(k.find("conv_engine.conv_limit.kernel_size 1-16"), std::string::npos) << k;
  const std::string s = Only(CheckLayer(l, Conv(3, 9, 0, 8)));
  EXPECT_NE(s.find("stride 9x9"), std::string::npos) << s;
  EXPECT_NE(s.find("1-8"), std::string::npos) << s;
  // A kernel covering the whole input has no stride limit (as nndct).
  EXPECT_TRUE(CheckLayer(l, Conv(4, 9, 0, 8, 4)).empty());
  DpuLayer padded = Conv(3, 1, 0, 8);
  padded.pad_left = 4;
  EXPECT_NE(Only(CheckLayer(l, padded)).find("pad_left 4 larger than the kernel (3)"), std::string::npos);
  // 256 x input_channel_parallel (16) input channels at most.
  EXPECT_NE(Only(CheckLayer(l, Conv(1, 1, 0, 4097))).find("input channels 4097 above 256 x"), std::string::npos);
  // Weight bank: 16*16*ceil(256/16) = 4096 words > depth 2048.
  EXPECT_NE(Only(CheckLayer(l, Conv(16, 1, 0, 256))).find("above its depth 2048"), std::string::npos);
  DpuLayer leaky = Conv(3, 1, 1, 8);
  leaky.nonlinear = "leaky_relu";
  EXPECT_TRUE(CheckLayer(l, leaky).empty());
  leaky.leaky_alpha = 0.1f;
  EXPECT_NE(Only(CheckLayer(l, leaky)).find("alpha 0.1"), std::string::npos);
  DpuLayer hs = Conv(3, 1, 1, 8);
  hs.nonlinear = "hsigmoid";
  EXPECT_NE(Only(CheckLayer(l, hs)).find("not among conv_engine.nonlinear (relu, leaky_relu, relu_six)"),
            std::string::npos);
}

TEST(DpuLimits, AluAndEltwiseRules) {
  const DpuLimits& l = B4096();
  DpuLayer dw = Conv(3, 1, 1, 32);
  dw.kind = LayerKind::kDepthwiseConv;
  dw.out_c = 32;
  EXPECT_TRUE(CheckLayer(l, dw).empty());
  dw.nonlinear = "leaky_relu";  // not an ALU nonlinearity on this DPU
  EXPECT_NE(Only(CheckLayer(l, dw)).find("alu_engine.nonlinear"), std::string::npos);
  DpuLayer pool = Conv(3, 2, 0, 8);
  pool.kind = LayerKind::kMaxPool;
  pool.nonlinear.clear();
  EXPECT_TRUE(CheckLayer(l, pool).empty());
  pool.pad_left = 16;  // alu pad_limit.pad_left 0-15
  EXPECT_NE(Only(CheckLayer(l, pool)).find("pad_left 16 outside alu_engine.pad_limit.pad_left 0-15"),
            std::string::npos);
  DpuLayer avg = Conv(257, 1, 0, 8, 512);
  avg.kind = LayerKind::kAvgPool;
  avg.nonlinear.clear();
  EXPECT_NE(Only(CheckLayer(l, avg)).find("alu_engine.alu_limit.kernel_size 1-256"), std::string::npos);
  DpuLayer add;
  add.name = "sum";
  add.kind = LayerKind::kEltwiseAdd;
  add.nonlinear = "relu";
  EXPECT_TRUE(CheckLayer(l, add).empty());
  add.nonlinear = "relu_six";
  EXPECT_NE(Only(CheckLayer(l, add)).find("eltwise_engine.nonlinear (relu)"), std::string::npos);
  DpuLayer hsig;
  hsig.kind = LayerKind::kHardSigmoid;
  EXPECT_TRUE(CheckLayer(l, hsig).empty());
}

TEST(DpuLimits, FixGraphCheckNamesTheLayer) {
  FixGraph g;
  g.name = "g";
  g.tensors = {{"in", {1, 20, 20, 1}, 6}, {"c", {1, 4, 4, 4}, 4}, {"p", {1, 2, 2, 4}, 4}};
  g.inputs = {0};
  FixOp conv;
  conv.kind = FixOpKind::kConv2d;
  ConvAttrs& conv_attrs = conv.attrs.emplace<ConvAttrs>();
  conv.name = "features/conv1_g0";
  conv.inputs = {0};
  conv.output = 1;
  conv_attrs.kernel_h = conv_attrs.kernel_w = 17;
  conv_attrs.out_channels = 4;
  FixOp pool;
  pool.kind = FixOpKind::kPool;
  pool.attrs = PoolAttrs{};
  pool.name = "pool";
  pool.inputs = {1};
  pool.output = 2;
  g.ops = {conv, pool};
  g.outputs = {2};
  const auto layers = LayersOf(g);
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].in_c, 1);
  EXPECT_EQ(layers[1].kind, LayerKind::kMaxPool);
  const Status s = CheckFixGraph(B4096(), g);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "layer features/conv1_g0: kernel 17x17 (h x w) outside conv_engine.conv_limit.kernel_size 1-16 "
            "[DPU DPUCZDX8G_ISA1_B4096]");
  g.ops[0].Attrs<ConvAttrs>().kernel_h = g.ops[0].Attrs<ConvAttrs>().kernel_w = 16;
  EXPECT_TRUE(CheckFixGraph(B4096(), g).ok());
}

TEST(DpuLimits, DenseLayersHaveNoKernelLimit) {
  // conv over the whole 20x20 input -> 1x1x4 -> copy to [1, 4]: a dense
  // (written as flatten + matmul), which vai_c_xir maps itself.
  FixGraph g;
  g.name = "dense";
  g.tensors = {{"in", {1, 20, 20, 8}, 6}, {"fc", {1, 1, 1, 4}, 4}, {"logits", {1, 4}, 4}};
  g.inputs = {0};
  FixOp fc;
  fc.kind = FixOpKind::kConv2d;
  ConvAttrs& fc_attrs = fc.attrs.emplace<ConvAttrs>();
  fc.name = "fc";
  fc.inputs = {0};
  fc.output = 1;
  fc_attrs.kernel_h = fc_attrs.kernel_w = 20;
  fc_attrs.out_channels = 4;
  FixOp flat;
  flat.kind = FixOpKind::kCopy;
  flat.name = "logits";
  flat.inputs = {1};
  flat.output = 2;
  g.ops = {fc, flat};
  g.outputs = {2};
  auto layers = LayersOf(g);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_TRUE(layers[0].dense);
  EXPECT_TRUE(CheckFixGraph(B4096(), g).ok());
  // The same conv as a graph output (no flatten): a 20x20 conv2d.
  g.ops = {fc};
  g.outputs = {1};
  layers = LayersOf(g);
  ASSERT_EQ(layers.size(), 1u);
  EXPECT_FALSE(layers[0].dense);
  EXPECT_FALSE(CheckFixGraph(B4096(), g).ok());
}

// ---- the quantiser refuses a model the DPU cannot run -------------------------

// [N,1,20,20] -> Conv 4 KxK (no pad) -> Relu -> Flatten -> Gemm 3
graph::Graph KernelModel(int k) {
  std::mt19937 rng(5);
  std::normal_distribution<float> d(0.0f, 0.3f);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
  };
  graph::Graph g("kernel_model");
  EXPECT_TRUE(g.AddInput("input", {graph::kDynamicDim, 1, 20, 20}).ok());
  graph::Attributes conv;
  conv.Set("kernel_shape", std::vector<int64_t>{k, k});
  conv.Set("strides", std::vector<int64_t>{1, 1});
  conv.Set("pads", std::vector<int64_t>{0, 0, 0, 0});
  conv.Set("dilations", std::vector<int64_t>{1, 1});
  conv.Set("group", int64_t{1});
  AddConst(g, "w1", {4, 1, k, k}, random(static_cast<size_t>(4 * k * k)));
  AddConst(g, "b1", {4}, random(4));
  AddNode(g, "big_conv", graph::OpType::kConv, {"input", "w1", "b1"}, "c1", conv);
  AddNode(g, "relu1", graph::OpType::kRelu, {"c1"}, "r1");
  graph::Attributes flat;
  flat.Set("axis", int64_t{1});
  AddNode(g, "flatten", graph::OpType::kFlatten, {"r1"}, "f", flat);
  const int64_t o = 20 - k + 1;
  AddConst(g, "wd", {3, 4 * o * o}, random(static_cast<size_t>(3 * 4 * o * o)));
  AddConst(g, "bd", {3}, random(3));
  graph::Attributes gemm;
  gemm.Set("alpha", 1.0f);
  gemm.Set("beta", 1.0f);
  gemm.Set("transA", int64_t{0});
  gemm.Set("transB", int64_t{1});
  AddNode(g, "fc", graph::OpType::kGemm, {"f", "wd", "bd"}, "logits", gemm);
  EXPECT_TRUE(g.AddOutput("logits").ok());
  return g;
}

std::string CalibCsv() {
  char path[] = "/tmp/signdpu_dpu_limits_XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream f(path);
  std::mt19937 rng(9);
  for (int r = 0; r < 8; ++r) {
    f << r % 3;
    for (int i = 0; i < 400; ++i) f << "," << rng() % 256;
    f << "\n";
  }
  return path;
}

TEST(DpuLimits, QuantiserRefusesAKernelTheDpuCannotRun) {
  const std::string csv = CalibCsv();
  quantize::QuantizeOptions o;
  o.calib_csv = csv;
  o.calib_iter = 2;
  o.calib_batch_size = 4;
  o.tune_images = 0;
  o.sqnr_images = 0;
  auto bad = quantize::Quantize(KernelModel(17), "kernel_model", o);
  ASSERT_FALSE(bad.ok());
  const std::string m = bad.status().message();
  EXPECT_NE(m.find("layer big_conv"), std::string::npos) << m;
  EXPECT_NE(m.find("kernel 17x17"), std::string::npos) << m;
  EXPECT_NE(m.find("1-16"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  std::printf("quantiser says: %s\n", m.c_str());
  // The same model with a 16x16 kernel quantises.
  auto good = quantize::Quantize(KernelModel(16), "kernel_model", o);
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(nlohmann::json::parse(quantize::ReportJson(*good, "kernel_model.onnx", o))["dpu_target"],
            "DPUCZDX8G_ISA1_B4096");
  // Without a target (--dpu_target '') the 17x17 model is not checked.
  o.dpu_target.clear();
  EXPECT_TRUE(quantize::Quantize(KernelModel(17), "kernel_model", o).ok());
  // An unknown target fails before calibration.
  o.dpu_target = "NO_SUCH_DPU";
  auto unknown = quantize::Quantize(KernelModel(16), "kernel_model", o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("NO_SUCH_DPU"), std::string::npos);
  std::remove(csv.c_str());
}

}  // namespace
}  // namespace signdpu::target
