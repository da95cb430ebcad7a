#include "op_util.h"

#include <algorithm>

namespace signdpu::ir::internal {

Nhwc ToNhwc(const Shape& s) {
  Nhwc r;
  if (s.size() == 4) { r.n = s[0]; r.h = s[1]; r.w = s[2]; r.c = s[3]; }
  else if (s.size() == 2) { r.n = s[0]; r.c = s[1]; }
  else if (s.size() == 3) { r.n = s[0]; r.w = s[1]; r.c = s[2]; }
  else { r.n = s.empty() ? 1 : s[0]; r.c = NumElements(s) / std::max<int64_t>(1, r.n); }
  return r;
}

ConvConfig EffectiveConv(const FixGraph& g, const FixOp& op, int batch) {
  ConvConfig c = op.conv;
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  c.depthwise = op.kind == FixOpKind::kDepthwiseConv2d;
  return c;
}

PoolConfig EffectivePool(const FixGraph& g, const FixOp& op, int batch) {
  PoolConfig c = op.pool;
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  return c;
}

}  // namespace signdpu::ir::internal
