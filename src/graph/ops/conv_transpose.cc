// ONNX ConvTranspose (2-D; group 1 or depthwise group == C): import, shape
// inference, float evaluation.
//   y[n][m][oy][ox] = b[m] + sum_{c in group(m), iy, ix, ky, kx}
//       x[n][c][iy][ix] * w[c][m'][ky][kx]   where oy = iy*sh + ky*dh - pad_top
//                                             and ox = ix*sw + kx*dw - pad_left
//   OH = (H-1)*sh + dh*(kh-1) + 1 - pad_top - pad_bottom + output_padding_h (W alike)
// [source: ONNX Operators.md ConvTranspose]. Normalised attrs: kernel_shape,
// strides, pads, dilations, output_padding (2 values each; pads 4), group.
// auto_pad other than NOTSET and output_shape are refused (one line).
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status ReadInts(ImportContext& ctx, const Node& node, const char* name, size_t count, int64_t fill,
                int64_t lo, std::vector<int64_t>* out) {
  SIGNDPU_ASSIGN_OR_RETURN(*out, ctx.attrs.Ints(name, std::vector<int64_t>(count, fill)));
  if (out->size() != count) {
    return ctx.NodeError(node, std::string("attribute '") + name + "' has " + std::to_string(out->size()) +
                                   " values, expected " + std::to_string(count));
  }
  for (int64_t v : *out) {
    if (v < lo || v > kMaxWindowAttr) {
      return ctx.NodeError(node, std::string("attribute '") + name + "' value " + std::to_string(v) +
                                     " is outside [" + std::to_string(lo) + ", 2^24]");
    }
  }
  return Status::Ok();
}

