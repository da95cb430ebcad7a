// make_oracle_graphs OUT_DIR SEED COUNT [CASE,CASE...]
//
// Per-op cases for the oracle (tests/oracle/oracle_test.py perop): for each op
// kind the emulator runs, COUNT tiny graphs with random geometry, fix points,
// activations and int8 weights (all from SEED), each written twice by our
// writers: the quantiser format `<case>_<i>_int.xmodel` (what the oracle
// evaluates) and the host form `<case>_<i>.xmodel` (what the emulator runs).
// Prints one line per written pair: "<case>_<i>". CASEs: conv dwconv maxpool
// avgpool eltwise eltwise_wide concat hsigmoid dense (default: all but eltwise_wide).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "fix_ops.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace {

using namespace signdpu;  // NOLINT: test tool
using testing::RandomInt8;

struct Rng {
  std::mt19937 gen;
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen); }
  uint32_t Seed() { return static_cast<uint32_t>(gen()); }
};

int64_t OutDim(int64_t in, int k, int s, int d, int p0, int p1) { return (in + p0 + p1 - d * (k - 1) - 1) / s + 1; }

Activation AnyActivation(Rng& r) {
  const Activation a[] = {Activation::kNone, Activation::kRelu, Activation::kRelu6, Activation::kLeakyRelu};
  return a[r.Int(0, 3)];
}

// A conv or depthwise conv from tensor 0 [1,h,w,c] at fi; appends its output tensor.
FixOp RandomConv(Rng& r, FixGraph& g, int in, bool depthwise, const std::string& name) {
  const FixTensor& t = g.tensors[in];
  FixOp op;
  op.kind = depthwise ? FixOpKind::kDepthwiseConv2d : FixOpKind::kConv2d;
  op.name = name;
  op.inputs = {in};
  ConvAttrs& c = op.attrs.emplace<ConvAttrs>();
  c.kernel_h = r.Int(1, 4);
  c.kernel_w = r.Int(1, 4);
  c.stride_h = r.Int(1, 2);
  c.stride_w = r.Int(1, 2);
  c.dilation_h = r.Int(0, 3) == 0 ? 2 : 1;
  c.dilation_w = c.dilation_h;
  c.pad_left = r.Int(0, c.kernel_w - 1);
  c.pad_right = r.Int(0, c.kernel_w - 1);
  c.pad_top = r.Int(0, c.kernel_h - 1);
  c.pad_bottom = r.Int(0, c.kernel_h - 1);
  c.activation = AnyActivation(r);
  c.has_bias = r.Int(0, 4) != 0;
  const int64_t ic = t.shape[3];
  c.out_channels = depthwise ? ic : r.Int(1, 6);
  const int fi = t.fix_point;
  c.fix_weights = r.Int(4, 8);
  const int fo = fi + c.fix_weights - r.Int(4, 12);  // shift_cut in [4, 12]
  const int lo_sb = c.activation == Activation::kLeakyRelu ? 0 : -2;
  c.fix_bias = fi + c.fix_weights - r.Int(lo_sb, 8);
  const int64_t oh = OutDim(t.shape[1], c.kernel_h, c.stride_h, c.dilation_h, c.pad_top, c.pad_bottom);
  const int64_t ow = OutDim(t.shape[2], c.kernel_w, c.stride_w, c.dilation_w, c.pad_left, c.pad_right);
  const int64_t per_out = depthwise ? 1 : ic;
  c.weights = RandomInt8(static_cast<size_t>((depthwise ? 1 : c.out_channels) * c.kernel_h * c.kernel_w *
                                              (depthwise ? ic : per_out)),
                          r.Seed());
  if (c.has_bias) c.bias = RandomInt8(static_cast<size_t>(c.out_channels), r.Seed());
  g.tensors.push_back({name, {1, oh, ow, c.out_channels}, fo});
  op.output = static_cast<int>(g.tensors.size() - 1);
  return op;
}

FixGraph Base(Rng& r, const std::string& name, int64_t min_hw = 3) {
  FixGraph g;
  g.name = name;
  const int64_t h = r.Int(static_cast<int>(min_hw), 9), w = r.Int(static_cast<int>(min_hw), 9), c = r.Int(1, 5);
  g.tensors.push_back({"in", {1, h, w, c}, r.Int(3, 7)});
  g.inputs = {0};
  return g;
}

FixGraph ConvCase(Rng& r, bool depthwise) {
  FixGraph g = Base(r, depthwise ? "dwconv" : "conv", 6);
  g.ops.push_back(RandomConv(r, g, 0, depthwise, depthwise ? "dw" : "cv"));
  g.outputs = {g.ops.back().output};
  return g;
}

