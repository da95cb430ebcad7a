#include "signdpu/quantize/quantize_graph.h"

#include <algorithm>
#include <cmath>

#include "signdpu/quantize/fix_point_search.h"

namespace signdpu::quantize {

namespace {

// What the per-op quantisers share: the float graph, the activation fix
// points (updated where an op decides its output's), the graph and report
// being built, and the optional calibration means and weight cache.
struct QuantizeState {
  const DpuFloatGraph& g;
  std::vector<int>& fps;
  FixGraph& out;
  std::vector<LayerReport>* report;
  const std::vector<std::vector<double>>* channel_means;
  WeightCache* cache;
  const std::vector<int>* concat_source;  // ConcatFixPointSources: >= 0 = the position is a concat's
};

// Output channels [c0, c1) of a conv2d-fix / depthwise-conv2d-fix (all of
// them unless the conv is split into weight groups). When `fo_shared` (a
// group feeding a concat-fix, whose inputs share its position) a
// shift_cut < 0 raises the weights' position instead of lowering fo.
struct ConvSlice {
  int cache_key = 0;
  int64_t c0 = 0, c1 = 0;
  bool fo_shared = false;
};

// The slice's float weight rows and their quantisation at a position
// (memoised in the cache: it does not depend on the activation fix points).
class SliceWeights {
 public:
  SliceWeights(const DpuFloatOp& op, const ConvSlice& slice, WeightCache* cache)
      : per_(op.weights.size() / static_cast<size_t>(op.conv.out_channels)), key_(slice.cache_key), cache_(cache) {
    // The whole tensor by reference (this runs for every refinement trial); a
    // group of a conv2d (depthwise convs are never split) as a copy of its rows.
    const bool whole = slice.c0 == 0 && slice.c1 == op.conv.out_channels;
    if (!whole)
      rows_.assign(op.weights.begin() + static_cast<std::ptrdiff_t>(slice.c0 * per_),
                   op.weights.begin() + static_cast<std::ptrdiff_t>(slice.c1 * per_));
    weights_ = whole ? &op.weights : &rows_;
  }
  const std::vector<float>& values() const { return *weights_; }
  size_t per_output() const { return per_; }
  QuantizedTensor At(int fp) const {
    auto quantize = [&] { return fp == kBestFixPoint ? QuantizeWeights(*weights_) : QuantizeWeightsAt(*weights_, fp); };
    if (cache_ == nullptr) return quantize();
    auto key = std::make_pair(key_, fp);
    auto it = cache_->find(key);
    if (it == cache_->end()) it = cache_->emplace(key, quantize()).first;
    return it->second;
  }

