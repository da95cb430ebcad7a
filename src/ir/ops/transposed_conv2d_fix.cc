// transposed-conv2d-fix and transposed-depthwise-conv2d-fix: arithmetic in
// kernels/reference/transposed_conv2d_fix.h (docs/arithmetic.md 5b), the
// optimised path in kernels/optimized/transposed_conv2d_fix.h. The op's conv
// attributes are XIR's: stride = zero-insertion factors, pad = XIR's pad.
#include "signdpu/kernels/optimized/transposed_conv2d_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir {
namespace internal {
namespace {

Status ValidateTransposed(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 activation input");
  if (g.tensors[op.inputs[0]].shape.size() != 4) return InvalidArgument(where + ": input is not NHWC");
  const ConvAttrs& conv = op.Attrs<ConvAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(TransposedConvParams p, MakeTransposedConvParams(ConvConfigOf(g, op), where));
  if (static_cast<int64_t>(conv.weights.size()) != p.weights_size())
    return InvalidArgument(where + ": weights have " + std::to_string(conv.weights.size()) + " bytes, expected " +
                           std::to_string(p.weights_size()));
  if (p.conv.config.has_bias && static_cast<int64_t>(conv.bias.size()) != p.output().c)
    return InvalidArgument(where + ": bias has " + std::to_string(conv.bias.size()) + " values, expected " +
                           std::to_string(p.output().c));
  const FixTensor& out = g.tensors[op.output];
  if (p.output().ToShape() != out.shape)
    return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) +
                           ", the transposed conv produces " + ShapeToString(p.output().ToShape()));
  return Status::Ok();
}

Result<std::unique_ptr<PreparedOp>> PrepareTransposed(const FixGraph& g, const FixOp& op, KernelPath path) {
  const ConvAttrs& conv = op.Attrs<ConvAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(TransposedConvParams p, MakeTransposedConvParams(ConvConfigOf(g, op), op.name));
  return WrapConvKernel(optimized::PrepareTransposedConv2d(p, conv.weights.data(),
                                                           conv.bias.empty() ? nullptr : conv.bias.data(), path));
}

}  // namespace

const FixOpDef& TransposedConv2dFixOp() {
  static const FixOpDef def{FixOpKind::kTransposedConv2d, xmodel::names::kTransposedConv2dFix,
                            FixOpAttrsIndex<ConvAttrs>::value, ValidateTransposed,
                            PrepareTransposed};
  return def;
}

const FixOpDef& TransposedDepthwiseConv2dFixOp() {
  static const FixOpDef def{FixOpKind::kTransposedDepthwiseConv2d, xmodel::names::kTransposedDepthwiseConv2dFix,
                            FixOpAttrsIndex<ConvAttrs>::value, ValidateTransposed, PrepareTransposed};
  return def;
}

}  // namespace internal
}  // namespace signdpu::ir
