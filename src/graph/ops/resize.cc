// ONNX Resize (opset 10+) and Upsample (opset 7-9), mode "nearest" only:
// import, shape inference, float evaluation.
//   y[n][c][oy][ox] = x[n][c][src(oy, H, OH, scale_h)][src(ox, W, OW, scale_w)]
// with src = ResizeNearestSource (float_ops.h): the coordinate transform of
// coordinate_transformation_mode, then nearest_mode's rounding, clamped to the
// input [source: ONNX Operators.md Resize]. Resize-10 and Upsample have
// neither attribute; they map output o to floor(o / scale) (asymmetric, floor).
// Normalised attrs: scales [sh, sw] (floats; out/in when the model gives
// sizes), sizes [OH, OW] (only when given), coordinate_transformation_mode,
// nearest_mode. N and C scales must be 1; the scales or sizes must be constants.
#include <cmath>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph {
namespace kernels {

int64_t ResizeNearestSource(int64_t o, int64_t in_len, int64_t out_len, double scale, const std::string& coord,
                            const std::string& nearest) {
  double x = 0.0;
  if (coord == "half_pixel") {
    x = (o + 0.5) / scale - 0.5;
  } else if (coord == "pytorch_half_pixel") {
    x = out_len > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  } else if (coord == "align_corners") {
    x = out_len > 1 ? static_cast<double>(o) * (in_len - 1) / (out_len - 1) : 0.0;
  } else if (coord == "tf_half_pixel_for_nn") {
    x = (o + 0.5) / scale;
  } else {  // asymmetric
    x = o / scale;
  }
  double r;
  if (nearest == "floor") {
    r = std::floor(x);
  } else if (nearest == "ceil") {
    r = std::ceil(x);
  } else if (x - std::floor(x) == 0.5) {
    r = nearest == "round_prefer_ceil" ? std::ceil(x) : std::floor(x);
  } else {
    r = std::round(x);
  }
  return std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(r), 0), in_len - 1);
}

}  // namespace kernels

namespace ops {
namespace {

const char* const kCoordModes[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                   "tf_half_pixel_for_nn"};
const char* const kNearestModes[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

template <size_t N>
bool OneOf(const std::string& s, const char* const (&list)[N]) {
  for (const char* v : list)
    if (s == v) return true;
  return false;
}

// The scales (float) or sizes (int64) constant input: 4 values, N and C kept.
Status ReadScalesOrSizes(ImportContext& ctx, Node* node, const std::string& name, bool sizes) {
  const Tensor* t = ctx.graph.FindConstant(name);
  if (t == nullptr) return ctx.NodeUnsupported(*node, "input '" + name + "' must be a constant");
  const bool ok_type = sizes ? t->dtype == DataType::kInt64 : t->dtype == DataType::kFloat32;
  const size_t count = sizes ? t->data_i64.size() : t->data.size();
  if (!ok_type || count != 4) {
    return ctx.NodeError(*node, "input '" + name + "' must hold 4 " + (sizes ? "int64 sizes" : "float scales"));
  }
  SIGNDPU_ASSIGN_OR_RETURN(Shape x, ctx.ShapeOf(node->inputs[0]));
  if (x.size() != 4) return ctx.NodeUnsupported(*node, "only 4-D (N,C,H,W) inputs are supported");
  if (sizes) {
    const auto& s = t->data_i64;
    if (s[0] != x[0] || s[1] != x[1]) return ctx.NodeUnsupported(*node, "sizes change N or C");
    if (s[2] < 1 || s[3] < 1 || s[2] > kMaxWindowAttr || s[3] > kMaxWindowAttr)
      return ctx.NodeError(*node, "sizes " + ShapeToString(s) + " outside [1, 2^24]");
    node->attrs.Set("sizes", std::vector<int64_t>{s[2], s[3]});
    node->attrs.Set("scales", std::vector<float>{static_cast<float>(s[2]) / x[2], static_cast<float>(s[3]) / x[3]});
    return Status::Ok();
  }
  const auto& s = t->data;
  if (s[0] != 1.0f || s[1] != 1.0f) return ctx.NodeUnsupported(*node, "scales change N or C");
  if (!(s[2] > 0.0f && s[2] <= 1024.0f && s[3] > 0.0f && s[3] <= 1024.0f))
    return ctx.NodeError(*node, "scales outside (0, 1024]");
  node->attrs.Set("scales", std::vector<float>{s[2], s[3]});
  return Status::Ok();
}

Status ImportModes(ImportContext& ctx, Node* node, bool legacy) {
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, ctx.attrs.String("mode", "nearest"));
  if (mode != "nearest")
    return ctx.NodeUnsupported(*node, "attribute 'mode' " + mode + " is not supported (only nearest)");
  std::string coord = "asymmetric", nearest = "floor";
  if (!legacy) {
    SIGNDPU_ASSIGN_OR_RETURN(coord, ctx.attrs.String("coordinate_transformation_mode", "half_pixel"));
    SIGNDPU_ASSIGN_OR_RETURN(nearest, ctx.attrs.String("nearest_mode", "round_prefer_floor"));
    if (!OneOf(coord, kCoordModes))
      return ctx.NodeUnsupported(*node, "attribute 'coordinate_transformation_mode' " + coord + " is not supported");
    if (!OneOf(nearest, kNearestModes))
      return ctx.NodeUnsupported(*node, "attribute 'nearest_mode' " + nearest + " is not supported");
  }
  node->attrs.Set("coordinate_transformation_mode", coord);
  node->attrs.Set("nearest_mode", nearest);
  // cubic_coeff_a and exclude_outside only matter for cubic, extrapolation_value
  // only for tf_crop_and_resize (both refused above).
  ctx.Known({"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
             "extrapolation_value"});
  if (ctx.proto.op_type() == "Upsample" && ctx.opset < 9) ctx.Known({"scales"});
  return Status::Ok();
}

Status Import(ImportContext& ctx, Node* node) {
  const bool upsample = ctx.proto.op_type() == "Upsample";
  node->type = upsample ? OpType::kUpsample : OpType::kResize;
  const bool legacy = upsample || ctx.opset < 11;
  if (node->inputs.empty() || node->inputs[0].empty()) return ctx.NodeError(*node, "missing input X");
  SIGNDPU_RETURN_IF_ERROR(ImportModes(ctx, node, legacy));
  if (upsample && ctx.opset < 9) {
    SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 1, 1));
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> s, ctx.attrs.Floats("scales"));
    if (s.size() != 4 || s[0] != 1.0f || s[1] != 1.0f || !(s[2] > 0.0f && s[2] <= 1024.0f) ||
        !(s[3] > 0.0f && s[3] <= 1024.0f))
      return ctx.NodeUnsupported(*node, "attribute 'scales' must be [1, 1, sh, sw] with sh, sw in (0, 1024]");
    node->attrs.Set("scales", std::vector<float>{s[2], s[3]});
  } else if (legacy) {
    SIGNDPU_RETURN_IF_ERROR(ctx.RequireInputs(*node, 2, 2));
    SIGNDPU_RETURN_IF_ERROR(ReadScalesOrSizes(ctx, node, node->inputs[1], false));
  } else {
    if (node->inputs.size() < 3 || node->inputs.size() > 4)
      return ctx.NodeError(*node, "has " + std::to_string(node->inputs.size()) + " inputs, expected 3 or 4");
    const bool sizes = node->inputs.size() == 4 && !node->inputs[3].empty();
    SIGNDPU_RETURN_IF_ERROR(ReadScalesOrSizes(ctx, node, node->inputs[sizes ? 3 : 2], sizes));
  }
  node->inputs.resize(1);
  return Status::Ok();
}

