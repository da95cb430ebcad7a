// Transpose: NCHW <-> NHWC is a layout change, not an op.
#include "lowering.h"

#include <sstream>

namespace signdpu::quantize::lowering {

Status Lowering::LowerTranspose(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value v, Get(n, 0));
  const auto perm = n.attrs.GetInts("perm");
  if (v.kind == Value::Kind::kNhwc && perm == std::vector<int64_t>{0, 3, 1, 2}) v.kind = Value::Kind::kNchw;
  else if (v.kind == Value::Kind::kNchw && perm == std::vector<int64_t>{0, 2, 3, 1}) v.kind = Value::Kind::kNhwc;
  else {
    std::ostringstream s;
    for (size_t i = 0; i < perm.size(); ++i) s << (i ? "," : "") << perm[i];
    return Fail(n, "Transpose perm [" + s.str() + "] is not an NCHW<->NHWC layout change");
  }
  values_[n.outputs[0]] = v;  // same data, other layout: no op
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