 private:
  size_t per_;
  int key_;
  WeightCache* cache_;
  std::vector<float> rows_;
  const std::vector<float>* weights_ = nullptr;
};

// (4.1) 0 <= shift_cut = fi + fw - fo <= 16: the weights' position, or fo.
QuantizedTensor QuantizeConvWeights(const SliceWeights& sw, bool fo_shared, int fi, int* fo, LayerReport* r) {
  QuantizedTensor w = sw.At(kBestFixPoint);
  if (fi + w.fix_point - *fo > 16) {
    const int fw = *fo - fi + 16;
    r->adjustments.push_back("weights fix_point " + std::to_string(w.fix_point) + " -> " + std::to_string(fw) +
                             " so that shift_cut <= 16");
    w = sw.At(fw);
  }
  if (fi + w.fix_point - *fo < 0) {
    if (fo_shared) {
      const int fw = *fo - fi;
      r->adjustments.push_back("weights fix_point " + std::to_string(w.fix_point) + " -> " + std::to_string(fw) +
                               " so that shift_cut >= 0 (the output position is the concat's)");
      w = sw.At(fw);
    } else {
      r->adjustments.push_back("output fix_point " + std::to_string(*fo) + " -> " + std::to_string(fi + w.fix_point) +
                               " so that shift_cut >= 0");
      *fo = fi + w.fix_point;
    }
  }
  return w;
}

// Bias correction (Nagel et al. 2019): the weights' rounding error shifts
// output o by sum_k (Wq - W)[o,k] * E[x_k] on average; take it out of the
// float bias before the bias is quantised. E[x] per input channel from
// calibration (border padding ignored: an estimate).
void CorrectBias(const DpuFloatOp& op, const SliceWeights& sw, const QuantizedTensor& w,
                 const std::vector<double>& mean, std::vector<float>* bias) {
  const std::vector<float>& weights = sw.values();
  const size_t per = sw.per_output();
  const int64_t oc = static_cast<int64_t>(bias->size());
  const int64_t ic = op.conv.input.c;
  const double inv_w = std::ldexp(1.0, -w.fix_point);
  // A transposed conv's output sees about 1 / (sh * sw) of its taps (the
  // others fall on inserted zeros).
  const bool transposed = op.kind == FixOpKind::kTransposedConv2d || op.kind == FixOpKind::kTransposedDepthwiseConv2d;
  const double taps = transposed ? 1.0 / (op.conv.stride_h * op.conv.stride_w) : 1.0;
  for (int64_t o = 0; o < oc; ++o) {
    double shift = 0;
    if (op.conv.depthwise) {
      for (size_t k = static_cast<size_t>(o); k < weights.size(); k += static_cast<size_t>(oc))
        shift += (w.q[k] * inv_w - weights[k]) * mean[static_cast<size_t>(o)];
    } else {
      for (size_t k = 0; k < per; ++k)
        shift += (w.q[o * per + k] * inv_w - weights[o * per + k]) * mean[k % static_cast<size_t>(ic)];
    }
    (*bias)[o] -= static_cast<float>(shift * taps);
  }
}

// (4.2) min(0, shift_cut - 16) <= shift_bias = fi + fw - fb <= 16 (>= 0 with LEAKYRELU)
void QuantizeConvBias(const DpuFloatOp& op, const std::vector<float>& bias, int fi, int fw, int shift_cut,
                      ConvAttrs* f, LayerReport* r) {
  QuantizedTensor b = QuantizeWeights(bias);
  const int lo = op.conv.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
  const int fb_min = fi + fw - 16, fb_max = fi + fw - lo;
  const int fb = std::clamp(b.fix_point, fb_min, fb_max);
  if (fb != b.fix_point) {
    r->adjustments.push_back("bias fix_point " + std::to_string(b.fix_point) + " -> " + std::to_string(fb) +
                             " so that shift_bias is in [" + std::to_string(lo) + ", 16]");
    b = QuantizeWeightsAt(bias, fb);
  }
  f->bias = b.q;
  f->has_bias = true;
  f->fix_bias = b.fix_point;
  r->fix_bias = b.fix_point;
  r->bias_sqnr_db = b.sqnr_db;
  r->shift_bias = fi + fw - b.fix_point;
}

// One conv2d-fix / depthwise-conv2d-fix for `slice` of `op`; `*fo` is the
// output position.
void QuantizeConv(const DpuFloatOp& op, const ConvSlice& slice, int fi, int* fo, const std::vector<double>* mean,
                  WeightCache* cache, FixOp* op_out, LayerReport* r) {
  const SliceWeights sw(op, slice, cache);
  ConvAttrs* f = &op_out->attrs.emplace<ConvAttrs>(ConvAttrs{op.conv, {}, {}});
  f->out_channels = slice.c1 - slice.c0;
  const QuantizedTensor w = QuantizeConvWeights(sw, slice.fo_shared, fi, fo, r);
  const int shift_cut = fi + w.fix_point - *fo;
  f->weights = w.q;
  f->fix_weights = w.fix_point;
  r->fix_weights = w.fix_point;
  r->weights_sqnr_db = w.sqnr_db;
  r->has_weights = true;
  r->shift_cut = shift_cut;
  std::vector<float> bias;
  if (!op.bias.empty())
    bias.assign(op.bias.begin() + static_cast<std::ptrdiff_t>(slice.c0),
                op.bias.begin() + static_cast<std::ptrdiff_t>(slice.c1));
  if (!bias.empty() && mean && static_cast<int64_t>(mean->size()) == op.conv.input.c)
    CorrectBias(op, sw, w, *mean, &bias);
  if (!bias.empty()) {
    QuantizeConvBias(op, bias, fi, w.fix_point, shift_cut, f, r);
  } else {
    f->has_bias = false;
  }
  r->fix_out = *fo;
}

int OpIndex(const QuantizeState& s, const DpuFloatOp& op) { return static_cast<int>(&op - s.g.ops.data()); }

const std::vector<double>* InputMeans(const QuantizeState& s, const DpuFloatOp& op) {
  return s.channel_means ? &(*s.channel_means)[static_cast<size_t>(op.inputs[0])] : nullptr;
}

// Weight groups (lower.cc): one grouped conv op (FixOpKind::kGroupedConv2d),
// each group's own output tensor at the output's position (the xmodel
// writers emit conv2d-fix per group + concat-fix, signdpu/ir/grouped_conv.h).
// The report keeps one row per written op: the groups, then the concat.
Status QuantizeWeightGroups(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  const int fi = s.fps[op.inputs[0]];
  GroupedConvAttrs grouped;
  int64_t c0 = 0;
  for (size_t k = 0; k < op.channel_group_ends.size(); ++k) {
    const int64_t c1 = op.channel_group_ends[k];
    ConvGroup group;
    group.name = op.name + "_g" + std::to_string(k);
    Shape shape = s.g.tensors[op.output].shape;
    shape.back() = c1 - c0;
    group.tensor = static_cast<int>(s.out.tensors.size());
    s.out.tensors.push_back(FixTensor{group.name, shape, s.fps[op.output]});
    LayerReport pr;
    pr.name = group.name;
    pr.op = FixOpKindName(op.kind);
    pr.fix_in = fi;
    pr.transform_note = "channels " + std::to_string(c0) + ".." + std::to_string(c1 - 1) + " of " + op.name +
                        (k == 0 ? "; " + op.transform_note : "");
    int fo = s.fps[op.output];
    // Cache keys: groups after all ops (op index * 64 + group).
    const ConvSlice slice{static_cast<int>(s.g.ops.size()) + OpIndex(s, op) * 64 + static_cast<int>(k), c0, c1, true};
    FixOp part;
    QuantizeConv(op, slice, fi, &fo, InputMeans(s, op), s.cache, &part, &pr);
    group.conv = std::move(part.Attrs<ConvAttrs>());
    grouped.groups.push_back(std::move(group));
    s.report->push_back(std::move(pr));
    c0 = c1;
  }
  f->kind = FixOpKind::kGroupedConv2d;
  f->attrs = std::move(grouped);
  r->op = FixOpKindName(FixOpKind::kConcat);
  r->fix_in = s.fps[op.output];
  r->fix_out = s.fps[op.output];
  r->transform_note = std::to_string(op.channel_group_ends.size()) + " weight groups of " + op.name + " joined";
  return Status::Ok();
}

Status QuantizeConvOp(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  if (op.channel_group_ends.size() >= 2) return QuantizeWeightGroups(s, op, f, r);
  int fo = s.fps[op.output];
  // A conv read only by a concat keeps the concat's position (its weights move instead).
  const bool fo_shared = (*s.concat_source)[static_cast<size_t>(op.output)] >= 0;
  const ConvSlice slice{OpIndex(s, op), 0, op.conv.out_channels, fo_shared};
  QuantizeConv(op, slice, s.fps[op.inputs[0]], &fo, InputMeans(s, op), s.cache, f, r);
  s.fps[op.output] = fo;
  return Status::Ok();
}

Status QuantizePoolOp(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  f->attrs = PoolAttrs{op.pool};
  if (TakesInputFixPoint(op)) s.fps[op.output] = s.fps[op.inputs[0]];
  r->fix_out = s.fps[op.output];
  return Status::Ok();
}

// A const operand's position: the min-MSE one, kept where the eltwise
// engine's shifts allow (kernels/reference/eltwise_fix.h). ADD: at most 2
// finer than the activation (the 2 guard bits keep the sum exact; a finer
// const would be truncated) and at most 15 coarser (shift_read is 4 bits).
// MUL: fi + fc - fo in [-15, 15] (the 5-bit output shift).
int ConstFixPoint(EltwiseType type, int best, int fi, int fo) {
  if (type == EltwiseType::kAdd) return std::clamp(best, fi - 15, fi + 2);
  return std::clamp(best, fo - fi - 15, fo - fi + 15);
}

// eltwise-fix: activations at any positions; const operands (Add / Mul of a
// constant, lowering eltwise.cc) quantised here, their float values in
// op.weights. MUL of two activations: the output position is raised or
// lowered into the 5-bit shift's range.
Status QuantizeEltwiseOp(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  EltwiseAttrs& a = f->attrs.emplace<EltwiseAttrs>();
  if (const EltwiseAttrs* lowered = std::get_if<EltwiseAttrs>(&op.attrs)) a = *lowered;
  a.activation = op.eltwise_activation;
  const int fi = s.fps[op.inputs[0]];
  if (a.type == EltwiseType::kMul && op.inputs.size() == 2) {
    const int sum = fi + s.fps[op.inputs[1]];
    const int fo = std::clamp(s.fps[op.output], sum - 15, sum + 15);
    if (fo != s.fps[op.output])
      r->adjustments.push_back("output fix_point " + std::to_string(s.fps[op.output]) + " -> " + std::to_string(fo) +
                               " so that fi0 + fi1 - fo is in [-15, 15]");
    s.fps[op.output] = fo;
  }
  for (ConstOperand& c : a.consts) {
    QuantizedTensor q = QuantizeWeights(op.weights);
    const int fc = ConstFixPoint(a.type, q.fix_point, fi, s.fps[op.output]);
    if (fc != q.fix_point) {
      r->adjustments.push_back("const " + c.name + " fix_point " + std::to_string(q.fix_point) + " -> " +
                               std::to_string(fc) + " (eltwise engine shift range)");
      q = QuantizeWeightsAt(op.weights, fc);
    }
    c.data = q.q;
    c.fix_point = q.fix_point;
    r->fix_weights = q.fix_point;
    r->weights_sqnr_db = q.sqnr_db;
    r->has_weights = true;
  }
  r->fix_out = s.fps[op.output];
  for (int id : op.inputs) {
    if (a.type == EltwiseType::kAdd && s.fps[id] != fi) {
      r->adjustments.push_back(
          "inputs have different fix points; the eltwise engine aligns them to the coarsest (docs/arithmetic.md 7)");
      break;
    }
  }
  return Status::Ok();
}

// concat-fix: the output's calibrated position; each input is requantised
// to it (kernels/reference/concat_fix.h). Inputs read by the concat only
// were given the output's position before (ShareConcatFixPoints).
Status QuantizeConcatOp(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  f->attrs = op.attrs;
  r->fix_out = s.fps[op.output];
  for (int id : op.inputs)
    if (s.fps[id] != s.fps[op.output]) {
      r->adjustments.push_back("input " + s.g.tensors[id].name + " at fix_point " + std::to_string(s.fps[id]) +
                               " requantised to the output's " + std::to_string(s.fps[op.output]));
    }
  return Status::Ok();
}

// pad-fix, upsample-fix (NEAREST) and pixel-shuffle-fix move bytes: the
// output keeps the input's fix point and the stored attributes are the
// lowering's. vai_q_pytorch puts a pixel shuffle's output in its input's
// quantisation group [source: Vitis-AI v2.5 vai_q_pytorch nndct_shared/
// quantization/commander.py:63-64], the emulator's pixel-shuffle-fix requires
// it; for a nearest resize (values unchanged) the same choice is [inferred]
// (vai_q groups UP_SAMPLING this way, commander.py:101-102, not RESIZE).
Status QuantizeLayoutOp(QuantizeState& s, const DpuFloatOp& op, FixOp* f, LayerReport* r) {
  f->attrs = op.attrs;
  s.fps[op.output] = s.fps[op.inputs[0]];  // TakesInputFixPoint
  r->fix_out = s.fps[op.output];
  return Status::Ok();
}

Status QuantizeCopyOp(QuantizeState& s, const DpuFloatOp& op, FixOp*, LayerReport* r) {
  s.fps[op.output] = s.fps[op.inputs[0]];  // TakesInputFixPoint
  r->fix_out = s.fps[op.output];
  return Status::Ok();
}

// The ops the quantiser produces, one function each (the others are
// rejected by name).
using OpQuantizer = Status (*)(QuantizeState&, const DpuFloatOp&, FixOp*, LayerReport*);
OpQuantizer FindQuantizer(FixOpKind kind) {
  static const std::pair<FixOpKind, OpQuantizer> kQuantizers[] = {
      {FixOpKind::kConv2d, QuantizeConvOp},     {FixOpKind::kDepthwiseConv2d, QuantizeConvOp},
      {FixOpKind::kPool, QuantizePoolOp},       {FixOpKind::kEltwiseAdd, QuantizeEltwiseOp},
      {FixOpKind::kCopy, QuantizeCopyOp},       {FixOpKind::kConcat, QuantizeConcatOp},
      {FixOpKind::kPad, QuantizeLayoutOp},
      {FixOpKind::kTransposedConv2d, QuantizeConvOp}, {FixOpKind::kTransposedDepthwiseConv2d, QuantizeConvOp},
      {FixOpKind::kUpsample, QuantizeLayoutOp},   {FixOpKind::kPixelShuffle, QuantizeLayoutOp},
  };
  for (const auto& [k, q] : kQuantizers)
    if (k == kind) return q;
  return nullptr;
}

}  // namespace

bool TakesInputFixPoint(const DpuFloatOp& op) {
  return op.kind == FixOpKind::kCopy || op.kind == FixOpKind::kPad || op.kind == FixOpKind::kUpsample ||
         op.kind == FixOpKind::kPixelShuffle ||
         (op.kind == FixOpKind::kPool && op.pool.type == PoolType::kMax);
}

std::vector<int> ConcatFixPointSources(const DpuFloatGraph& g) {
  std::vector<int> source(g.tensors.size(), -1);
  std::vector<int> readers(g.tensors.size(), 0);
  for (const DpuFloatOp& op : g.ops)
    for (int id : op.inputs) ++readers[static_cast<size_t>(id)];
  for (const DpuFloatOp& op : g.ops) {
    if (op.kind != FixOpKind::kConcat) continue;
    for (int id : op.inputs)
      if (id != g.input && id != g.output && readers[static_cast<size_t>(id)] == 1) source[static_cast<size_t>(id)] = op.output;
  }
  return source;
}

Result<FixGraph> QuantizeGraph(const DpuFloatGraph& g, std::vector<int> fps, std::vector<LayerReport>* report,
                               const std::vector<std::vector<double>>* channel_means, WeightCache* cache) {
  if (fps.size() != g.tensors.size())
    return Internal("QuantizeGraph: " + std::to_string(fps.size()) + " fix points for " +
                    std::to_string(g.tensors.size()) + " tensors");
  FixGraph out;
  out.name = g.name;
  for (const DpuFloatTensor& t : g.tensors) out.tensors.push_back(FixTensor{t.name, t.shape, 0});
  out.inputs = {g.input};
  out.outputs = {g.output};
  report->clear();
  // vai_q_pytorch: a tensor read by a concat only is quantised at the
  // concat's position (nndctgraph_holder.py:268-285, quant_output).
  // A chain of such concats shares the last one's position.
  const std::vector<int> concat_source = ConcatFixPointSources(g);
  for (size_t i = 0; i < fps.size(); ++i) {
    int root = static_cast<int>(i);
    for (int hops = 0; concat_source[static_cast<size_t>(root)] >= 0 && hops < static_cast<int>(fps.size()); ++hops)
      root = concat_source[static_cast<size_t>(root)];
    fps[i] = fps[static_cast<size_t>(root)];
  }
  QuantizeState state{g, fps, out, report, channel_means, cache, &concat_source};
  for (const DpuFloatOp& op : g.ops) {
    FixOp f;
    f.kind = op.kind;
    f.name = op.name;
    f.inputs = op.inputs;
    f.output = op.output;
    LayerReport r;
    r.name = op.name;
    r.op = FixOpKindName(op.kind);
    r.transform_note = op.transform_note;
    r.fix_in = fps[op.inputs[0]];
    const OpQuantizer quantize = FindQuantizer(op.kind);
    if (quantize == nullptr)
      return Unsupported(op.name + ": " + FixOpKindName(op.kind) + " is not produced by the quantiser");
    SIGNDPU_RETURN_IF_ERROR(quantize(state, op, &f, &r));
    out.ops.push_back(std::move(f));
    report->push_back(std::move(r));
  }
  for (size_t i = 0; i < fps.size(); ++i) out.tensors[i].fix_point = fps[i];
  Status s = out.Validate();
  if (!s.ok()) return s.WithContext("quantised graph");
  return out;
}

}  // namespace signdpu::quantize