Status Import(ImportContext& ctx, Node* node) {
  node->type = OpType::kConvTranspose;
  SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 3));
  SIGNDPU_ASSIGN_OR_RETURN(Shape x, ctx.ShapeOf(node->inputs[0]));
  SIGNDPU_ASSIGN_OR_RETURN(Shape w, ctx.ShapeOf(node->inputs[1]));
  if (x.size() != 4 || w.size() != 4) {
    return ctx.NodeUnsupported(*node, "only 2-D ConvTranspose is supported (input " + ShapeToString(x) +
                                          ", weight " + ShapeToString(w) + ")");
  }
  SIGNDPU_ASSIGN_OR_RETURN(std::string auto_pad, ctx.attrs.String("auto_pad", "NOTSET"));
  if (auto_pad != "NOTSET" && !auto_pad.empty()) {
    return ctx.NodeUnsupported(*node, "attribute 'auto_pad' " + auto_pad + " is not supported (only explicit pads)");
  }
  if (ctx.attrs.Has("output_shape")) {
    return ctx.NodeUnsupported(*node, "attribute 'output_shape' is not supported (give pads and output_padding)");
  }
  std::vector<int64_t> kernel, strides, pads, dilations, output_padding;
  SIGNDPU_RETURN_IF_ERROR(ReadInts(ctx, *node, "kernel_shape", 2, 1, 1, &kernel));
  if (!ctx.attrs.Has("kernel_shape")) kernel = {w[2], w[3]};
  SIGNDPU_RETURN_IF_ERROR(ReadInts(ctx, *node, "strides", 2, 1, 1, &strides));
  SIGNDPU_RETURN_IF_ERROR(ReadInts(ctx, *node, "pads", 4, 0, 0, &pads));
  SIGNDPU_RETURN_IF_ERROR(ReadInts(ctx, *node, "dilations", 2, 1, 1, &dilations));
  SIGNDPU_RETURN_IF_ERROR(ReadInts(ctx, *node, "output_padding", 2, 0, 0, &output_padding));
  SIGNDPU_ASSIGN_OR_RETURN(int64_t group, ctx.attrs.Int("group", 1));
  node->attrs.Set("kernel_shape", kernel);
  node->attrs.Set("strides", strides);
  node->attrs.Set("pads", pads);
  node->attrs.Set("dilations", dilations);
  node->attrs.Set("output_padding", output_padding);
  node->attrs.Set("group", group);
  ctx.Known({"kernel_shape", "strides", "pads", "dilations", "output_padding", "group", "auto_pad"});
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 3));
  const Shape& x = in[0];
  const Shape& w = in[1];
  if (x.size() != 4 || w.size() != 4) {
    return NodeError(node, "input " + ShapeToString(x) + " and weight " + ShapeToString(w) + " must be 4-D");
  }
  const int64_t group = node.attrs.GetInt("group", 1);
  if (group < 1 || w[0] != x[1] || x[1] % group != 0) {
    return NodeError(node, "weight " + ShapeToString(w) + " with group " + std::to_string(group) +
                               " does not fit input " + ShapeToString(x) + " (expects W[0] == C)");
  }
  const auto kernel = node.attrs.GetInts("kernel_shape");
  const auto strides = node.attrs.GetInts("strides");
  const auto pads = node.attrs.GetInts("pads");
  const auto dil = node.attrs.GetInts("dilations");
  const auto opad = node.attrs.GetInts("output_padding");
  if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 || dil.size() != 2 || opad.size() != 2 ||
      kernel[0] != w[2] || kernel[1] != w[3]) {
    return NodeError(node, "window attributes (" + node.attrs.ToString() + ") do not match weight " + ShapeToString(w));
  }
  const int64_t m = w[1] * group;
  if (in.size() == 3 && in[2] != Shape{m}) {
    return NodeError(node, "bias '" + node.inputs[2] + "' " + ShapeToString(in[2]) + " is not [" +
                               std::to_string(m) + "]");
  }
  Shape out = {x[0], m, 0, 0};
  for (int i = 0; i < 2; ++i) {
    if (strides[i] < 1 || dil[i] < 1 || kernel[i] > kMaxWindowAttr || strides[i] > kMaxWindowAttr ||
        dil[i] > kMaxWindowAttr || x[2 + i] > kMaxShapeElements / strides[i]) {
      return NodeError(node, "attributes (" + node.attrs.ToString() + ") out of range for input " + ShapeToString(x));
    }
    out[2 + i] = (x[2 + i] - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1 - pads[i] - pads[i + 2] + opad[i];
    if (out[2 + i] < 1 || opad[i] >= std::max(strides[i], dil[i])) {
      return NodeError(node, "attributes (" + node.attrs.ToString() + ") give no valid output for input " +
                                 ShapeToString(x) + " (output_padding must be < stride or dilation)");
    }
  }
  if (NumElements(out) > kMaxShapeElements) return NodeError(node, "output " + ShapeToString(out) + " is too large");
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const Shape& w = *a.in_shape[1];
  const Shape& y = a.out_shape;
  const int64_t group = a.node.attrs.GetInt("group", 1);
  const auto s = a.node.attrs.GetInts("strides");
  const auto p = a.node.attrs.GetInts("pads");
  const auto d = a.node.attrs.GetInts("dilations");
  const int64_t cg = x[1] / group, mg = w[1], kh = w[2], kw = w[3];
  const int64_t plane = y[2] * y[3];
  const float* bias = a.in.size() > 2 ? a.in[2] : nullptr;
  for (int64_t n = 0; n < y[0]; ++n) {
    float* out = a.out + n * y[1] * plane;
    for (int64_t m = 0; m < y[1]; ++m)
      for (int64_t i = 0; i < plane; ++i) out[m * plane + i] = bias ? bias[m] : 0.0f;
    for (int64_t c = 0; c < x[1]; ++c) {
      const int64_t g = c / cg;
      const float* in = a.in[0] + (n * x[1] + c) * x[2] * x[3];
      for (int64_t iy = 0; iy < x[2]; ++iy)
        for (int64_t ix = 0; ix < x[3]; ++ix) {
          const float v = in[iy * x[3] + ix];
          for (int64_t mm = 0; mm < mg; ++mm) {
            const float* wk = a.in[1] + (c * mg + mm) * kh * kw;
            float* o = out + (g * mg + mm) * plane;
            for (int64_t ky = 0; ky < kh; ++ky) {
              const int64_t oy = iy * s[0] + ky * d[0] - p[0];
              if (oy < 0 || oy >= y[2]) continue;
              for (int64_t kx = 0; kx < kw; ++kx) {
                const int64_t ox = ix * s[1] + kx * d[1] - p[1];
                if (ox >= 0 && ox < y[3]) o[oy * y[3] + ox] += v * wk[ky * kw + kx];
              }
            }
          }
        }
    }
  }
}

}  // namespace

const OpDef& ConvTransposeOp() {
  static const OpDef kDef{"ConvTranspose", OpDef::ImportKind::kNode, {OpType::kConvTranspose}, Import,
                          InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace signdpu::graph::ops
