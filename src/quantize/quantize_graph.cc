#include "signdpu/quantize/quantize_graph.h"

#include <algorithm>

#include "signdpu/quantize/fix_point_search.h"

namespace signdpu::quantize {

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
    switch (op.kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d: {
        f.conv = op.conv;
        // Weight quantisation does not depend on the activation fix points
        // (unless a constraint moves fw): memoise it for repeated calls.
        const int op_index = static_cast<int>(&op - g.ops.data());
        auto quantize_at = [&](int fp) -> QuantizedTensor {
          if (cache == nullptr) return fp == kBestFixPoint ? QuantizeWeights(op.weights) : QuantizeWeightsAt(op.weights, fp);
          auto key = std::make_pair(op_index, fp);
          auto it = cache->find(key);
          if (it == cache->end())
            it = cache->emplace(key, fp == kBestFixPoint ? QuantizeWeights(op.weights) : QuantizeWeightsAt(op.weights, fp)).first;
          return it->second;
        };
        QuantizedTensor w = quantize_at(kBestFixPoint);
        int fo = fps[op.output];
        // (4.1) 0 <= shift_cut = fi + fw - fo <= 16
        if (fi + w.fix_point - fo > 16) {
          const int fw = fo - fi + 16;
          r.adjustments.push_back("weights fix_point " + std::to_string(w.fix_point) + " -> " + std::to_string(fw) +
                                  " so that shift_cut <= 16");
          w = quantize_at(fw);
        }
        if (fi + w.fix_point - fo < 0) {
          r.adjustments.push_back("output fix_point " + std::to_string(fo) + " -> " + std::to_string(fi + w.fix_point) +
                                  " so that shift_cut >= 0");
          fo = fi + w.fix_point;
          fps[op.output] = fo;
        }
        const int shift_cut = fi + w.fix_point - fo;
        f.weights = w.q;
        f.conv.fix_weights = w.fix_point;
        r.fix_weights = w.fix_point;
        r.weights_sqnr_db = w.sqnr_db;
        r.has_weights = true;
        r.shift_cut = shift_cut;
        std::vector<float> bias = op.bias;
        const std::vector<double>* mean =
            channel_means ? &(*channel_means)[static_cast<size_t>(op.inputs[0])] : nullptr;
        if (!bias.empty() && mean && static_cast<int64_t>(mean->size()) == op.conv.input.c) {
          // Bias correction (Nagel et al. 2019): the weights' rounding error
          // shifts output o by sum_k (Wq - W)[o,k] * E[x_k] on average; take it
          // out of the float bias before the bias is quantised. E[x] per input
          // channel from calibration (border padding ignored: an estimate).
          const int64_t ic = op.conv.input.c, oc = op.conv.out_channels;
          const double inv_w = std::ldexp(1.0, -w.fix_point);
          for (int64_t o = 0; o < oc; ++o) {
            double shift = 0;
            if (op.kind == FixOpKind::kDepthwiseConv2d) {
              for (size_t k = static_cast<size_t>(o); k < op.weights.size(); k += static_cast<size_t>(oc))
                shift += (w.q[k] * inv_w - op.weights[k]) * (*mean)[static_cast<size_t>(o)];
            } else {
              const int64_t per = static_cast<int64_t>(op.weights.size()) / oc;
              for (int64_t k = 0; k < per; ++k)
                shift += (w.q[o * per + k] * inv_w - op.weights[o * per + k]) * (*mean)[static_cast<size_t>(k % ic)];
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
            r.adjustments.push_back("bias fix_point " + std::to_string(b.fix_point) + " -> " + std::to_string(fb) +
                                    " so that shift_bias is in [" + std::to_string(lo) + ", 16]");
            b = QuantizeWeightsAt(bias, fb);
          }
          f.bias = b.q;
          f.conv.has_bias = true;
          f.conv.fix_bias = b.fix_point;
          r.fix_bias = b.fix_point;
          r.bias_sqnr_db = b.sqnr_db;
          r.shift_bias = fi + w.fix_point - b.fix_point;
        } else {
          f.conv.has_bias = false;
        }
        r.fix_out = fo;
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
  for (size_t i = 0; i < out.tensors.size(); ++i) out.tensors[i].fix_point = fps[i];
  // Copy geometry fix fields into the op configs for readability (the
  // executor takes them from the tensors).
  for (FixOp& f : out.ops) {
    if (f.kind == FixOpKind::kConv2d || f.kind == FixOpKind::kDepthwiseConv2d) {
      f.conv.fix_in = fps[f.inputs[0]];
      f.conv.fix_out = fps[f.output];
    } else if (f.kind == FixOpKind::kPool) {
      f.pool.fix_in = fps[f.inputs[0]];
      f.pool.fix_out = fps[f.output];
    }
  }
  Status s = out.Validate();
  if (!s.ok()) return s.WithContext("quantised graph");
  return out;
}

}  // namespace signdpu::quantize

namespace signdpu::quantize {

void DpuFloatTensor::ScaleSource(const float* source, int64_t n, std::vector<float>* out) const {
  const int64_t per = NumElements(shape);
  out->assign(source, source + n * per);
  if (channel_scale.empty()) return;
  for (int64_t i = 0; i < n * per; ++i) (*out)[i] *= channel_scale[static_cast<size_t>(SourceChannel(i))];
}

}  // namespace signdpu::quantize
