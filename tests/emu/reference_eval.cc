#include "reference_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "signdpu/ir/grouped_conv.h"
#include "signdpu/kernels/reference/conv2d_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/kernels/reference/transposed_conv2d_fix.h"
#include "signdpu/kernels/reference/transposed_depthwise_conv2d_fix.h"

namespace signdpu::testing {

namespace {

Nhwc Dims(const Shape& s) {
  Nhwc d;
  d.n = 1;
  d.h = s[1];
  d.w = s[2];
  d.c = s[3];
  return d;
}

int8_t XilinxHardSigmoid(int q, int hsigmoid_in, int shift) {
  const double v = std::min(std::pow(2.0, 32), std::max(0.0, q * 2731.0 + 3.0 * 2731 * std::pow(2.0, hsigmoid_in)));
  return static_cast<int8_t>(std::clamp(std::floor(v / std::pow(2.0, shift) + 0.5), -128.0, 127.0));
}

}  // namespace

std::vector<std::vector<int8_t>> EvalReference(const FixGraph& graph, const std::vector<std::vector<int8_t>>& inputs,
                                               int count) {
  // A grouped conv as written: conv2d-fix per group + concat-fix.
  const FixGraph g = ir::SplitGroupedConvs(graph);
  std::vector<std::vector<std::vector<int8_t>>> images(static_cast<size_t>(count));
  for (int b = 0; b < count; ++b) {
    std::vector<std::vector<int8_t>>& t = images[b];
    t.resize(g.tensors.size());
    for (size_t i = 0; i < g.inputs.size(); ++i) {
      const int64_t n = g.tensors[g.inputs[i]].per_image_size();
      t[g.inputs[i]].assign(inputs[i].begin() + b * n, inputs[i].begin() + (b + 1) * n);
    }
    for (const FixOp& op : g.ops) {
      const FixTensor& in = g.tensors[op.inputs[0]];
      const FixTensor& out = g.tensors[op.output];
      std::vector<int8_t>& y = t[op.output];
      y.assign(static_cast<size_t>(out.per_image_size()), 0x5A);
      switch (op.kind) {
        case FixOpKind::kConv2d:
        case FixOpKind::kDepthwiseConv2d: {
          ConvConfig c = ConvConfigOf(g, op);
          c.input = Dims(in.shape);
          c.fix_in = in.fix_point;
          c.fix_out = out.fix_point;
          c.depthwise = op.kind == FixOpKind::kDepthwiseConv2d;
          auto p = MakeConvParams(c, op.name);
          EXPECT_TRUE(p.ok()) << p.status().message();
          if (!p.ok()) return {};
          reference::Conv2dFix(*p, t[op.inputs[0]].data(), op.Attrs<ConvAttrs>().weights.data(), c.has_bias ? op.Attrs<ConvAttrs>().bias.data() : nullptr,
                               y.data());
          break;
        }
        case FixOpKind::kTransposedConv2d:
        case FixOpKind::kTransposedDepthwiseConv2d: {
          const ConvAttrs& a = op.Attrs<ConvAttrs>();
          auto p = MakeTransposedConvParams(ConvConfigOf(g, op), op.name);
          EXPECT_TRUE(p.ok()) << p.status().message();
          if (!p.ok()) return {};
          const int8_t* bias = a.has_bias ? a.bias.data() : nullptr;
          if (op.kind == FixOpKind::kTransposedConv2d) {
            reference::TransposedConv2dFix(*p, t[op.inputs[0]].data(), a.weights.data(), bias, y.data());
          } else {
            reference::TransposedDepthwiseConv2dFix(*p, t[op.inputs[0]].data(), a.weights.data(), bias, y.data());
          }
          break;
        }
        case FixOpKind::kPool: {
          PoolConfig c = PoolConfigOf(g, op);
          c.input = Dims(in.shape);
          c.fix_in = in.fix_point;
          c.fix_out = out.fix_point;
          auto p = MakePoolParams(c, op.name);
          EXPECT_TRUE(p.ok()) << p.status().message();
          if (!p.ok()) return {};
          reference::PoolFix(*p, t[op.inputs[0]].data(), y.data());
          break;
        }
        case FixOpKind::kEltwiseAdd: {
          // Same-shape ADD of activations (the graphs evaluated here).
          EXPECT_TRUE(op.Attrs<EltwiseAttrs>().type == EltwiseType::kAdd && op.Attrs<EltwiseAttrs>().consts.empty());
          std::vector<int> fis;
          std::vector<const int8_t*> ins;
          for (int id : op.inputs) {
            fis.push_back(g.tensors[id].fix_point);
            ins.push_back(t[id].data());
          }
          auto p = MakeEltwiseParams(fis, out.fix_point, out.per_image_size(), op.Attrs<EltwiseAttrs>().activation, op.name);
          EXPECT_TRUE(p.ok()) << p.status().message();
          if (!p.ok()) return {};
          reference::EltwiseAddFix(*p, ins, y.data());
          break;
        }
        case FixOpKind::kHardSigmoid:
          for (size_t i = 0; i < y.size(); ++i)
            y[i] = XilinxHardSigmoid(t[op.inputs[0]][i], op.Attrs<HardSigmoidAttrs>().hsigmoid_in, op.Attrs<HardSigmoidAttrs>().shift_hsigmoid);
          break;
        case FixOpKind::kCopy:
          y = t[op.inputs[0]];
          break;
        case FixOpKind::kConcat: {
          // Last axis, equal fix points (FixGraph::Validate): element
          // (pixel, channel offset_i + c) of the output is (pixel, c) of input i.
          const int64_t out_c = out.shape.back();
          int64_t offset = 0;
          for (int id : op.inputs) {
            EXPECT_EQ(g.tensors[id].fix_point, out.fix_point) << op.name;
            const int64_t c_in = g.tensors[id].shape.back();
            const std::vector<int8_t>& x = t[id];
            for (size_t i = 0; i < x.size(); ++i) {
              const int64_t pixel = static_cast<int64_t>(i) / c_in, c = static_cast<int64_t>(i) % c_in;
              y[static_cast<size_t>(pixel * out_c + offset + c)] = x[i];
            }
            offset += c_in;
          }
          break;
        }
        case FixOpKind::kDepthwiseFix:
        case FixOpKind::kUpsample:
        case FixOpKind::kDownsample:
        case FixOpKind::kPad:
        case FixOpKind::kReorg:
        case FixOpKind::kTile:
        case FixOpKind::kPixelShuffle:
        case FixOpKind::kGroupedConv2d:  // split above
          // Checked against their reference kernels in emu_op_set_test.
          ADD_FAILURE() << op.name << " (" << FixOpKindName(op.kind) << "): not evaluated here";
          return {};
      }
    }
  }
  std::vector<std::vector<int8_t>> outputs;
  for (int id : g.outputs) {
    std::vector<int8_t> all;
    for (int b = 0; b < count; ++b) all.insert(all.end(), images[b][id].begin(), images[b][id].end());
    outputs.push_back(std::move(all));
  }
  return outputs;
}

}  // namespace signdpu::testing
