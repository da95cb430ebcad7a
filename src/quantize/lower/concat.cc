// Concat -> concat-fix along the matching axis of our NHWC tensors (channels,
// height or width; the batch axis is refused). Inputs may end at different
// fix points: concat-fix requantises each to the output's (the quantiser
// picks the output's, quantize_graph.cc).
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerConcat(const Node& n) {
  if (n.inputs.empty()) return Fail(n, "Concat needs inputs");
  std::vector<Value> ins;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    SIGNDPU_ASSIGN_OR_RETURN(Value v, Get(n, i));
    if (v.kind != Value::Kind::kNchw && v.kind != Value::Kind::kNhwc)
      return Fail(n, "concat of flattened tensors is not supported by the lowering");
    if (!ins.empty() && v.kind != ins[0].kind) return Fail(n, "inputs mix NCHW and NHWC layouts");
    ins.push_back(v);
  }
  int64_t axis = n.attrs.GetInt("axis", 0);
  if (axis < 0) axis += 4;
  const bool nchw = ins[0].kind == Value::Kind::kNchw;
  // Our tensors are [1,H,W,C]: NCHW axis 1 (C) -> 3, 2 (H) -> 1, 3 (W) -> 2.
  static const int kFromNchw[4] = {0, 3, 1, 2};
  if (axis <= 0 || axis > 3) return Fail(n, "concat along axis " + std::to_string(axis) + " (the batch) is not supported");
  const int ours = nchw ? kFromNchw[axis] : static_cast<int>(axis);
  Shape shape = out_.tensors[ins[0].tensor].shape;
  for (size_t i = 1; i < ins.size(); ++i) shape[static_cast<size_t>(ours)] += out_.tensors[ins[i].tensor].shape[static_cast<size_t>(ours)];
  DpuFloatOp op;
  op.kind = FixOpKind::kConcat;
  op.name = n.name;
  for (const Value& v : ins) op.inputs.push_back(v.tensor);
  op.attrs = ConcatAttrs{ours};
  op.transform_note = "axis " + std::to_string(axis) + " -> NHWC axis " + std::to_string(ours);
  Produce(n, std::move(op), shape, ins[0].kind);
  return Status::Ok();
}

}  // namespace signdpu::quantize::lowering