FixGraph PoolCase(Rng& r, bool avg) {
  FixGraph g = Base(r, avg ? "avgpool" : "maxpool", 7);
  FixOp op;
  op.kind = FixOpKind::kPool;
  op.name = avg ? "ap" : "mp";
  op.inputs = {0};
  PoolAttrs& p = op.attrs.emplace<PoolAttrs>();
  p.type = avg ? PoolType::kAvg : PoolType::kMax;
  const int kernels[] = {2, 3, 4, 5, 7};
  p.kernel_h = p.kernel_w = kernels[r.Int(0, avg ? 4 : 2)];
  p.stride_h = p.stride_w = r.Int(1, 2);
  p.pad_left = p.pad_top = r.Int(0, p.kernel_h / 2);
  p.pad_right = p.pad_bottom = p.pad_left;
  const FixTensor in = g.tensors[0];
  const int64_t oh = OutDim(in.shape[1], p.kernel_h, p.stride_h, 1, p.pad_top, p.pad_bottom);
  const int64_t ow = OutDim(in.shape[2], p.kernel_w, p.stride_w, 1, p.pad_left, p.pad_right);
  g.tensors.push_back({op.name, {1, oh, ow, in.shape[3]}, in.fix_point - r.Int(0, 2)});
  op.output = 1;
  g.ops.push_back(op);
  g.outputs = {1};
  return g;
}

// Two 3x3 convs of the input, added. `wide`: their output fix points differ by 3
// to 5 (where the DPU's eltwise engine and the exact sum differ, docs/testing.md
// "The oracle" RULE 5); otherwise by at most 2.
FixGraph EltwiseCase(Rng& r, bool wide) {
  FixGraph h = Base(r, "eltwise", 4);
  const FixTensor in = h.tensors[0];
  const int64_t oc = r.Int(1, 5);
  const int fo_a = in.fix_point + 7 - r.Int(4, 9);
  const int fo_b = wide ? fo_a + (r.Int(0, 1) ? 1 : -1) * r.Int(3, 5) : fo_a + r.Int(-2, 2);
  for (const char* name : {"a", "b"}) {
    const int fo = name[0] == 'a' ? fo_a : fo_b;
    FixOp c = testing::ConvOp(name, 0, static_cast<int>(h.tensors.size()), oc, in.shape[3], 3, 1, 7,
                              in.fix_point + 7 - r.Int(0, 6), AnyActivation(r), r.Seed());
    ConvAttrs& ca = c.Attrs<ConvAttrs>();
    if (ca.activation == Activation::kLeakyRelu) ca.activation = Activation::kRelu;
    h.tensors.push_back({name, {1, in.shape[1], in.shape[2], oc}, fo});
    h.ops.push_back(c);
  }
  FixOp add;
  add.kind = FixOpKind::kEltwiseAdd;
  add.name = "sum";
  add.inputs = {1, 2};
  add.attrs.emplace<EltwiseAttrs>().activation = r.Int(0, 1) ? Activation::kRelu : Activation::kNone;
  // wide: the output at the finer input's grid, so that fo >= min fi + 2 (where
  // the engine's flooring shows; with a coarser output both round the same).
  const int fo = wide ? std::max(fo_a, fo_b) - r.Int(0, 1) : std::min(fo_a, fo_b) - r.Int(0, 1);
  h.tensors.push_back({"sum", {1, in.shape[1], in.shape[2], oc}, fo});
  add.output = 3;
  h.ops.push_back(add);
  h.outputs = {3};
  return h;
}

FixGraph ConcatCase(Rng& r) {
  FixGraph g = Base(r, "concat", 3);
  const FixTensor in = g.tensors[0];
  const int fo = in.fix_point + 7 - r.Int(5, 9);
  std::vector<int> parts;
  for (const char* name : {"l", "m", "n"}) {
    const int64_t oc = r.Int(1, 4);
    FixOp c = testing::ConvOp(name, 0, static_cast<int>(g.tensors.size()), oc, in.shape[3], r.Int(0, 1) * 2 + 1, 0, 7,
                              in.fix_point + 7 - r.Int(0, 6), Activation::kRelu, r.Seed());
    ConvAttrs& ca = c.Attrs<ConvAttrs>();
    ca.pad_left = ca.pad_right = ca.pad_top = ca.pad_bottom = ca.kernel_h / 2;
    g.tensors.push_back({name, {1, in.shape[1], in.shape[2], oc}, fo});
    parts.push_back(static_cast<int>(g.tensors.size() - 1));
    g.ops.push_back(c);
  }
  int64_t total = 0;
  for (int id : parts) total += g.tensors[id].shape[3];
  g.tensors.push_back({"cat", {1, in.shape[1], in.shape[2], total}, fo});
  g.ops.push_back(testing::ConcatOp("cat", parts, static_cast<int>(g.tensors.size() - 1), 3));
  g.outputs = {static_cast<int>(g.tensors.size() - 1)};
  return g;
}

