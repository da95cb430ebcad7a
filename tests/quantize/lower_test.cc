// Graph transforms: the lowered DPU-shaped float graph must compute the same
// function as the source graph (checked numerically with the float executor
// against an independent NHWC evaluation of the lowered ops).
#include "signdpu/quantize/lower.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "signdpu/graph/float_executor.h"
#include "signdpu/graph/op_registry.h"
#include "graph_builders.h"

namespace signdpu::quantize {
namespace {

using ::signdpu::quantize::test_graphs::AddConst;
using ::signdpu::quantize::test_graphs::AddNode;

using graph::Graph;
using graph::Node;
using graph::OpType;

std::vector<float> Random(size_t n, std::mt19937& rng, float scale = 0.5f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// ONNX Conv attributes: 3x3, stride 1, `pad` on every side, group 1.
graph::Attributes Conv3x3Attrs(int64_t pad) {
  graph::Attributes conv;
  conv.Set("kernel_shape", std::vector<int64_t>{3, 3});
  conv.Set("strides", std::vector<int64_t>{1, 1});
  conv.Set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  conv.Set("dilations", std::vector<int64_t>{1, 1});
  conv.Set("group", int64_t{1});
  return conv;
}

// ONNX Gemm attributes of a PyTorch Linear: alpha = beta = 1, transB.
graph::Attributes LinearGemmAttrs() {
  graph::Attributes gemm;
  gemm.Set("alpha", 1.0f);
  gemm.Set("beta", 1.0f);
  gemm.Set("transA", int64_t{0});
  gemm.Set("transB", int64_t{1});
  return gemm;
}

// PyTorch style: [N,1,8,8] -> Conv 4 3x3 pad 1 -> Relu -> BN -> MaxPool 2 ->
// Conv 6 3x3 pad 1 -> BN -> Relu -> MaxPool 2 -> Flatten -> Gemm 24x5 -> Softmax
Graph TorchStyle(std::mt19937& rng, OpType act = OpType::kRelu, float alpha = 0.1f) {
  Graph g("torch_style");
  EXPECT_TRUE(g.AddInput("input", {graph::kDynamicDim, 1, 8, 8}).ok());
  const graph::Attributes conv = Conv3x3Attrs(1);
  AddConst(g, "w1", {4, 1, 3, 3}, Random(36, rng));
  AddConst(g, "b1", {4}, Random(4, rng));
  AddNode(g, "conv1", OpType::kConv, {"input", "w1", "b1"}, "c1", conv);
  graph::Attributes act_attrs;
  if (act == OpType::kLeakyRelu) act_attrs.Set("alpha", alpha);
  if (act == OpType::kRelu6) { act_attrs.Set("min", 0.0f); act_attrs.Set("max", 6.0f); }
  AddNode(g, "relu1", act, {"c1"}, "r1", act_attrs);
  auto bn = [&](const std::string& n, int c, const std::string& in, const std::string& out) {
    AddConst(g, n + "_g", {c}, Random(c, rng, 0.3f));
    AddConst(g, n + "_b", {c}, Random(c, rng, 0.3f));
    AddConst(g, n + "_m", {c}, Random(c, rng, 0.3f));
    std::vector<float> var = Random(c, rng, 0.3f);
    for (auto& v : var) v = std::fabs(v) + 0.5f;
    AddConst(g, n + "_v", {c}, var);
    graph::Attributes a;
    a.Set("epsilon", 1e-5f);
    AddNode(g, n, OpType::kBatchNorm, {in, n + "_g", n + "_b", n + "_m", n + "_v"}, out, a);
  };
  bn("bn1", 4, "r1", "n1");
  graph::Attributes pool;
  pool.Set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.Set("strides", std::vector<int64_t>{2, 2});
  pool.Set("pads", std::vector<int64_t>{0, 0, 0, 0});
  pool.Set("dilations", std::vector<int64_t>{1, 1});
  AddNode(g, "pool1", OpType::kMaxPool, {"n1"}, "p1", pool);
  AddConst(g, "w2", {6, 4, 3, 3}, Random(216, rng, 0.3f));
  AddConst(g, "b2", {6}, Random(6, rng));
  AddNode(g, "conv2", OpType::kConv, {"p1", "w2", "b2"}, "c2", conv);
  bn("bn2", 6, "c2", "n2");
  AddNode(g, "relu2", OpType::kRelu, {"n2"}, "r2");
  AddNode(g, "pool2", OpType::kMaxPool, {"r2"}, "p2", pool);
  graph::Attributes flat;
  flat.Set("axis", int64_t{1});
  AddNode(g, "flatten", OpType::kFlatten, {"p2"}, "f", flat);
  AddConst(g, "wd", {5, 24}, Random(120, rng, 0.3f));
  AddConst(g, "bd", {5}, Random(5, rng));
  AddNode(g, "fc", OpType::kGemm, {"f", "wd", "bd"}, "logits", LinearGemmAttrs());
  graph::Attributes sm;
  sm.Set("axis", int64_t{1});
  sm.Set("coerce_2d", int64_t{0});
  AddNode(g, "softmax", OpType::kSoftmax, {"logits"}, "probs", sm);
  EXPECT_TRUE(g.AddOutput("probs").ok());
  return g;
}

// Independent float evaluation of the lowered graph, NHWC, double accumulators.
std::vector<float> EvalLowered(const DpuFloatGraph& g, const std::vector<float>& input) {
  std::vector<std::vector<float>> t(g.tensors.size());
  t[g.input] = input;
  for (const DpuFloatOp& op : g.ops) {
    const Shape& is = g.tensors[op.inputs[0]].shape;
    const Shape& os = g.tensors[op.output].shape;
    std::vector<float>& out = t[op.output];
    out.assign(static_cast<size_t>(NumElements(os)), 0.0f);
    const std::vector<float>& in = t[op.inputs[0]];
    if (op.kind == FixOpKind::kCopy) {
      out = in;
      continue;
    }
    const int64_t ih = is[1], iw = is[2], ic = is[3], oh = os[1], ow = os[2], oc = os[3];
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        for (int64_t o = 0; o < oc; ++o) {
          double acc = 0;
          if (op.kind == FixOpKind::kPool) {
            const PoolConfig& p = op.pool;
            acc = -1e30;
            for (int ky = 0; ky < p.kernel_h; ++ky)
              for (int kx = 0; kx < p.kernel_w; ++kx) {
                const int64_t iy = y * p.stride_h + ky - p.pad_top, ix = x * p.stride_w + kx - p.pad_left;
                if (iy >= 0 && ix >= 0 && iy < ih && ix < iw) acc = std::max(acc, double(in[(iy * iw + ix) * ic + o]));
              }
          } else {
            const ConvConfig& c = op.conv;
            for (int ky = 0; ky < c.kernel_h; ++ky)
              for (int kx = 0; kx < c.kernel_w; ++kx) {
                const int64_t iy = y * c.stride_h + ky - c.pad_top, ix = x * c.stride_w + kx - c.pad_left;
                if (iy < 0 || ix < 0 || iy >= ih || ix >= iw) continue;
                if (op.kind == FixOpKind::kDepthwiseConv2d) {
                  acc += in[(iy * iw + ix) * ic + o] * op.weights[(ky * c.kernel_w + kx) * ic + o];
                } else {
                  for (int64_t ci = 0; ci < ic; ++ci)
                    acc += in[(iy * iw + ix) * ic + ci] * op.weights[((o * c.kernel_h + ky) * c.kernel_w + kx) * ic + ci];
                }
              }
            acc += op.bias[o];
            if (c.activation == Activation::kRelu) acc = std::max(0.0, acc);
            if (c.activation == Activation::kRelu6) acc = std::min(6.0, std::max(0.0, acc));
            if (c.activation == Activation::kLeakyRelu && acc < 0) acc *= 0.1;  // the float model's alpha
          }
          out[(y * ow + x) * oc + o] = static_cast<float>(acc);
        }
  }
  return t[g.output];
}

void ExpectSameFunction(const Graph& g, const DpuFloatGraph& d, std::mt19937& rng, int64_t h, int64_t w) {
  auto fx = graph::FloatExecutor::Create(g, 1);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<float> x = Random(static_cast<size_t>(h * w), rng, 1.0f);
    ASSERT_TRUE(fx->Run({{g.inputs()[0], x.data()}}, 1).ok());
    const float* logits = fx->Output(d.source_logits);
    ASSERT_NE(logits, nullptr) << d.source_logits;
    std::vector<float> ours = EvalLowered(d, x);  // C = 1: NCHW and NHWC bytes agree
    ASSERT_EQ(ours.size(), 5u);
    for (size_t i = 0; i < ours.size(); ++i) EXPECT_NEAR(ours[i], logits[i], 1e-4f * (1 + std::fabs(logits[i]))) << i;
  }
}

TEST(LowerToDpu, TutorialStyleGraphTransformsAndSameFunction) {
  std::mt19937 rng(11);
  Graph g = TorchStyle(rng);
  auto d = LowerToDpu(g, "torch_style");
  ASSERT_TRUE(d.ok()) << d.status().message();
  // conv1+relu, bn1 as depthwise, pool1, conv2 (+bn2 folded, relu2 fused), pool2, fc, reshape
  ASSERT_EQ(d->ops.size(), 7u);
  EXPECT_EQ(d->ops[0].kind, FixOpKind::kConv2d);
  EXPECT_EQ(d->ops[0].conv.activation, Activation::kRelu);
  EXPECT_EQ(d->ops[1].kind, FixOpKind::kDepthwiseConv2d);
  EXPECT_EQ(d->ops[2].kind, FixOpKind::kPool);
  EXPECT_EQ(d->ops[3].kind, FixOpKind::kConv2d);
  EXPECT_EQ(d->ops[3].conv.activation, Activation::kRelu);
  EXPECT_NE(d->ops[3].transform_note.find("bn2 folded"), std::string::npos) << d->ops[3].transform_note;
  EXPECT_EQ(d->ops[5].conv.kernel_h, 2);  // dense over the 2x2x6 input
  EXPECT_EQ(d->ops[5].conv.kernel_w, 2);
  EXPECT_EQ(d->ops[6].kind, FixOpKind::kCopy);
  EXPECT_TRUE(d->softmax_on_cpu);
  EXPECT_EQ(d->source_logits, "logits");
  EXPECT_EQ(d->tensors[d->output].shape, (Shape{1, 5}));
  ExpectSameFunction(g, *d, rng, 8, 8);
}

TEST(LowerToDpu, LeakyReluAndRelu6Fuse) {
  for (OpType act : {OpType::kLeakyRelu, OpType::kRelu6}) {
    std::mt19937 rng(12);
    Graph g = TorchStyle(rng, act);
    auto d = LowerToDpu(g, "m");
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(d->ops[0].conv.activation, act == OpType::kLeakyRelu ? Activation::kLeakyRelu : Activation::kRelu6);
    ExpectSameFunction(g, *d, rng, 8, 8);
  }
}

TEST(LowerToDpu, RefusesLeakyReluOtherThanPointOne) {
  std::mt19937 rng(13);
  Graph g = TorchStyle(rng, OpType::kLeakyRelu, 0.2f);
  auto d = LowerToDpu(g, "m");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("relu1"), std::string::npos) << d.status().message();
  EXPECT_NE(d.status().message().find("alpha 0.2"), std::string::npos) << d.status().message();
}

// tf2onnx style: NHWC input, Transpose, convs, Transpose back, Reshape, MatMul + Add.
TEST(LowerToDpu, Tf2OnnxStyleNhwcFlattenOrder) {
  std::mt19937 rng(14);
  Graph g("tf_style");
  ASSERT_TRUE(g.AddInput("x", {graph::kDynamicDim, 6, 6, 1}).ok());
  graph::Attributes perm_in, perm_out;
  perm_in.Set("perm", std::vector<int64_t>{0, 3, 1, 2});
  perm_out.Set("perm", std::vector<int64_t>{0, 2, 3, 1});
  AddNode(g, "to_nchw", OpType::kTranspose, {"x"}, "xt", perm_in);
  const graph::Attributes conv = Conv3x3Attrs(0);
  AddConst(g, "w", {3, 1, 3, 3}, Random(27, rng));
  AddConst(g, "b", {3}, Random(3, rng));
  AddNode(g, "conv", OpType::kConv, {"xt", "w", "b"}, "c", conv);
  AddNode(g, "relu", OpType::kRelu, {"c"}, "r");
  AddNode(g, "to_nhwc", OpType::kTranspose, {"r"}, "rt", perm_out);
  graph::Attributes reshape;
  reshape.Set("shape", std::vector<int64_t>{-1, 48});
  reshape.Set("allowzero", int64_t{0});
  AddNode(g, "reshape", OpType::kReshape, {"rt"}, "f", reshape);
  AddConst(g, "wm", {48, 5}, Random(240, rng, 0.3f));
  AddConst(g, "bm", {5}, Random(5, rng));
  AddNode(g, "matmul", OpType::kMatMul, {"f", "wm"}, "mm");
  AddNode(g, "add", OpType::kAdd, {"mm", "bm"}, "logits");
  ASSERT_TRUE(g.AddOutput("logits").ok());
  auto d = LowerToDpu(g, "tf_style");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_FALSE(d->softmax_on_cpu);
  EXPECT_NE(d->ops[1].transform_note.find("NHWC flatten order"), std::string::npos) << d->ops[1].transform_note;
  ExpectSameFunction(g, *d, rng, 6, 6);
}

}  // namespace
}  // namespace signdpu::quantize

