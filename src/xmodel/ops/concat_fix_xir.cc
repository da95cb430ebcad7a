// concat-fix in XIR, along any axis, inputs at any fix points (requantised to
// the output's: kernels/reference/concat_fix.h). In the quantiser format a
// concat takes its inputs' float values (no fix op in between) and gets one
// fix after it, as the RPN concat of voxelnet_quantized.xmodel does; an input
// with other readers keeps its own fix op and is requantised by the concat's.
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "operand_io.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

// `axis` (int, negative counts from the end) indexes the XIR tensor shape,
// which is our per-image shape dim for dim.
Status ReadConcat(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kConcat;
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto inputs, ctx.ArgOps(op, names::kArgInput, 1, 64, where));
  for (const xir::Op* in : inputs) {
    SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in, where));
    f->inputs.push_back(id);
  }
  SIGNDPU_ASSIGN_OR_RETURN(int axis, GetAttr<int>(op, names::kAxis, where));
  const int rank = static_cast<int>(op->get_output_tensor()->get_shape().size());
  const int normalised = axis < 0 ? axis + rank : axis;
  if (normalised < 0 || normalised >= rank)
    return InvalidArgument(where + ": axis " + std::to_string(axis) + " is out of range for rank " +
                           std::to_string(rank));
  f->attrs = ConcatAttrs{normalised};
  return Status::Ok();
}

// Written non-negative (3 for NHWC channels), as vai_q writes it
// (voxelnet_quantized.xmodel: concat axis 3).
int WrittenAxis(const FixGraph& g, const FixOp& f) {
  const int rank = static_cast<int>(g.tensors[f.output].shape.size());
  const int axis = f.Attrs<ConcatAttrs>().axis;
  return axis < 0 ? axis + rank : axis;
}

void WriteHost(HostWriteContext&, const FixGraph& g, const FixOp& f, HostOp* op) {
  op->type = names::kConcatFix;
  op->attrs->set_attr<int>(names::kAxis, WrittenAxis(g, f));
}

// True when an op computes tensor `id` and its only reader is one concat:
// vai_q gives it no fix op of its own (the writer's FindConcatOnly; vai_q_pytorch
// nndctgraph_holder.py:268-285).
bool ConcatOnly(const FixGraph& g, int id) {
  bool produced = false;
  int concat_uses = 0;
  for (const FixOp& op : g.ops) {
    produced = produced || op.output == id;
    for (int in : op.inputs) {
      if (in != id) continue;
      if (op.kind != FixOpKind::kConcat) return false;
      ++concat_uses;
    }
  }
  for (int out : g.outputs)
    if (out == id) return false;
  return produced && concat_uses == 1;
}

// An input read by one concat only enters as its float value (no fix in
// between; it must then share the output's fix point, as vai_q's always
// does); any other input enters through its own fix op, so the concat's fix
// requantises it (vai_q_pytorch xop_creator.py:667 default_xop: the inputs'
// ops as they are, then the concat's fix) [inferred for the graph input:
// vai_q always quantises a data op].
Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  const FixOp& f = ctx.graph().ops[i];
  const FixGraph& g = ctx.graph();
  std::vector<xir::Op*> values;
  for (int id : f.inputs) {
    const bool bare = ConcatOnly(g, id);
    if (bare && g.tensors[id].fix_point != g.tensors[f.output].fix_point) return NoQuantizerForm(ctx, i, names::kConcatFix);
    values.push_back(bare ? ctx.FloatOf(id) : ctx.FixOf(id));
  }
  auto attrs = NewAttrs();
  attrs->set_attr<int>(names::kAxis, WrittenAxis(g, f));
  return ctx.Finish(ctx.Add(f.name, names::kConcat, std::move(attrs), {{names::kArgInput, values}}), f.output);
}

}  // namespace

const XirOpIo& ConcatFixXir() {
  static const XirOpIo io{FixOpKind::kConcat, {names::kConcatFix}, ReadConcat, nullptr, nullptr, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
