// The bench models of bench_models.h: a builder that adds one op at a time,
// picks its fix points from the data (see the header) and runs it at once.
#include "bench_models.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

namespace signdpu::bench {
namespace {

constexpr double kTargetRms = 32.0;     // accumulator rms after the shift, in output LSBs

bool IsTransposed(FixOpKind k) {
  return k == FixOpKind::kTransposedConv2d || k == FixOpKind::kTransposedDepthwiseConv2d;
}
bool IsDepthwise(FixOpKind k) {
  return k == FixOpKind::kDepthwiseConv2d || k == FixOpKind::kTransposedDepthwiseConv2d;
}

// Reduction depth of one output of a conv-like op (0 for other ops).
int64_t Depth(const FixGraph& g, const FixOp& op) {
  const ConvAttrs* c = op.AttrsIf<ConvAttrs>();
  if (c == nullptr) return 0;
  const bool tr = IsTransposed(op.kind);
  const int64_t th = tr ? (c->kernel_h + c->stride_h - 1) / c->stride_h : c->kernel_h;
  const int64_t tw = tr ? (c->kernel_w + c->stride_w - 1) / c->stride_w : c->kernel_w;
  return th * tw * (IsDepthwise(op.kind) ? 1 : g.tensors[op.inputs[0]].shape.back());
}

double MeanSquare(const std::vector<int8_t>& v) {
  double s = 0;
  for (int8_t x : v) s += static_cast<double>(x) * x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

std::vector<int8_t> SeededInt8(size_t n, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

struct ConvArgs {
  FixOpKind kind = FixOpKind::kConv2d;
  int64_t out_c = 0;  // ignored for depthwise (= input channels)
  int kernel = 3, stride = 1, pad = 1;
  Activation act = Activation::kRelu;
  int fix_delta = 0;  // output fix point - input fix point
};

class Builder {
 public:
  Builder(std::string name, Shape in_shape, int fix_in, uint32_t seed) : rng_(seed) {
    model_.graph.name = std::move(name);
    model_.input = SeededInt8(static_cast<size_t>(NumElements(in_shape)), rng_, -128, 127);
    model_.graph.tensors.push_back({"input", std::move(in_shape), fix_in});
    model_.graph.inputs = {0};
    data_.push_back(model_.input);
  }

  int Conv(int in, const ConvArgs& a, const std::string& name);
  int Upsample(int in, int scale, const std::string& name);
  int Concat(const std::vector<int>& in, const std::string& name);
  int GlobalAvgPool(int in, const std::string& name);

  Result<BenchModel> Finish(int output) {
    if (!status_.ok()) return status_;
    model_.graph.outputs = {output};
    SIGNDPU_RETURN_IF_ERROR(model_.graph.Validate());
    return std::move(model_);
  }

 private:
  int Add(FixOp op, Shape out_shape, int fix_out);
  BenchModel model_;
  std::vector<std::vector<int8_t>> data_;  // per tensor, one frame
  std::mt19937 rng_;
  Status status_;
};

// Appends the output tensor and the op, then runs the op on its inputs' data.
int Builder::Add(FixOp op, Shape out_shape, int fix_out) {
  FixGraph& g = model_.graph;
  g.tensors.push_back({op.name, std::move(out_shape), fix_out});
  const int out_id = static_cast<int>(g.tensors.size() - 1);
  op.output = out_id;
  g.ops.push_back(std::move(op));
  data_.emplace_back(static_cast<size_t>(g.tensors.back().per_image_size()));
  if (!status_.ok()) return out_id;
  const FixOp& added = g.ops.back();
  const FixGraph one = OneOpGraph(g, added);
  auto ex = FixGraphExecutor::Create(one, 1);
  if (!ex.ok()) {
    status_ = ex.status().WithContext(g.name);
    return out_id;
  }
  std::vector<const int8_t*> ins;
  for (int id : added.inputs) ins.push_back(data_[static_cast<size_t>(id)].data());
  std::vector<int8_t>& out = data_.back();
  (*ex)->Run(ins, {out.data()}, 1);
  // RELU6's ceiling 6 * 2^fix_out clips like the int8 limits when it is below them.
  const ConvAttrs* conv = added.AttrsIf<ConvAttrs>();
  const int cap = conv != nullptr && conv->activation == Activation::kRelu6 && fix_out >= 0 && fix_out < 5
                      ? 6 << fix_out
                      : 127;
  LayerStats s{added.name, static_cast<int64_t>(out.size()), 0, 0};
  for (int8_t v : out) {
    s.saturated += (v >= cap || v == -128) ? 1 : 0;
    s.zero += v == 0 ? 1 : 0;
  }
  model_.layers.push_back(s);
  return out_id;
}

int Builder::Conv(int in, const ConvArgs& a, const std::string& name) {
  const FixTensor& t = model_.graph.tensors[static_cast<size_t>(in)];
  const int64_t h = t.shape[1], w = t.shape[2], ic = t.shape[3];
  const bool dw = IsDepthwise(a.kind), tr = IsTransposed(a.kind);
  FixOp op = MakeFixOp(a.kind, name, {in}, -1, ConvAttrs{});
  ConvAttrs& c = op.Attrs<ConvAttrs>();
  c.out_channels = dw ? ic : a.out_c;
  c.kernel_h = c.kernel_w = a.kernel;
  c.stride_h = c.stride_w = a.stride;
  c.pad_left = c.pad_right = c.pad_top = c.pad_bottom = a.pad;
  c.activation = a.act;
  const int64_t taps = int64_t{a.kernel} * a.kernel;
  c.weights = SeededInt8(static_cast<size_t>(dw ? taps * ic : c.out_channels * taps * ic), rng_, -128, 127);
  c.bias = SeededInt8(static_cast<size_t>(c.out_channels), rng_, -32, 31);
  const int64_t oh = tr ? (h - 1) * a.stride + a.kernel - 2 * a.pad : (h + 2 * a.pad - a.kernel) / a.stride + 1;
  const int64_t ow = tr ? (w - 1) * a.stride + a.kernel - 2 * a.pad : (w + 2 * a.pad - a.kernel) / a.stride + 1;
  const double depth = static_cast<double>(Depth(model_.graph, op));
  const double acc_rms = std::sqrt(depth * MeanSquare(data_[static_cast<size_t>(in)]) * MeanSquare(c.weights));
  const int shift = std::clamp(static_cast<int>(std::lround(std::log2(std::max(acc_rms, 1.0) / kTargetRms))), 0, 16);
  const int fix_out = t.fix_point + a.fix_delta;
  c.fix_weights = shift + a.fix_delta;  // shift_cut = fix_in + fix_weights - fix_out = shift
  c.fix_bias = fix_out;                 // shift_bias = shift_cut: inside the DPU's range
  return Add(std::move(op), {1, oh, ow, c.out_channels}, fix_out);
}

int Builder::Upsample(int in, int scale, const std::string& name) {
  const FixTensor t = model_.graph.tensors[static_cast<size_t>(in)];
  ResizeAttrs r;
  r.scale_h = r.scale_w = static_cast<float>(scale);
  return Add(MakeFixOp(FixOpKind::kUpsample, name, {in}, -1, r), {1, t.shape[1] * scale, t.shape[2] * scale, t.shape[3]},
             t.fix_point);
}

int Builder::Concat(const std::vector<int>& in, const std::string& name) {
  Shape shape = model_.graph.tensors[static_cast<size_t>(in[0])].shape;
  shape[3] = 0;
  int fix = 99;
  for (int id : in) {
    shape[3] += model_.graph.tensors[static_cast<size_t>(id)].shape[3];
    fix = std::min(fix, model_.graph.tensors[static_cast<size_t>(id)].fix_point);
  }
  return Add(MakeFixOp(FixOpKind::kConcat, name, in, -1, ConcatAttrs{3}), shape, fix);
}

int Builder::GlobalAvgPool(int in, const std::string& name) {
  const FixTensor t = model_.graph.tensors[static_cast<size_t>(in)];
  PoolAttrs p;
  p.type = PoolType::kAvg;
  p.kernel_h = p.stride_h = static_cast<int>(t.shape[1]);
  p.kernel_w = p.stride_w = static_cast<int>(t.shape[2]);
  return Add(MakeFixOp(FixOpKind::kPool, name, {in}, -1, p), {1, 1, 1, t.shape[3]}, t.fix_point);
}

}  // namespace

double BenchModel::saturated_share() const {
  int64_t n = 0, s = 0;
  for (const LayerStats& l : layers) {
    n += l.values;
    s += l.saturated;
  }
  return n == 0 ? 0.0 : static_cast<double>(s) / static_cast<double>(n);
}

double BenchModel::max_layer_saturated_share() const {
  double m = 0;
  for (const LayerStats& l : layers)
    if (l.values > 0) m = std::max(m, static_cast<double>(l.saturated) / static_cast<double>(l.values));
  return m;
}

Result<BenchModel> MakeDecoder(const DecoderSize& size, uint32_t seed) {
  if (size.in_side < 1 || size.in_side > 64 || size.width < 1 || size.width > 256)
    return InvalidArgument("decoder: in_side must be in [1, 64] and width in [1, 256]");
  const int64_t w = size.width;
  Builder b("decoder", {1, size.in_side, size.in_side, 2 * w}, 6, seed);
  ConvArgs conv{FixOpKind::kConv2d, 8 * w, 3, 1, 1, Activation::kRelu};
  ConvArgs up{FixOpKind::kTransposedConv2d, 4 * w, 4, 2, 1, Activation::kRelu};
  const int c0 = b.Conv(0, conv, "bottleneck");
  const int t1 = b.Conv(c0, up, "up1");
  up.out_c = 2 * w;
  up.fix_delta = -1;  // the skip concat aligns two fix points
  const int t2 = b.Conv(t1, up, "up2");
  up.fix_delta = 0;
  const int skip = b.Upsample(0, 4, "skip_up");
  const int cat = b.Concat({t2, skip}, "skip_cat");
  conv.out_c = 2 * w;
  const int c3 = b.Conv(cat, conv, "fuse");
  up.out_c = w;
  const int t3 = b.Conv(c3, up, "up3");
  conv.out_c = 3;
  conv.act = Activation::kNone;
  return b.Finish(b.Conv(t3, conv, "image"));
}

Result<BenchModel> MakeDwSeparable(const DwSeparableSize& size, uint32_t seed) {
  if (size.in_side < 32 || size.in_side > 512 || size.in_side % 32 != 0 || size.channel_divisor < 1 ||
      size.channel_divisor > 32 || size.classes < 1 || size.classes > 4096)
    return InvalidArgument("dw_separable: in_side must be a multiple of 32 in [32, 512], channel_divisor in [1, 32], "
                           "classes in [1, 4096]");
  const int64_t d = size.channel_divisor;
  Builder b("dw_separable", {1, size.in_side, size.in_side, 3}, 7, seed);
  int x = b.Conv(0, {FixOpKind::kConv2d, 32 / d, 3, 2, 1, Activation::kRelu6, -3}, "conv0");
  // (depthwise stride, pointwise channels) of MobileNet v1's 13 blocks.
  const std::pair<int, int64_t> blocks[] = {{1, 64},  {2, 128}, {1, 128}, {2, 256}, {1, 256},  {2, 512}, {1, 512},
                                            {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024}};
  int i = 1;
  for (const auto& [stride, channels] : blocks) {
    const std::string n = std::to_string(i++);
    x = b.Conv(x, {FixOpKind::kDepthwiseConv2d, 0, 3, stride, 1, Activation::kRelu6}, "dw" + n);
    x = b.Conv(x, {FixOpKind::kConv2d, std::max<int64_t>(1, channels / d), 1, 1, 0, Activation::kRelu6}, "pw" + n);
  }
  x = b.GlobalAvgPool(x, "avgpool");
  return b.Finish(b.Conv(x, {FixOpKind::kConv2d, size.classes, 1, 1, 0, Activation::kNone}, "fc"));
}

int64_t MacsPerFrame(const FixGraph& graph) {
  int64_t macs = 0;
  for (const FixOp& op : graph.ops) macs += graph.tensors[static_cast<size_t>(op.output)].per_image_size() * Depth(graph, op);
  return macs;
}

FixGraph OneOpGraph(const FixGraph& graph, const FixOp& op) {
  FixGraph g;
  g.name = graph.name + "_" + op.name;
  FixOp copy = op;
  copy.inputs.clear();
  for (int id : op.inputs) {
    copy.inputs.push_back(static_cast<int>(g.tensors.size()));
    g.inputs.push_back(copy.inputs.back());
    g.tensors.push_back(graph.tensors[static_cast<size_t>(id)]);
  }
  copy.output = static_cast<int>(g.tensors.size());
  g.tensors.push_back(graph.tensors[static_cast<size_t>(op.output)]);
  g.outputs = {copy.output};
  g.ops = {std::move(copy)};
  return g;
}

}  // namespace signdpu::bench