namespace signdpu::quantize {
namespace {

// Conv 4 3x3 -> act -> BN whose scales are `gamma` (var 1, eps 1e-5) -> a
// dense layer.
graph::Graph WideBnGraph(std::mt19937& rng, OpType act, std::vector<float> gamma) {
  graph::Graph g("wide_bn_fold");
  EXPECT_TRUE(g.AddInput("x", {graph::kDynamicDim, 1, 6, 6}).ok());
  const graph::Attributes conv = Conv3x3Attrs(1);
  AddConst(g, "w", {4, 1, 3, 3}, Random(36, rng));
  AddConst(g, "b", {4}, Random(4, rng));
  AddNode(g, "conv", OpType::kConv, {"x", "w", "b"}, "c", conv);
  graph::Attributes act_attrs;
  if (act == OpType::kLeakyRelu) act_attrs.Set("alpha", 0.1f);
  if (act == OpType::kRelu6) { act_attrs.Set("min", 0.0f); act_attrs.Set("max", 6.0f); }
  AddNode(g, "act", act, {"c"}, "r", act_attrs);
  AddConst(g, "g", {4}, std::move(gamma));
  AddConst(g, "beta", {4}, {0.1f, -0.2f, 0.3f, -0.4f});
  AddConst(g, "m", {4}, {0.01f, 0.02f, 0.0f, 0.005f});
  AddConst(g, "v", {4}, {1.0f - 1e-5f, 1.0f - 1e-5f, 1.0f - 1e-5f, 1.0f - 1e-5f});
  graph::Attributes bn;
  bn.Set("epsilon", 1e-5f);
  AddNode(g, "bn", OpType::kBatchNorm, {"r", "g", "beta", "m", "v"}, "n", bn);
  graph::Attributes flat;
  flat.Set("axis", int64_t{1});
  AddNode(g, "flatten", OpType::kFlatten, {"n"}, "f", flat);
  AddConst(g, "wd", {5, 144}, Random(720, rng, 0.05f));
  AddConst(g, "bd", {5}, Random(5, rng));
  AddNode(g, "fc", OpType::kGemm, {"f", "wd", "bd"}, "logits", LinearGemmAttrs());
  EXPECT_TRUE(g.AddOutput("logits").ok());
  return g;
}

TEST(LowerToDpu, WideBatchNormScalesSplitIntoPowerOfTwoAndMantissa) {
  std::mt19937 rng(31);
  graph::Graph g = WideBnGraph(rng, OpType::kRelu, {4.2f, 30.0f, 150.0f, 290.0f});  // span 69x
  LowerOptions split;
  split.batchnorm_after_activation = BatchNormMode::kSplit;
  split.weight_groups = 1;
  auto d = LowerToDpu(g, "wide_bn", split);
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_EQ(d->ops[1].name, "bn_pow2");
  EXPECT_EQ(d->ops[1].weights, (std::vector<float>{1, 4, 32, 64}));  // 2^floor(log2(s / 4.2))
  EXPECT_EQ(d->ops[2].name, "bn");
  for (float m : d->ops[2].weights) EXPECT_TRUE(m >= 4.19f && m < 8.41f) << m;  // mantissas in [s_min, 2 s_min)
  EXPECT_EQ(d->tensors[d->ops[1].output].channel_scale, d->ops[1].weights);
  ExpectSameFunction(g, *d, rng, 6, 6);
  LowerOptions depthwise = split;
  depthwise.batchnorm_after_activation = BatchNormMode::kDepthwise;
  auto unsplit = LowerToDpu(g, "wide_bn", depthwise);
  ASSERT_TRUE(unsplit.ok());
  EXPECT_EQ(unsplit->ops.size() + 1, d->ops.size());
}

TEST(LowerToDpu, BatchNormAfterReluFoldsItsScaleIntoTheConv) {
  for (OpType act : {OpType::kRelu, OpType::kLeakyRelu}) {
    std::mt19937 rng(41);
    graph::Graph g = WideBnGraph(rng, act, {4.2f, -30.0f, 150.0f, 290.0f});
    LowerOptions o;
    o.weight_groups = 1;
    auto d = LowerToDpu(g, "fold", o);
    ASSERT_TRUE(d.ok()) << d.status().message();
    // conv (|s| folded), bn as depthwise sign + bias, fc, reshape
    ASSERT_EQ(d->ops.size(), 4u);
    EXPECT_EQ(d->ops[1].name, "bn");
    EXPECT_EQ(d->ops[1].weights, (std::vector<float>{1, -1, 1, 1}));
    EXPECT_NEAR(d->ops[1].bias[1], -0.2f + 0.02f * 30.0f, 1e-5f);
    const std::vector<float> expect_scale = {4.2f, 30.0f, 150.0f, 290.0f};
    const auto& cs = d->tensors[d->ops[0].output].channel_scale;
    ASSERT_EQ(cs.size(), 4u);
    for (size_t c = 0; c < 4; ++c) EXPECT_NEAR(cs[c], expect_scale[c], 1e-3f * expect_scale[c]) << c;
    EXPECT_NE(d->ops[0].transform_note.find("scale folded through"), std::string::npos) << d->ops[0].transform_note;
    ExpectSameFunction(g, *d, rng, 6, 6);
  }
}

TEST(LowerToDpu, Relu6IsNotHomogeneousSoTheBatchNormIsSplitInstead) {
  std::mt19937 rng(43);
  graph::Graph g = WideBnGraph(rng, OpType::kRelu6, {4.2f, -30.0f, 150.0f, 290.0f});
  auto d = LowerToDpu(g, "relu6");
  ASSERT_TRUE(d.ok()) << d.status().message();
  ASSERT_GE(d->ops.size(), 2u);
  EXPECT_EQ(d->ops[1].name, "bn_pow2");
  EXPECT_TRUE(d->tensors[d->ops[0].output].channel_scale.empty());
  ExpectSameFunction(g, *d, rng, 6, 6);
}

TEST(LowerToDpu, WeightGroupsReorderChannelsThroughToTheNextConv) {
  std::mt19937 rng(47);
  graph::Graph g = WideBnGraph(rng, OpType::kRelu, {4.2f, -30.0f, 150.0f, 290.0f});
  auto d = LowerToDpu(g, "groups");  // defaults: fold, up to 4 weight groups
  ASSERT_TRUE(d.ok()) << d.status().message();
  const DpuFloatOp& conv = d->ops[0];
  // |w| * s spans ~70x: at least two weight positions.
  ASSERT_GE(conv.channel_group_ends.size(), 2u) << conv.transform_note;
  EXPECT_LE(conv.channel_group_ends.size(), 4u);
  EXPECT_EQ(conv.channel_group_ends.back(), 4);
  // The output tensor (and the depthwise's) know which source channel each holds.
  const auto& map = d->tensors[conv.output].channel_map;
  ASSERT_EQ(map.size(), 4u);
  std::vector<int> sorted = map;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(d->tensors[d->ops[1].output].channel_map, map);
  // Within each group, the per-channel best positions agree up to merging;
  // groups are ordered coarse to fine, so the folded scale falls along them.
  EXPECT_GT(d->tensors[conv.output].channel_scale.front(), d->tensors[conv.output].channel_scale.back());
  ExpectSameFunction(g, *d, rng, 6, 6);
  // Mapping source data: our channel c is source channel map[c] times its scale.
  std::vector<float> src(6 * 6 * 4);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i);
  std::vector<float> mapped;
  const DpuFloatTensor& t = d->tensors[conv.output];
  t.MapSource(src.data(), 1, &mapped);
  for (int c = 0; c < 4; ++c)
    EXPECT_FLOAT_EQ(mapped[c * 36 + 5], src[map[c] * 36 + 5] * t.channel_scale[c]) << c;  // NCHW source layout
}

// Resize nearest -> upsample-fix only where the ONNX modes read what the
// kernel reads (floor(o / s)); others are refused naming the attributes.
TEST(LowerToDpu, ResizeNearestModesThatEqualUpsampleFix) {
  struct Case {
    const char* coord;
    const char* nearest;
    float scale;
    bool ok;
  };
  const Case cases[] = {
      {"asymmetric", "floor", 2, true},          {"half_pixel", "round_prefer_floor", 2, true},
      {"half_pixel", "round_prefer_ceil", 3, true}, {"pytorch_half_pixel", "round_prefer_floor", 4, true},
      {"tf_half_pixel_for_nn", "floor", 2, true}, {"align_corners", "floor", 2, false},
      {"half_pixel", "floor", 2, false},         {"asymmetric", "round_prefer_ceil", 2, false},
      {"asymmetric", "floor", 1.5f, false},
  };
  for (const Case& c : cases) {
    Graph g("resize");
    ASSERT_TRUE(g.AddInput("x", {graph::kDynamicDim, 2, 4, 4}).ok());
    graph::Attributes a;
    a.Set("scales", std::vector<float>{c.scale, c.scale});
    a.Set("coordinate_transformation_mode", std::string(c.coord));
    a.Set("nearest_mode", std::string(c.nearest));
    AddNode(g, "up", OpType::kResize, {"x"}, "y", a);
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    const std::string what = std::string(c.coord) + " + " + c.nearest;
    ASSERT_EQ(d.ok(), c.ok) << what << ": " << (d.ok() ? "" : d.status().message());
    if (c.ok) {
      EXPECT_EQ(d->ops[0].kind, FixOpKind::kUpsample) << what;
      EXPECT_EQ(std::get<ResizeAttrs>(d->ops[0].attrs).scale_h, c.scale) << what;
    } else {
      EXPECT_NE(d.status().message().find("node 'up'"), std::string::npos) << d.status().message();
      const char* attr = c.scale == 1.5f ? "'scales'" : "'coordinate_transformation_mode'";
      EXPECT_NE(d.status().message().find(attr), std::string::npos) << d.status().message();
    }
  }
}

// DepthToSpace DCR: the conv before it gets its output channels in CRD order
// (our channel c*4 + i*2 + j holds ONNX channel (i*2 + j)*C + c); without a
// conv before it, DCR is refused naming 'mode'.
TEST(LowerToDpu, DepthToSpaceDcrReordersTheConvChannels) {
  std::mt19937 rng(21);
  for (bool with_conv : {true, false}) {
    Graph g("d2s");
    ASSERT_TRUE(g.AddInput("x", {graph::kDynamicDim, 8, 3, 3}).ok());
    std::string in = "x";
    if (with_conv) {
      AddConst(g, "w", {8, 8, 3, 3}, Random(8 * 8 * 9, rng));
      AddConst(g, "b", {8}, Random(8, rng));
      AddNode(g, "conv", OpType::kConv, {"x", "w", "b"}, "c", Conv3x3Attrs(1));
      in = "c";
    }
    graph::Attributes a;
    a.Set("blocksize", int64_t{2});
    a.Set("mode", std::string("DCR"));
    AddNode(g, "d2s", OpType::kDepthToSpace, {in}, "y", a);
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto d = LowerToDpu(g, "m");
    if (!with_conv) {
      ASSERT_FALSE(d.ok());
      EXPECT_NE(d.status().message().find("'mode' DCR"), std::string::npos) << d.status().message();
      continue;
    }
    ASSERT_TRUE(d.ok()) << d.status().message();
    ASSERT_EQ(d->ops[1].kind, FixOpKind::kPixelShuffle);
    const std::vector<float>& bias = g.constants().at("b").data;
    for (int c = 0; c < 2; ++c)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(d->ops[0].bias[static_cast<size_t>(c * 4 + k)], bias[static_cast<size_t>(k * 2 + c)]);
    EXPECT_EQ(d->tensors[static_cast<size_t>(d->ops[0].output)].channel_map, (std::vector<int>{0, 2, 4, 6, 1, 3, 5, 7}));
  }
}

// Every op type of the float op registry has a DPU lowering rule (which may
// refuse a node with a reason): adding an op to the registry without one fails here.
TEST(LowerRules, CoverEveryRegisteredOpType) {
  for (const graph::OpDef* def : graph::OnnxOps()) {
    for (OpType type : def->types) EXPECT_TRUE(HasDpuLowering(type)) << graph::OpTypeName(type);
  }
}

}  // namespace
}  // namespace signdpu::quantize
