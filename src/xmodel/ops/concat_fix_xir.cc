// concat-fix in XIR. In the quantiser format a concat takes its inputs'
// float values (no fix op in between) and gets one fix after it, as the RPN
// concat of voxelnet_quantized.xmodel does.
#include "signdpu/ir/op_registry.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

// `axis` (int, negative counts from the end) indexes the XIR tensor shape,
// which is our per-image shape dim for dim; only the last axis (channels of
// NHWC, or of [1, C]) is supported.
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
  if (rank < 2 || normalised != rank - 1)
    return Unsupported(where + ": concat axis " + std::to_string(axis) + " of a rank-" + std::to_string(rank) +
                       " tensor (only the last axis, channels, is supported)");
  f->attrs = ConcatAttrs{normalised};
  return Status::Ok();
}

// The DPU concatenates bytes: the compiler gives all inputs the output's fix
// point (vai_q puts one fix after a concat, none before).
Status ReadConcatDone(const FixGraph& g, const std::string& where, FixOp* f) {
  for (int id : f->inputs)
    SIGNDPU_RETURN_IF_ERROR(ir::CheckConcatInputFixPoint(g.tensors[id], g.tensors[f->output], where));
  return Status::Ok();
}

// Validated: the last axis. Written non-negative (3 for NHWC, 1 for [1, C]),
// as vai_q writes it (voxelnet_quantized.xmodel: concat axis 3).
int WrittenAxis(const FixGraph& g, const FixOp& f) {
  const int rank = static_cast<int>(g.tensors[f.output].shape.size());
  const int axis = f.Attrs<ConcatAttrs>().axis;
  return axis < 0 ? axis + rank : axis;
}

void WriteHost(HostWriteContext&, const FixGraph& g, const FixOp& f, HostOp* op) {
  op->type = names::kConcatFix;
  op->attrs->set_attr<int>(names::kAxis, WrittenAxis(g, f));
}

// Inputs computed by ops enter as floats (no fix in between); a graph input
// enters through its data -> fix [inferred: vai_q always quantises a data op].
Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>&) {
  const FixOp& f = ctx.graph().ops[i];
  std::vector<xir::Op*> values;
  for (int id : f.inputs) values.push_back(ctx.IsGraphInput(id) ? ctx.FixOf(id) : ctx.FloatOf(id));
  auto attrs = NewAttrs();
  attrs->set_attr<int>(names::kAxis, WrittenAxis(ctx.graph(), f));
  return ctx.Finish(ctx.Add(f.name, names::kConcat, std::move(attrs), {{names::kArgInput, values}}), f.output);
}

}  // namespace

const XirOpIo& ConcatFixXir() {
  static const XirOpIo io{FixOpKind::kConcat, {names::kConcatFix}, ReadConcat, ReadConcatDone, nullptr, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
