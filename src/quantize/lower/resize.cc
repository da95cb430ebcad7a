// Resize / Upsample, nearest, integer factors -> upsample-fix (NEAREST,
// align_corners and half_pixel_centers false: vai_q_pytorch's spelling of
// PyTorch's nearest interpolate [source: Vitis-AI v2.5 vai_q_pytorch
// pytorch_binding/pytorch_nndct/parse/torch_op_def.py:782-792 (mode
// NEAREST), nndct_shared/nndct_graph/operator_definition.py:1262-1330
// (align_corners and half_pixel_centers default false)]). The ONNX
// coordinate_transformation_mode / nearest_mode pair is accepted when, for
// this node's sizes, every output row and column reads the input index the
// upsample-fix kernel reads (kernels/reference/upsample_fix.h); any other
// pair is refused naming the node and the attributes.
#include "lowering.h"
#include "signdpu/graph/float_ops.h"
#include "signdpu/kernels/reference/upsample_fix.h"

namespace signdpu::quantize::lowering {

namespace {

// "" when the ONNX index map of one axis equals upsample-fix's, else why not.
std::string AxisMismatch(const Node& n, const std::vector<int64_t>& dpu, int64_t in_len, int64_t out_len, float scale,
                         const char* axis) {
  const std::string coord = n.attrs.GetString("coordinate_transformation_mode");
  const std::string nearest = n.attrs.GetString("nearest_mode");
  for (int64_t o = 0; o < out_len; ++o) {
    const int64_t want = graph::kernels::ResizeNearestSource(o, in_len, out_len, scale, coord, nearest);
    if (want != dpu[static_cast<size_t>(o)]) {
      return "attributes 'coordinate_transformation_mode' " + coord + " and 'nearest_mode' " + nearest +
             " read input " + axis + " " + std::to_string(want) + " for output " + axis + " " + std::to_string(o) +
             ", upsample-fix NEAREST reads " + std::to_string(dpu[static_cast<size_t>(o)]) +
             " (supported: the pairs that give floor(o / scale), e.g. asymmetric + floor, half_pixel + round_prefer_floor)";
    }
  }
  return "";
}

}  // namespace

Status Lowering::LowerResize(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw) return Fail(n, "Resize input must be an NCHW image tensor");
  const Nhwc id = Dims(in.tensor);
  auto out_shape = g_.ShapeOf(n.outputs[0], 1);
  if (!out_shape.ok()) return Fail(n, out_shape.status().message());
  const int64_t oh = (*out_shape)[2], ow = (*out_shape)[3];
  if (oh % id.h != 0 || ow % id.w != 0 || oh < id.h || ow < id.w)
    return Fail(n, "attribute 'scales' gives " + std::to_string(id.h) + "x" + std::to_string(id.w) + " -> " +
                       std::to_string(oh) + "x" + std::to_string(ow) +
                       "; upsample-fix needs integer factors >= 1");
  UpsampleConfig uc;
  uc.input = id;
  uc.out_h = oh;
  uc.out_w = ow;
  auto params = MakeUpsampleParams(uc, n.name);
  if (!params.ok()) return Fail(n, params.status().message());
  const auto scales = n.attrs.GetFloats("scales");
  std::string why = AxisMismatch(n, params->ys.lo, id.h, oh, scales[0], "row");
  if (why.empty()) why = AxisMismatch(n, params->xs.lo, id.w, ow, scales[1], "column");
  if (!why.empty()) return Fail(n, why);
  DpuFloatOp op;
  op.kind = FixOpKind::kUpsample;
  op.name = n.name;
  op.inputs = {in.tensor};
  ResizeAttrs& a = op.attrs.emplace<ResizeAttrs>();
  a.mode = ResizeMode::kNearest;
  a.scale_h = static_cast<float>(oh / id.h);
  a.scale_w = static_cast<float>(ow / id.w);
  op.transform_note = "nearest x" + std::to_string(oh / id.h) + "," + std::to_string(ow / id.w);
  Produce(n, std::move(op), {1, oh, ow, id.c}, Value::Kind::kNchw);
  return Status::Ok();
}

}  // namespace signdpu::quantize::lowering
