// pool-fix in XIR. The quantiser format writes MAX as maxpool2d and AVG as
// vai_q_pytorch 2.5 does: avgpool2d "<name>_i0" -> mul(<that>, const
// "<name>_i1" = [kh*kw * N / 2^M]) "<name>" -> fix [source: Vitis-AI v2.5
// src/Vitis-AI-Quantizer/vai_q_pytorch/nndct_shared/compile/xop_creator.py
// avgpool :408-452]; the DPU multiplies the window sum by N / 2^M
// (kernels/reference/pool_fix.h), so the float graph computes what it does.
#include <cmath>

#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "../writer_common.h"
#include "xir_op_io.h"

namespace signdpu::xmodel::internal {
namespace {

Status ReadPool(XirReadContext& ctx, const xir::Op* op, const std::string&, const std::string& where, FixOp* f) {
  f->kind = FixOpKind::kPool;
  SIGNDPU_RETURN_IF_ERROR(ctx.CheckArgNames(op, {names::kArgInput}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto in, ctx.ArgOps(op, names::kArgInput, 1, 1, where));
  SIGNDPU_ASSIGN_OR_RETURN(int in_id, ctx.ActivationId(in[0], where));
  f->inputs = {in_id};
  if (ctx.graph().tensors[in_id].shape.size() != 4) return Unsupported(where + ": input is not NHWC");
  PoolAttrs& p = f->attrs.emplace<PoolAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(std::string type, GetAttr<std::string>(op, names::kType, where));
  if (type == names::kPoolMax) {
    p.type = PoolType::kMax;
  } else if (type == names::kPoolAvg) {
    p.type = PoolType::kAvg;
    SIGNDPU_ASSIGN_OR_RETURN(bool include_pad, GetAttrOr<bool>(op, names::kCountIncludePad, true, where));
    if (!include_pad) return Unsupported(where + ": AVG pool with count_include_pad = false");
  } else {
    return Unsupported(where + ": pool type " + type + " (supported: MAX, AVG)");
  }
  SIGNDPU_ASSIGN_OR_RETURN(auto kernel, ctx.WindowAttr(op, names::kKernel, 2, 1, kMaxWindow, {}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto stride, ctx.WindowAttr(op, names::kStride, 2, 1, kMaxWindow, {}, where));
  SIGNDPU_ASSIGN_OR_RETURN(auto pad, ctx.WindowAttr(op, names::kPad, 4, 0, kMaxWindow, {0, 0, 0, 0}, where));
  p.kernel_w = kernel[0]; p.kernel_h = kernel[1];
  p.stride_w = stride[0]; p.stride_h = stride[1];
  p.pad_left = pad[0]; p.pad_right = pad[1]; p.pad_top = pad[2]; p.pad_bottom = pad[3];
  return Status::Ok();
}

void WriteHost(HostWriteContext&, const FixGraph&, const FixOp& f, HostOp* op) {
  const PoolAttrs& p = f.Attrs<PoolAttrs>();
  op->type = names::kPoolFix;
  op->attrs->set_attr<std::vector<int>>(names::kKernel, {p.kernel_w, p.kernel_h});
  op->attrs->set_attr<std::vector<int>>(names::kStride, {p.stride_w, p.stride_h});
  op->attrs->set_attr<std::vector<int>>(names::kPad, {p.pad_left, p.pad_right, p.pad_top, p.pad_bottom});
  op->attrs->set_attr<std::string>(names::kType, p.type == PoolType::kMax ? names::kPoolMax : names::kPoolAvg);
}

Status WriteQuantizer(QuantizerWriteContext& ctx, size_t i, const std::vector<xir::Op*>& ins) {
  const FixOp& f = ctx.graph().ops[i];
  const PoolAttrs& p = f.Attrs<PoolAttrs>();
  auto attrs = NewAttrs();
  attrs->set_attr<std::vector<int>>(names::kKernel, {p.kernel_w, p.kernel_h});
  attrs->set_attr<std::vector<int>>(names::kStride, {p.stride_w, p.stride_h});
  attrs->set_attr<std::vector<int>>(names::kPad, {p.pad_left, p.pad_right, p.pad_top, p.pad_bottom});
  attrs->set_attr<std::string>(names::kPadMode, names::kPadModeFloor);
  attrs->set_attr<bool>(names::kGlobal, false);
  if (p.type != PoolType::kAvg)
    return ctx.Finish(ctx.Add(f.name, names::kMaxPool2d, std::move(attrs), {{names::kArgInput, ins}}), f.output);
  // Padded pixels count in the divisor: the DPU divides by kh*kw.
  attrs->set_attr<bool>(names::kCountIncludePad, true);
  attrs->set_attr<bool>(names::kCountIncludeInvalid, true);
  // avgpool2d computes sum / (kh*kw); the DPU computes sum * N / 2^M.
  int64_t n = 1;
  int m = 0;
  AvgPoolFactor(p.kernel_h, p.kernel_w, &n, &m);
  const float scale = static_cast<float>(p.kernel_h * p.kernel_w * static_cast<double>(n) / std::ldexp(1.0, m));
  xir::Op* pool = ctx.Add(f.name + "_i0", names::kAvgPool2d, std::move(attrs), {{names::kArgInput, ins}});
  return ctx.Finish(ctx.AddScaled(f.name, pool, scale), f.output);
}

}  // namespace

const XirOpIo& PoolFixXir() {
  static const XirOpIo io{FixOpKind::kPool, {names::kPoolFix}, ReadPool, nullptr, nullptr, WriteHost,
                          WriteQuantizer};
  return io;
}

}  // namespace signdpu::xmodel::internal
