// Pad -> pad-fix over H and W. ONNX "constant" with value 0 -> CONSTANT,
// "reflect" (mirror excluding the edge) -> REFLECT, "edge" (repeat the edge)
// with every pad <= 1 -> SYMMETRIC (mirror including the edge: the same
// pixels for pads of 1). vai_q_pytorch maps torch's 'replicate' to SYMMETRIC
// whatever the pad (torch_op_def.py:1251-1253 mode 2, xop_creator.py:60),
// which differs from edge for pads >= 2: refused here, as is a non-zero
// constant (Xilinx's reference does not read constant_values:
// kernels/reference/pad_fix.h). Pads of the batch or channel dims are refused.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerPad(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw && in.kind != Value::Kind::kNhwc)
    return Fail(n, "padding a flattened tensor is not supported by the lowering");
  const auto pads = n.attrs.GetInts("pads");
  if (pads.size() != 8) return Fail(n, "only 4-D Pad is supported");
  const bool nchw = in.kind == Value::Kind::kNchw;
  // ONNX dim indices of N, H, W, C.
  const size_t dn = 0, dh = nchw ? 2 : 1, dw = nchw ? 3 : 2, dc = nchw ? 1 : 3;
  if (pads[dn] || pads[dn + 4] || pads[dc] || pads[dc + 4])
    return Fail(n, "pads of the batch or channel dim are not supported by pad-fix");
  const std::string mode = n.attrs.GetString("mode", "constant");
  PadAttrs a;
  if (mode == "constant") {
    if (n.attrs.GetFloat("value", 0.0f) != 0.0f)
      return Fail(n, "mode 'constant' with value " + FormatG3(n.attrs.GetFloat("value", 0.0f)) +
                         ": pad-fix pads with 0 only");
    a.mode = PadMode::kConstant;
  } else if (mode == "reflect") {
    a.mode = PadMode::kReflect;
  } else if (mode == "edge") {
    for (int64_t p : pads)
      if (p > 1)
        return Fail(n, "mode 'edge' with pads above 1 has no pad-fix equivalent (pad-fix SYMMETRIC mirrors including "
                       "the edge: equal to edge for pads of 1 only)");
    a.mode = PadMode::kSymmetric;
  } else {
    return Fail(n, "mode '" + mode + "' is not supported (supported: constant 0, reflect, edge with pads of 1)");
  }
  // XIR paddings: (before, after) per NHWC dim.
  a.paddings = {0, 0, static_cast<int>(pads[dh]), static_cast<int>(pads[dh + 4]), static_cast<int>(pads[dw]),
                static_cast<int>(pads[dw + 4]), 0, 0};
  const Nhwc d = Dims(in.tensor);
  const Shape shape{1, d.h + pads[dh] + pads[dh + 4], d.w + pads[dw] + pads[dw + 4], d.c};
  DpuFloatOp op;
  op.kind = FixOpKind::kPad;
  op.name = n.name;
  op.inputs = {in.tensor};
  op.attrs = std::move(a);
  op.transform_note = "Pad " + mode + " -> pad-fix";
  Produce(n, std::move(op), shape, in.kind);
  return Status::Ok();
}

}  // namespace signdpu::quantize::lowering
