#include "signdpu/quantize/quantize_graph.h"

#include <algorithm>
#include <cmath>

#include "signdpu/quantize/fix_point_search.h"

namespace signdpu::quantize {

namespace {

// One conv2d-fix / depthwise-conv2d-fix: output channels [c0, c1) of `op`
// (all of them unless the op is split into weight groups). `*fo` is the
// output position; when `fo_shared` (a group feeding a concat-fix, whose
// inputs share its position) a shift_cut < 0 raises the weights' position
// instead of lowering fo.
void QuantizeConv(const DpuFloatOp& op, int cache_key, int64_t c0, int64_t c1, int fi, int* fo, bool fo_shared,
                  const std::vector<double>* mean, WeightCache* cache, FixOp* f, LayerReport* r) {
  const int64_t oc = c1 - c0;
  const bool depthwise = op.kind == FixOpKind::kDepthwiseConv2d;
  const size_t per = op.weights.size() / static_cast<size_t>(op.conv.out_channels);
  // The whole tensor by reference (this runs for every refinement trial); a
  // group of a conv2d (depthwise convs are never split) as a copy of its rows.
  std::vector<float> group_rows;
  const bool whole = c0 == 0 && c1 == op.conv.out_channels;
  if (!whole)
    group_rows.assign(op.weights.begin() + static_cast<std::ptrdiff_t>(c0 * per),
                      op.weights.begin() + static_cast<std::ptrdiff_t>(c1 * per));
  const std::vector<float>& weights = whole ? op.weights : group_rows;
  f->conv = op.conv;
  f->conv.out_channels = oc;
  // Weight quantisation does not depend on the activation fix points
  // (unless a constraint moves fw): memoise it for repeated calls.
  auto quantize_at = [&](int fp) -> QuantizedTensor {
    if (cache == nullptr) return fp == kBestFixPoint ? QuantizeWeights(weights) : QuantizeWeightsAt(weights, fp);
    auto key = std::make_pair(cache_key, fp);
    auto it = cache->find(key);
    if (it == cache->end())
      it = cache->emplace(key, fp == kBestFixPoint ? QuantizeWeights(weights) : QuantizeWeightsAt(weights, fp)).first;
    return it->second;
  };
  QuantizedTensor w = quantize_at(kBestFixPoint);
  // (4.1) 0 <= shift_cut = fi + fw - fo <= 16
  if (fi + w.fix_point - *fo > 16) {
    const int fw = *fo - fi + 16;
    r->adjustments.push_back("weights fix_point " + std::to_string(w.fix_point) + " -> " + std::to_string(fw) +
                             " so that shift_cut <= 16");
    w = quantize_at(fw);
  }
  if (fi + w.fix_point - *fo < 0) {
    if (fo_shared) {
      const int fw = *fo - fi;
      r->adjustments.push_back("weights fix_point " + std::to_string(w.fix_point) + " -> " + std::to_string(fw) +
                               " so that shift_cut >= 0 (the output position is the concat's)");
      w = quantize_at(fw);
    } else {
      r->adjustments.push_back("output fix_point " + std::to_string(*fo) + " -> " + std::to_string(fi + w.fix_point) +
                               " so that shift_cut >= 0");
      *fo = fi + w.fix_point;
    }
  }
  const int shift_cut = fi + w.fix_point - *fo;
  f->weights = w.q;
  f->conv.fix_weights = w.fix_point;
  r->fix_weights = w.fix_point;
  r->weights_sqnr_db = w.sqnr_db;
  r->has_weights = true;
  r->shift_cut = shift_cut;
  std::vector<float> bias;
  if (!op.bias.empty()) bias.assign(op.bias.begin() + static_cast<std::ptrdiff_t>(c0), op.bias.begin() + static_cast<std::ptrdiff_t>(c1));
  if (!bias.empty() && mean && static_cast<int64_t>(mean->size()) == op.conv.input.c) {
    // Bias correction (Nagel et al. 2019): the weights' rounding error
    // shifts output o by sum_k (Wq - W)[o,k] * E[x_k] on average; take it
    // out of the float bias before the bias is quantised. E[x] per input
    // channel from calibration (border padding ignored: an estimate).
    const int64_t ic = op.conv.input.c;
    const double inv_w = std::ldexp(1.0, -w.fix_point);
    for (int64_t o = 0; o < oc; ++o) {
      double shift = 0;
      if (depthwise) {
        for (size_t k = static_cast<size_t>(o); k < weights.size(); k += static_cast<size_t>(oc))
          shift += (w.q[k] * inv_w - weights[k]) * (*mean)[static_cast<size_t>(o)];
      } else {
        for (size_t k = 0; k < per; ++k)
          shift += (w.q[o * per + k] * inv_w - weights[o * per + k]) * (*mean)[k % static_cast<size_t>(ic)];
      }
      bias[o] -= static_cast<float>(shift);
    }
  }
  if (!bias.empty()) {
    QuantizedTensor b = QuantizeWeights(bias);
    // (4.2) min(0, shift_cut - 16) <= shift_bias = fi + fw - fb <= 16 (>= 0 with LEAKYRELU)
    const int lo = op.conv.activation == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
    const int fb_min = fi + w.fix_point - 16, fb_max = fi + w.fix_point - lo;
    const int fb = std::clamp(b.fix_point, fb_min, fb_max);
    if (fb != b.fix_point) {
      r->adjustments.push_back("bias fix_point " + std::to_string(b.fix_point) + " -> " + std::to_string(fb) +
                               " so that shift_bias is in [" + std::to_string(lo) + ", 16]");
      b = QuantizeWeightsAt(bias, fb);
    }
    f->bias = b.q;
    f->conv.has_bias = true;
    f->conv.fix_bias = b.fix_point;
    r->fix_bias = b.fix_point;
    r->bias_sqnr_db = b.sqnr_db;
    r->shift_bias = fi + w.fix_point - b.fix_point;
  } else {
    f->conv.has_bias = false;
  }
  r->fix_out = *fo;
}

}  // namespace

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
    const int fi = fps[op.inputs[0]];
    r.fix_in = fi;
    const int op_index = static_cast<int>(&op - g.ops.data());
    switch (op.kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d: {
        const std::vector<double>* mean =
            channel_means ? &(*channel_means)[static_cast<size_t>(op.inputs[0])] : nullptr;
        if (op.channel_group_ends.size() < 2) {
          int fo = fps[op.output];
          QuantizeConv(op, op_index, 0, op.conv.out_channels, fi, &fo, false, mean, cache, &f, &r);
          fps[op.output] = fo;
          break;
        }
        // Weight groups (lower.cc): one conv2d-fix per group into its own
        // tensor, all at the output's position, then a concat-fix.
        FixOp concat;
        concat.kind = FixOpKind::kConcat;
        concat.name = op.name;
        concat.output = op.output;
        concat.concat_axis = static_cast<int>(g.tensors[op.output].shape.size()) - 1;
        int64_t c0 = 0;
        for (size_t k = 0; k < op.channel_group_ends.size(); ++k) {
          const int64_t c1 = op.channel_group_ends[k];
          FixOp part;
          part.kind = op.kind;
          part.name = op.name + "_g" + std::to_string(k);
          part.inputs = op.inputs;
          Shape shape = g.tensors[op.output].shape;
          shape.back() = c1 - c0;
          part.output = static_cast<int>(out.tensors.size());
          out.tensors.push_back(FixTensor{part.name, shape, fps[op.output]});
          LayerReport pr;
          pr.name = part.name;
          pr.op = FixOpKindName(op.kind);
          pr.fix_in = fi;
          pr.transform_note = "channels " + std::to_string(c0) + ".." + std::to_string(c1 - 1) + " of " + op.name +
                              (k == 0 ? "; " + op.transform_note : "");
          int fo = fps[op.output];
          // Cache keys: groups after all ops (op index * 64 + group).
          QuantizeConv(op, static_cast<int>(g.ops.size()) + op_index * 64 + static_cast<int>(k), c0, c1, fi, &fo, true,
                       mean, cache, &part, &pr);
          concat.inputs.push_back(part.output);
          out.ops.push_back(std::move(part));
          report->push_back(std::move(pr));
          c0 = c1;
        }
        f = std::move(concat);
        r.op = FixOpKindName(FixOpKind::kConcat);
        r.fix_in = fps[op.output];
        r.fix_out = fps[op.output];
        r.transform_note = std::to_string(op.channel_group_ends.size()) + " weight groups of " + op.name + " joined";
        break;
      }
      case FixOpKind::kPool: {
        f.pool = op.pool;
        if (op.pool.type == PoolType::kMax) fps[op.output] = fi;
        r.fix_out = fps[op.output];
        break;
      }
      case FixOpKind::kEltwiseAdd: {
        f.eltwise_activation = op.eltwise_activation;
        r.fix_out = fps[op.output];
        for (int id : op.inputs) {
          if (fps[id] != fi) {
            r.adjustments.push_back("inputs have different fix points; alignment follows docs/arithmetic.md (7) [inferred]");
            break;
          }
        }
        break;
      }
      case FixOpKind::kCopy:
        fps[op.output] = fi;
        r.fix_out = fi;
        break;
      default:
        return Unsupported(op.name + ": " + FixOpKindName(op.kind) + " is not produced by the quantiser");
    }
    out.ops.push_back(std::move(f));
    report->push_back(std::move(r));
  }
  for (size_t i = 0; i < fps.size(); ++i) out.tensors[i].fix_point = fps[i];
  // Copy geometry fix fields into the op configs for readability (the
  // executor takes them from the tensors).
  for (FixOp& f : out.ops) {
    if (f.kind == FixOpKind::kConv2d || f.kind == FixOpKind::kDepthwiseConv2d) {
      f.conv.fix_in = out.tensors[f.inputs[0]].fix_point;
      f.conv.fix_out = out.tensors[f.output].fix_point;
    } else if (f.kind == FixOpKind::kPool) {
      f.pool.fix_in = out.tensors[f.inputs[0]].fix_point;
      f.pool.fix_out = out.tensors[f.output].fix_point;
    }
  }
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