FixGraph HardSigmoidCase(Rng& r) {
  FixGraph g = Base(r, "hsigmoid", 3);
  g.tensors[0].fix_point = r.Int(2, 5);
  FixOp op;
  op.kind = FixOpKind::kHardSigmoid;
  op.name = "hs";
  op.inputs = {0};
  const int fo = r.Int(4, 8);  // below 7 the clamp at 6 matters (docs/arithmetic.md 7b)
  HardSigmoidAttrs& hs = op.attrs.emplace<HardSigmoidAttrs>();
  hs.hsigmoid_in = g.tensors[0].fix_point;
  hs.shift_hsigmoid = 14 + hs.hsigmoid_in - fo;
  FixTensor out = g.tensors[0];
  out.name = "hs";
  out.fix_point = fo;
  g.tensors.push_back(out);
  op.output = 1;
  g.ops.push_back(op);
  g.outputs = {1};
  return g;
}

FixGraph DenseCase(Rng& r) {
  FixGraph g = Base(r, "dense", 2);
  const FixTensor in = g.tensors[0];
  const int64_t o = r.Int(2, 10);
  const int fo = in.fix_point + 7 - r.Int(6, 12);
  FixOp c = testing::ConvOp("fc", 0, 1, o, in.shape[3], 1, 0, 7, in.fix_point + 7 - r.Int(0, 6), Activation::kNone,
                            r.Seed());
  ConvAttrs& ca = c.Attrs<ConvAttrs>();
  ca.kernel_h = static_cast<int>(in.shape[1]);
  ca.kernel_w = static_cast<int>(in.shape[2]);
  ca.weights = RandomInt8(static_cast<size_t>(o * in.shape[1] * in.shape[2] * in.shape[3]), r.Seed());
  g.tensors.push_back({"fc", {1, 1, 1, o}, fo});
  g.tensors.push_back({"out", {1, o}, fo});
  FixOp flat;
  flat.kind = FixOpKind::kCopy;
  flat.name = "out";
  flat.inputs = {1};
  flat.output = 2;
  g.ops = {c, flat};
  g.outputs = {2};
  return g;
}

// A conv, then eltwise-fix ADD or MUL of its output and a const-fix operand
// (scalar, per-channel or full shape; last, as the quantiser writes an ONNX
// Add / Mul of a constant: XIR infers the shape from the first input).
FixGraph EltwiseConstCase(Rng& r) {
  FixGraph g = Base(r, "eltwise_const", 3);
  const FixTensor in = g.tensors[0];
  const int64_t oc = r.Int(1, 4);
  const int fi = in.fix_point + 7 - r.Int(4, 8);
  FixOp c = testing::ConvOp("a", 0, 1, oc, in.shape[3], 1, 0, 7, fi, Activation::kRelu, r.Seed());
  g.tensors.push_back({"a", {1, in.shape[1], in.shape[2], oc}, fi});
  g.ops.push_back(c);
  FixOp op;
  op.kind = FixOpKind::kEltwiseAdd;
  op.name = "k";
  op.inputs = {1};
  EltwiseAttrs& a = op.attrs.emplace<EltwiseAttrs>();
  a.type = r.Int(0, 1) ? EltwiseType::kMul : EltwiseType::kAdd;
  a.activation = r.Int(0, 1) ? Activation::kRelu : Activation::kNone;
  ConstOperand k;
  k.position = 1;
  k.name = "k_other";
  const int shape_kind = r.Int(0, 2);
  k.shape = shape_kind == 0 ? Shape{1, 1, 1, 1} : shape_kind == 1 ? Shape{1, 1, 1, oc} : Shape{1, in.shape[1], in.shape[2], oc};
  k.data = RandomInt8(static_cast<size_t>(NumElements(k.shape)), r.Seed());
  const bool mul = a.type == EltwiseType::kMul;
  k.fix_point = mul ? r.Int(4, 7) : fi + r.Int(-2, 2);
  a.consts.push_back(k);
  const int fo = mul ? fi + k.fix_point - r.Int(6, 9) : fi - r.Int(0, 1);
  g.tensors.push_back({"k", {1, in.shape[1], in.shape[2], oc}, fo});
  op.output = 2;
  g.ops.push_back(op);
  g.outputs = {2};
  return g;
}

