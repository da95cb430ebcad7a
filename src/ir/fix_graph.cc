#include "signdpu/ir/fix_graph.h"

#include <algorithm>

#include "signdpu/ir/op_registry.h"

namespace signdpu {

const char* FixOpKindName(FixOpKind kind) {
  const ir::FixOpDef* def = ir::FindFixOpDef(kind);
  return def ? def->name : "?";
}

int FixGraph::FindTensor(const std::string& tensor_name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == tensor_name) return static_cast<int>(i);
  return -1;
}

Nhwc ToNhwc(const Shape& s) {
  Nhwc r;
  if (s.size() == 4) { r.n = s[0]; r.h = s[1]; r.w = s[2]; r.c = s[3]; }
  else if (s.size() == 2) { r.n = s[0]; r.c = s[1]; }
  else if (s.size() == 3) { r.n = s[0]; r.w = s[1]; r.c = s[2]; }
  else { r.n = s.empty() ? 1 : s[0]; r.c = NumElements(s) / std::max<int64_t>(1, r.n); }
  return r;
}

ConvConfig ConvConfigOf(const FixGraph& g, const FixOp& op, int batch) {
  ConvConfig c;
  static_cast<ConvSpec&>(c) = op.Attrs<ConvAttrs>();
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  c.depthwise = op.kind == FixOpKind::kDepthwiseConv2d || op.kind == FixOpKind::kTransposedDepthwiseConv2d;
  return c;
}

ConvConfig GroupConvConfigOf(const FixGraph& g, const FixOp& op, size_t k, int batch) {
  const ConvGroup& group = op.Attrs<GroupedConvAttrs>().groups[k];
  ConvConfig c;
  static_cast<ConvSpec&>(c) = group.conv;
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[group.tensor].fix_point;
  return c;
}

PoolConfig PoolConfigOf(const FixGraph& g, const FixOp& op, int batch) {
  PoolConfig c;
  static_cast<PoolSpec&>(c) = op.Attrs<PoolAttrs>();
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  return c;
}

FixOp MakeFixOp(FixOpKind kind, std::string name, std::vector<int> inputs, int output, FixOpAttrs attrs) {
  FixOp op;
  op.kind = kind;
  op.name = std::move(name);
  op.inputs = std::move(inputs);
  op.output = output;
  op.attrs = std::move(attrs);
  return op;
}

namespace {

Status ValidateTensors(const FixGraph& g) {
  for (const FixTensor& t : g.tensors) {
    if (t.shape.empty() || NumElements(t.shape) <= 0)
      return InvalidArgument("tensor " + t.name + ": shape " + ShapeToString(t.shape) + " is empty");
    if (t.shape[0] != 1)
      return InvalidArgument("tensor " + t.name + ": per-image shape must have dim 0 = 1, got " + ShapeToString(t.shape));
    if (t.bit_width != 8 || !t.if_signed)
      return Unsupported("tensor " + t.name + ": only signed 8-bit tensors are supported, got bit_width " +
                         std::to_string(t.bit_width) + (t.if_signed ? " signed" : " unsigned"));
  }
  return Status::Ok();
}

// The checks every op gets (ids, definition before use, one writer per
// tensor), then the op's own (its registration). `defined` marks the tensors
// computed so far.
Status ValidateOps(const FixGraph& g, std::vector<bool>* defined) {
  const int nt = static_cast<int>(g.tensors.size());
  auto bad_id = [&](int id) { return id < 0 || id >= nt; };
  for (const FixOp& op : g.ops) {
    const std::string where = op.name + " (" + FixOpKindName(op.kind) + ")";
    if (op.inputs.empty()) return InvalidArgument(where + ": no inputs");
    for (int id : op.inputs) {
      if (bad_id(id)) return InvalidArgument(where + ": input id " + std::to_string(id) + " out of range");
      if (!(*defined)[id]) return InvalidArgument(where + ": input " + g.tensors[id].name + " is not computed before use");
    }
    if (bad_id(op.output)) return InvalidArgument(where + ": output id out of range");
    if ((*defined)[op.output]) return InvalidArgument(where + ": output " + g.tensors[op.output].name + " written twice");
    (*defined)[op.output] = true;
    const ir::FixOpDef* def = ir::FindFixOpDef(op.kind);
    if (def == nullptr)
      return InvalidArgument(where + ": op kind " + std::to_string(static_cast<int>(op.kind)) + " is not registered");
    if (op.attrs.index() != def->attrs)
      return InvalidArgument(where + ": attributes are alternative " + std::to_string(op.attrs.index()) +
                             " of FixOpAttrs, the op kind reads " + std::to_string(def->attrs));
    SIGNDPU_RETURN_IF_ERROR(def->validate(g, op, where));
  }
  return Status::Ok();
}

}  // namespace

Status FixGraph::Validate() const {
  const int nt = static_cast<int>(tensors.size());
  auto bad_id = [&](int id) { return id < 0 || id >= nt; };
  std::vector<bool> defined(tensors.size(), false);
  for (int id : inputs) {
    if (bad_id(id)) return InvalidArgument(name + ": graph input id " + std::to_string(id) + " out of range");
    defined[id] = true;
  }
  SIGNDPU_RETURN_IF_ERROR(ValidateTensors(*this));
  SIGNDPU_RETURN_IF_ERROR(ValidateOps(*this, &defined));
  for (int id : outputs) {
    if (bad_id(id)) return InvalidArgument(name + ": graph output id out of range");
    if (!defined[id]) return InvalidArgument(name + ": graph output " + tensors[id].name + " is never computed");
  }
  return Status::Ok();
}

}  // namespace signdpu
