// reshape-fix in XIR (upload and download of compiled xmodels read as the
// same byte copy); the quantiser format writes reshape.
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadCopy(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kCopy;
  f->attrs = CopyAttrs{};
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto in, ctx.ArgOps(op, names::kArgInput, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(int id, ctx.ActivationId(in[0], where));
  f->inputs = {id};
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph& g, const FixOp& f, HostOp* op) {
  op->type = names::kReshapeFix;
  op->attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(g.tensors[f.output].shape));
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  auto attrs = NewAttrs();
  attrs->set_attr<std::vector<int>>(names::kShape, ToIntVector(ctx.graph().tensors[f.output].shape));
  return ctx.Finish(ctx.Add(f.name, names::kReshape, std::move(attrs), {{names::kArgInput, ins}}), f.output);
}

}  // namespace

const XirOpIo& CopyFixXir() {
  static const XirOpIo io{FixOpKind::kCopy, {names::kReshapeFix, names::kUpload, names::kDownload}, ReadCopy, nullptr,
                          nullptr, WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
