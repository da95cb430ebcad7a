#include "test_graphs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <random>
#include <sstream>

#include "signdpu/ir/grouped_conv.h"

namespace signdpu::testing {


FixGraph TinyClassifier(uint32_t seed) {
  FixGraph g;
  g.name = "tiny";
  g.tensors = {{"input", {1, 8, 8, 1}, 6}, {"conv1", {1, 8, 8, 4}, 4}, {"pool1", {1, 4, 4, 4}, 4},
               {"conv2", {1, 4, 4, 8}, 3}, {"dense", {1, 1, 1, 5}, 2}, {"logits", {1, 5}, 2}};
  g.inputs = {0};
  FixOp pool;
  pool.kind = FixOpKind::kPool;
  pool.attrs = PoolAttrs{};
  pool.name = "pool1";
  pool.inputs = {1};
  pool.output = 2;
  FixOp flat;
  flat.kind = FixOpKind::kCopy;
  flat.name = "logits";
  flat.inputs = {4};
  flat.output = 5;
  g.ops = {ConvOp("conv1", 0, 1, 4, 1, 3, 1, 7, 7, Activation::kRelu, seed),
           pool,
           ConvOp("conv2", 2, 3, 8, 4, 3, 1, 7, 6, Activation::kNone, seed + 1),
           ConvOp("dense", 3, 4, 5, 8, 4, 0, 8, 5, Activation::kNone, seed + 2),
           flat};
  g.outputs = {5};
  return g;
}

FixGraph AllOpsGraph(uint32_t seed) {
  FixGraph g;
  g.name = "allops";
  // fix points chosen inside the DPU shift ranges (shift_cut in [0,16],
  // shift_bias >= 0 for LEAKYRELU)
  g.tensors = {{"in", {1, 6, 6, 3}, 5},    {"a", {1, 6, 6, 4}, 4},   {"dw", {1, 6, 6, 4}, 4},
               {"sum", {1, 6, 6, 4}, 3},   {"avg", {1, 3, 3, 4}, 3}, {"proj", {1, 3, 3, 2}, 2},
               {"hsig", {1, 3, 3, 2}, 7},  {"out", {1, 18}, 7}};
  g.inputs = {0};
  FixOp a = ConvOp("a", 0, 1, 4, 3, 3, 1, 7, 8, Activation::kRelu6, seed);
  FixOp dw;
  dw.kind = FixOpKind::kDepthwiseConv2d;
  ConvAttrs& dw_attrs = dw.attrs.emplace<ConvAttrs>();
  dw.name = "dw";
  dw.inputs = {1};
  dw.output = 2;
  dw_attrs.out_channels = 4;
  dw_attrs.kernel_h = dw_attrs.kernel_w = 3;
  dw_attrs.pad_left = dw_attrs.pad_right = dw_attrs.pad_top = dw_attrs.pad_bottom = 1;
  dw_attrs.stride_h = dw_attrs.stride_w = 1;
  dw_attrs.fix_weights = 6;
  dw_attrs.fix_bias = 6;
  dw_attrs.activation = Activation::kLeakyRelu;
  dw_attrs.weights = RandomInt8(9 * 4, seed + 10);
  dw_attrs.bias = RandomInt8(4, seed + 11);
  FixOp add;
  add.kind = FixOpKind::kEltwiseAdd;
  EltwiseAttrs& add_attrs = add.attrs.emplace<EltwiseAttrs>();
  add.name = "sum";
  add.inputs = {1, 2};
  add.output = 3;
  add_attrs.activation = Activation::kRelu;
  FixOp avg;
  avg.kind = FixOpKind::kPool;
  PoolAttrs& avg_attrs = avg.attrs.emplace<PoolAttrs>();
  avg.name = "avg";
  avg.inputs = {3};
  avg.output = 4;
  avg_attrs.type = PoolType::kAvg;
  FixOp proj = ConvOp("proj", 4, 5, 2, 4, 1, 0, 7, 0, Activation::kNone, seed + 20, /*bias=*/false);
  FixOp hs;
  hs.kind = FixOpKind::kHardSigmoid;
  HardSigmoidAttrs& hs_attrs = hs.attrs.emplace<HardSigmoidAttrs>();
  hs.name = "hsig";
  hs.inputs = {5};
  hs.output = 6;
  hs_attrs.hsigmoid_in = 2;
  hs_attrs.shift_hsigmoid = 14 + 2 - 7;
  FixOp flat;
  flat.kind = FixOpKind::kCopy;
  flat.name = "out";
  flat.inputs = {6};
  flat.output = 7;
  g.ops = {a, dw, add, avg, proj, hs, flat};
  g.outputs = {7};
  return g;
}

FixGraph ConcatGraph(uint32_t seed) {
  FixGraph g;
  g.name = "concat";
  g.tensors = {{"in", {1, 6, 6, 3}, 5},    {"left", {1, 6, 6, 4}, 4}, {"right", {1, 6, 6, 2}, 4},
               {"cat", {1, 6, 6, 6}, 4},   {"head", {1, 6, 6, 3}, 3}};
  g.inputs = {0};
  const FixOp cat = ConcatOp("cat", {1, 2}, 3, 3);
  g.ops = {ConvOp("left", 0, 1, 4, 3, 3, 1, 7, 7, Activation::kRelu, seed),
           ConvOp("right", 0, 2, 2, 3, 1, 0, 6, 6, Activation::kRelu, seed + 1),
           cat,
           ConvOp("head", 3, 4, 3, 6, 1, 0, 7, 6, Activation::kNone, seed + 2)};
  g.outputs = {4};
  return g;
}

xmodel::HostModelInfo InfoFor(const std::string& model_name) {
  xmodel::HostModelInfo info;
  info.model_name = model_name;
  info.input.mean = {0.5f};
  info.input.scale = {1.0f / 255.0f};
  info.labels = {"a", "b", "c", "d", "e"};
  return info;
}

namespace {

template <typename T>
bool Differ(std::ostringstream& os, const std::string& what, const T& e, const T& a) {
  if (e == a) return false;
  os << what << ": expected " << e << ", got " << a;
  return true;
}

}  // namespace

// Const operands of element-wise ops: position, name, shape, fix point, bytes.
static std::string DiffConsts(const std::vector<ConstOperand>& e, const std::vector<ConstOperand>& a, const std::string& w) {
  if (e.size() != a.size()) return w + ": " + std::to_string(e.size()) + " const operands, read " + std::to_string(a.size());
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i].position != a[i].position || e[i].name != a[i].name || e[i].shape != a[i].shape ||
        e[i].fix_point != a[i].fix_point || e[i].data != a[i].data)
      return w + ": const operand " + e[i].name + " differs";
  }
  return "";
}