// A conv, then pad-fix (CONSTANT 0, REFLECT or SYMMETRIC) over H and W.
FixGraph PadCase(Rng& r) {
  FixGraph g = Base(r, "pad", 3);
  const FixTensor in = g.tensors[0];
  const int64_t oc = r.Int(1, 4);
  const int fi = in.fix_point + 7 - r.Int(4, 8);
  g.ops.push_back(testing::ConvOp("a", 0, 1, oc, in.shape[3], 1, 0, 7, fi, Activation::kNone, r.Seed()));
  g.tensors.push_back({"a", {1, in.shape[1], in.shape[2], oc}, fi});
  FixOp op;
  op.kind = FixOpKind::kPad;
  op.name = "p";
  op.inputs = {1};
  PadAttrs& a = op.attrs.emplace<PadAttrs>();
  const PadMode modes[] = {PadMode::kConstant, PadMode::kReflect, PadMode::kSymmetric};
  a.mode = modes[r.Int(0, 2)];
  const int most = a.mode == PadMode::kReflect ? 2 : 3;  // REFLECT needs pad <= side - 1 (sides >= 3)
  const int t = r.Int(0, most), b = r.Int(0, most), l = r.Int(0, most), rr = r.Int(0, most);
  a.paddings = {0, 0, t, b, l, rr, 0, 0};
  g.tensors.push_back({"p", {1, in.shape[1] + t + b, in.shape[2] + l + rr, oc}, fi});
  op.output = 2;
  g.ops.push_back(op);
  g.outputs = {2};
  return g;
}

// Concat of a conv read by the concat twice (so it has its own fix op and is
// requantised to the output's position) and a conv read once (which shares it).
FixGraph ConcatRequantCase(Rng& r) {
  FixGraph g = Base(r, "concat_requant", 3);
  const FixTensor in = g.tensors[0];
  const int fo = in.fix_point + 7 - r.Int(5, 9);
  const int fl = fo + (r.Int(0, 1) ? 1 : -1) * r.Int(1, 3);
  const int64_t cl = r.Int(1, 3), cm = r.Int(1, 3);
  g.ops.push_back(testing::ConvOp("l", 0, 1, cl, in.shape[3], 1, 0, 7, fl, Activation::kRelu, r.Seed()));
  g.tensors.push_back({"l", {1, in.shape[1], in.shape[2], cl}, fl});
  g.ops.push_back(testing::ConvOp("m", 0, 2, cm, in.shape[3], 1, 0, 7, fo, Activation::kRelu, r.Seed()));
  g.tensors.push_back({"m", {1, in.shape[1], in.shape[2], cm}, fo});
  g.tensors.push_back({"cat", {1, in.shape[1], in.shape[2], 2 * cl + cm}, fo});
  g.ops.push_back(testing::ConcatOp("cat", {1, 2, 1}, 3, 3));
  g.outputs = {3};
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: make_oracle_graphs OUT_DIR SEED COUNT [CASE,CASE...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  Rng r{std::mt19937(static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)))};
  const int count = std::atoi(argv[3]);
  std::filesystem::create_directories(dir);
  const std::vector<std::pair<std::string, std::function<FixGraph(Rng&)>>> cases = {
      {"conv", [](Rng& x) { return ConvCase(x, false); }},
      {"dwconv", [](Rng& x) { return ConvCase(x, true); }},
      {"maxpool", [](Rng& x) { return PoolCase(x, false); }},
      {"avgpool", [](Rng& x) { return PoolCase(x, true); }},
      {"eltwise", [](Rng& x) { return EltwiseCase(x, false); }},
      {"eltwise_wide", [](Rng& x) { return EltwiseCase(x, true); }},
      {"concat", ConcatCase},
      {"hsigmoid", HardSigmoidCase},
      {"dense", DenseCase},
      {"eltwise_const", EltwiseConstCase},
      {"pad", PadCase},
      {"concat_requant", ConcatRequantCase},
  };
  int failures = 0, redraws = 0;
  const std::string only = argc == 5 ? "," + std::string(argv[4]) + "," : ",";
  for (const auto& [name, make] : cases) {
    const bool chosen = argc == 5 ? only.find("," + name + ",") != std::string::npos : name != "eltwise_wide";
    if (!chosen) continue;
    for (int i = 0; i < count; ++i) {
      FixGraph g = make(r);
      const std::string stem = name + "_" + std::to_string(i);
      g.name = stem;
      if (Status s = g.Validate(); !s.ok()) {  // a random draw outside the DPU's ranges: draw again
        if (++redraws > 1000) {
          std::fprintf(stderr, "make_oracle_graphs: %s: no valid draw: %s\n", stem.c_str(), s.ToString().c_str());
          return 1;
        }
        --i;
        continue;
      }
      xmodel::HostModelInfo info;
      info.model_name = stem;
      info.softmax = false;
      Status s = xmodel::WriteQuantizerXmodel(g, info, dir + "/" + stem + "_int.xmodel");
      if (s.ok()) s = xmodel::WriteHostXmodel(g, info, dir + "/" + stem + ".xmodel");
      if (!s.ok()) {
        std::fprintf(stderr, "make_oracle_graphs: %s: %s\n", stem.c_str(), s.ToString().c_str());
        ++failures;
        continue;
      }
      std::printf("%s\n", stem.c_str());
    }
  }
  return failures == 0 ? 0 : 1;
}
