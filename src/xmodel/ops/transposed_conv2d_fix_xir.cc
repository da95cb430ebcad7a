// transposed-conv2d-fix and transposed-depthwise-conv2d-fix in XIR: read
// from compiled xmodels (vai_c_xir 2.5 writes kernel, stride, dilation, pad
// and nonlinear, no group [checked: vai25_zcu104_pointpillars.xmodel]),
// written to the host xmodel (the same, const-fix weights/bias) and to the
// quantiser format (transposed-conv2d + const -> fix, as vai_q_pytorch).
#include "signdpu/xmodel/xir_names.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadTransposed(XirReadContext& ctx, const xir::Op* op, const std::string& type, const std::string& where,
                      FixOp* f) {
  const bool depthwise = type == names::kTransposedDepthwiseConv2dFix;
  f->kind = depthwise ? FixOpKind::kTransposedDepthwiseConv2d : FixOpKind::kTransposedConv2d;
  return ReadConvCommon(ctx, op, depthwise, where, f);
}

void WriteHost(HostWriteContext& ctx, const FixGraph& g, const FixOp& f, HostOp* op) {
  op->type = f.kind == FixOpKind::kTransposedDepthwiseConv2d ? names::kTransposedDepthwiseConv2dFix
                                                              : names::kTransposedConv2dFix;
  WriteConvHost(ctx, g, f, op);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  return WriteQuantizerConv(ctx, ctx.graph().ops[i], ins[0]);
}

}  // namespace

const XirOpIo& TransposedConv2dFixXir() {
  static const XirOpIo io{FixOpKind::kTransposedConv2d, {names::kTransposedConv2dFix}, ReadTransposed, nullptr,
                          HostConsts, WriteHost, WriteQuantizer};
  return io;
}

const XirOpIo& TransposedDepthwiseConv2dFixXir() {
  static const XirOpIo io{FixOpKind::kTransposedDepthwiseConv2d, {names::kTransposedDepthwiseConv2dFix},
                          ReadTransposed, nullptr, HostConsts, WriteHost, WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