// Compared as written: a grouped conv as its conv2d-fix per group +
// concat-fix (signdpu/ir/grouped_conv.h).
std::string DiffFixGraphs(const FixGraph& expected, const FixGraph& actual) {
  const FixGraph e = ir::SplitGroupedConvs(expected), a = ir::SplitGroupedConvs(actual);
  std::ostringstream os;
  if (Differ(os, "tensor count", e.tensors.size(), a.tensors.size())) return os.str();
  if (Differ(os, "op count", e.ops.size(), a.ops.size())) return os.str();
  if (e.inputs != a.inputs) return "graph inputs differ";
  if (e.outputs != a.outputs) return "graph outputs differ";
  for (size_t i = 0; i < e.tensors.size(); ++i) {
    const FixTensor& x = e.tensors[i];
    const FixTensor& y = a.tensors[i];
    const std::string w = "tensor " + std::to_string(i) + " (" + x.name + ")";
    if (Differ(os, w + " name", x.name, y.name) ||
        Differ(os, w + " shape", ShapeToString(x.shape), ShapeToString(y.shape)) ||
        Differ(os, w + " fix_point", x.fix_point, y.fix_point) ||
        Differ(os, w + " bit_width", x.bit_width, y.bit_width) || Differ(os, w + " if_signed", x.if_signed, y.if_signed))
      return os.str();
  }
  for (size_t i = 0; i < e.ops.size(); ++i) {
    const FixOp& x = e.ops[i];
    const FixOp& y = a.ops[i];
    const std::string w = "op " + std::to_string(i) + " (" + x.name + ")";
    if (Differ(os, w + " name", x.name, y.name) ||
        Differ(os, w + " kind", std::string(FixOpKindName(x.kind)), std::string(FixOpKindName(y.kind))) ||
        Differ(os, w + " output", x.output, y.output))
      return os.str();
    if (x.inputs != y.inputs) return w + ": inputs differ";
    if (x.kind == FixOpKind::kConv2d || x.kind == FixOpKind::kDepthwiseConv2d) {
      const ConvAttrs& c = x.Attrs<ConvAttrs>();
      const ConvAttrs& d = y.Attrs<ConvAttrs>();
      if (Differ(os, w + " out_channels", c.out_channels, d.out_channels) ||
          Differ(os, w + " kernel_h", c.kernel_h, d.kernel_h) || Differ(os, w + " kernel_w", c.kernel_w, d.kernel_w) ||
          Differ(os, w + " stride_h", c.stride_h, d.stride_h) || Differ(os, w + " stride_w", c.stride_w, d.stride_w) ||
          Differ(os, w + " dilation_h", c.dilation_h, d.dilation_h) ||
          Differ(os, w + " dilation_w", c.dilation_w, d.dilation_w) ||
          Differ(os, w + " pad_left", c.pad_left, d.pad_left) || Differ(os, w + " pad_right", c.pad_right, d.pad_right) ||
          Differ(os, w + " pad_top", c.pad_top, d.pad_top) || Differ(os, w + " pad_bottom", c.pad_bottom, d.pad_bottom) ||
          Differ(os, w + " fix_weights", c.fix_weights, d.fix_weights) ||
          Differ(os, w + " has_bias", c.has_bias, d.has_bias) ||
          Differ(os, w + " activation", std::string(ActivationName(c.activation)),
                 std::string(ActivationName(d.activation))))
        return os.str();
      if (c.has_bias && Differ(os, w + " fix_bias", c.fix_bias, d.fix_bias)) return os.str();
      if (c.weights != d.weights) return w + ": weights differ";
      if (c.bias != d.bias) return w + ": bias differs";
    } else if (x.kind == FixOpKind::kPool) {
      const PoolAttrs& p = x.Attrs<PoolAttrs>();
      const PoolAttrs& q = y.Attrs<PoolAttrs>();
      if (Differ(os, w + " type", static_cast<int>(p.type), static_cast<int>(q.type)) ||
          Differ(os, w + " kernel_h", p.kernel_h, q.kernel_h) || Differ(os, w + " kernel_w", p.kernel_w, q.kernel_w) ||
          Differ(os, w + " stride_h", p.stride_h, q.stride_h) || Differ(os, w + " stride_w", p.stride_w, q.stride_w) ||
          Differ(os, w + " pad_left", p.pad_left, q.pad_left) || Differ(os, w + " pad_right", p.pad_right, q.pad_right) ||
          Differ(os, w + " pad_top", p.pad_top, q.pad_top) || Differ(os, w + " pad_bottom", p.pad_bottom, q.pad_bottom))
        return os.str();
    } else if (x.kind == FixOpKind::kEltwiseAdd) {
      const EltwiseAttrs& p = x.Attrs<EltwiseAttrs>();
      const EltwiseAttrs& q = y.Attrs<EltwiseAttrs>();
      if (Differ(os, w + " activation", std::string(ActivationName(p.activation)),
                 std::string(ActivationName(q.activation))) ||
          Differ(os, w + " type", std::string(EltwiseTypeName(p.type)), std::string(EltwiseTypeName(q.type))))
        return os.str();
      const std::string c = DiffConsts(p.consts, q.consts, w);
      if (!c.empty()) return c;
    } else if (x.kind == FixOpKind::kDepthwiseFix) {
      const DepthwiseFixAttrs& p = x.Attrs<DepthwiseFixAttrs>();
      const DepthwiseFixAttrs& q = y.Attrs<DepthwiseFixAttrs>();
      if (Differ(os, w + " type", std::string(EltwiseTypeName(p.type)), std::string(EltwiseTypeName(q.type))))
        return os.str();
      const std::string c = DiffConsts(p.consts, q.consts, w);
      if (!c.empty()) return c;
    } else if (x.kind == FixOpKind::kUpsample || x.kind == FixOpKind::kDownsample) {
      const ResizeAttrs& p = x.Attrs<ResizeAttrs>();
      const ResizeAttrs& q = y.Attrs<ResizeAttrs>();
      if (Differ(os, w + " mode", static_cast<int>(p.mode), static_cast<int>(q.mode)) ||
          Differ(os, w + " align_corners", p.align_corners, q.align_corners) ||
          Differ(os, w + " half_pixel_centers", p.half_pixel_centers, q.half_pixel_centers) ||
          Differ(os, w + " scale_w", p.scale_w, q.scale_w) || Differ(os, w + " scale_h", p.scale_h, q.scale_h))
        return os.str();
    } else if (x.kind == FixOpKind::kPad) {
      const PadAttrs& p = x.Attrs<PadAttrs>();
      const PadAttrs& q = y.Attrs<PadAttrs>();
      if (p.paddings != q.paddings || p.constant_values != q.constant_values) return w + ": paddings differ";
      if (Differ(os, w + " mode", static_cast<int>(p.mode), static_cast<int>(q.mode))) return os.str();
    } else if (x.kind == FixOpKind::kReorg || x.kind == FixOpKind::kTile || x.kind == FixOpKind::kPixelShuffle) {
      const BlockAttrs& p = x.Attrs<BlockAttrs>();
      const BlockAttrs& q = y.Attrs<BlockAttrs>();
      if (Differ(os, w + " scale", p.scale, q.scale) || Differ(os, w + " expand", p.expand, q.expand))
        return os.str();
    } else if (x.kind == FixOpKind::kHardSigmoid) {
      const HardSigmoidAttrs& p = x.Attrs<HardSigmoidAttrs>();
      const HardSigmoidAttrs& q = y.Attrs<HardSigmoidAttrs>();
      if (Differ(os, w + " hsigmoid_in", p.hsigmoid_in, q.hsigmoid_in) ||
          Differ(os, w + " shift_hsigmoid", p.shift_hsigmoid, q.shift_hsigmoid))
        return os.str();
    } else if (x.kind == FixOpKind::kConcat) {
      if (Differ(os, w + " concat_axis", x.Attrs<ConcatAttrs>().axis, y.Attrs<ConcatAttrs>().axis)) return os.str();
    }
  }
  return "";
}

std::string MakeTempDir(const std::string& tag) {
  std::string pattern = ::testing::TempDir() + "signdpu_" + tag + "_XXXXXX";
  char* dir = ::mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr) << "mkdtemp " << pattern;
  return dir != nullptr ? std::string(dir) : std::string("/tmp");
}

}  // namespace signdpu::testing

// glog once per test process, to stderr (XIR and VART log through it).
#include <glog/logging.h>

#include "signdpu/xmodel/xmodel_file.h"

namespace {
const bool kLoggingInitialised = [] {
  FLAGS_logtostderr = true;
  signdpu::xmodel::InitGoogleLoggingOnce("signdpu_tests");
  return true;
}();
}  // namespace
