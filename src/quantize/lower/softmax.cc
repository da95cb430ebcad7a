// Softmax: only as the last op, on the CPU.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerSoftmax(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  bool is_output = false;
  for (const auto& o : g_.outputs()) is_output |= g_.Resolve(o) == n.outputs[0];
  if (!is_output) return Fail(n, "Softmax is supported only as the last op (it runs on the CPU)");
  const Nhwc d = Dims(in.tensor);
  if (d.h != 1 || d.w != 1) return Fail(n, "Softmax over a spatial tensor is not supported");
  out_.softmax_on_cpu = true;
  out_.softmax_axis = static_cast<int>(n.attrs.GetInt("axis", 1));
  out_.source_logits = g_.Resolve(n.inputs[0]);
  last_ = in;
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
