#include "signdpu/ir/fix_graph.h"

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