namespace signdpu::quantize {

void DpuFloatTensor::MapSource(const float* source, int64_t n, std::vector<float>* out) const {
  const int64_t per = NumElements(shape), c_count = shape.back();
  out->resize(static_cast<size_t>(n * per));
  float* dst = out->data();
  auto channel = [&](int64_t c) { return channel_map.empty() ? c : static_cast<int64_t>(channel_map[static_cast<size_t>(c)]); };
  auto scale = [&](int64_t c) { return channel_scale.empty() ? 1.0f : channel_scale[static_cast<size_t>(c)]; };
  if (source_layout == Layout::kNchw) {
    // Runs of H*W values per channel.
    const int64_t inner = per / c_count;
    for (int64_t img = 0; img < n; ++img) {
      for (int64_t c = 0; c < c_count; ++c) {
        const float* from = source + (img * c_count + channel(c)) * inner;
        float* to = dst + (img * c_count + c) * inner;
        const float k = scale(c);
        for (int64_t i = 0; i < inner; ++i) to[i] = from[i] * k;
      }
    }
  } else {
    const int64_t pixels = n * per / c_count;
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < c_count; ++c) dst[p * c_count + c] = source[p * c_count + channel(c)] * scale(c);
  }
}

void DpuFloatTensor::AddChannelSums(const float* data, int64_t n, std::vector<double>* sums) const {
  const int64_t per = NumElements(shape), c_count = shape.back();
  sums->resize(static_cast<size_t>(c_count), 0.0);
  if (source_layout == Layout::kNchw) {
    const int64_t inner = per / c_count;
    for (int64_t img = 0; img < n; ++img)
      for (int64_t c = 0; c < c_count; ++c) {
        const float* v = data + (img * c_count + c) * inner;
        double s = 0;
        for (int64_t i = 0; i < inner; ++i) s += v[i];
        (*sums)[static_cast<size_t>(c)] += s;
      }
  } else {
    const int64_t pixels = n * per / c_count;
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < c_count; ++c) (*sums)[static_cast<size_t>(c)] += data[p * c_count + c];
  }
}

}  // namespace signdpu::quantize