Result<Shape> InferShape(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
  const Shape& x = in[0];
  if (x.size() != 4) return NodeError(node, "input " + ShapeToString(x) + " is not 4-D");
  const auto sizes = node.attrs.GetInts("sizes");
  const auto scales = node.attrs.GetFloats("scales");
  if (scales.size() != 2) return NodeError(node, "no scales");
  Shape out = x;
  for (int i = 0; i < 2; ++i) {
    out[2 + i] = sizes.size() == 2 ? sizes[i] : static_cast<int64_t>(std::floor(x[2 + i] * static_cast<double>(scales[i])));
    if (out[2 + i] < 1) return NodeError(node, "output " + ShapeToString(out) + " is empty");
  }
  if (NumElements(out) > kMaxShapeElements) return NodeError(node, "output " + ShapeToString(out) + " is too large");
  return out;
}

void Eval(const FloatEvalArgs& a) {
  const Shape& x = *a.in_shape[0];
  const Shape& y = a.out_shape;
  const auto scales = a.node.attrs.GetFloats("scales");
  const std::string coord = a.node.attrs.GetString("coordinate_transformation_mode");
  const std::string nearest = a.node.attrs.GetString("nearest_mode");
  std::vector<int64_t> ys(static_cast<size_t>(y[2])), xs(static_cast<size_t>(y[3]));
  for (int64_t o = 0; o < y[2]; ++o) ys[o] = kernels::ResizeNearestSource(o, x[2], y[2], scales[0], coord, nearest);
  for (int64_t o = 0; o < y[3]; ++o) xs[o] = kernels::ResizeNearestSource(o, x[3], y[3], scales[1], coord, nearest);
  for (int64_t nc = 0; nc < x[0] * x[1]; ++nc) {
    const float* in = a.in[0] + nc * x[2] * x[3];
    float* out = a.out + nc * y[2] * y[3];
    for (int64_t oy = 0; oy < y[2]; ++oy)
      for (int64_t ox = 0; ox < y[3]; ++ox) out[oy * y[3] + ox] = in[ys[oy] * x[3] + xs[ox]];
  }
}

}  // namespace

const OpDef& ResizeOp() {
  static const OpDef kDef{"Resize", OpDef::ImportKind::kNode, {OpType::kResize}, Import, InferShape, nullptr, Eval};
  return kDef;
}

const OpDef& UpsampleOp() {
  static const OpDef kDef{"Upsample", OpDef::ImportKind::kNode, {OpType::kUpsample}, Import, InferShape, nullptr, Eval};
  return kDef;
}

}  // namespace ops
}  // namespace signdpu::graph
