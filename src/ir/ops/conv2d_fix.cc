// conv2d-fix and depthwise-conv2d-fix: arithmetic in
// kernels/reference/conv2d_fix.h, optimised paths in kernels/optimized.
#include "signdpu/kernels/optimized/conv2d_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir {
namespace internal {
namespace {

Status ValidateConv(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 activation input");
  const ConvAttrs& conv = op.Attrs<ConvAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(ConvConfigOf(g, op), where));
  if (static_cast<int64_t>(conv.weights.size()) != p.weights_size())
    return InvalidArgument(where + ": weights have " + std::to_string(conv.weights.size()) + " bytes, expected " +
                           std::to_string(p.weights_size()));
  if (p.config.has_bias && static_cast<int64_t>(conv.bias.size()) != p.output.c)
    return InvalidArgument(where + ": bias has " + std::to_string(conv.bias.size()) + " values, expected " +
                           std::to_string(p.output.c));
  const FixTensor& out = g.tensors[op.output];
  if (p.output.size() != out.per_image_size())
    return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) +
                           ", the conv produces " + ShapeToString(p.output.ToShape()));
  return Status::Ok();
}

Result<std::unique_ptr<PreparedOp>> PrepareConv(const FixGraph& g, const FixOp& op, KernelPath path) {
  const ConvAttrs& conv = op.Attrs<ConvAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(ConvConfigOf(g, op), op.name));
  return WrapConvKernel(
      optimized::PrepareConv2d(p, conv.weights.data(), conv.bias.empty() ? nullptr : conv.bias.data(), path));
}

}  // namespace

const FixOpDef& Conv2dFixOp() {
  static const FixOpDef def{FixOpKind::kConv2d, xmodel::names::kConv2dFix, FixOpAttrsIndex<ConvAttrs>::value,
                            ValidateConv, PrepareConv};
  return def;
}

const FixOpDef& DepthwiseConv2dFixOp() {
  static const FixOpDef def{FixOpKind::kDepthwiseConv2d, xmodel::names::kDepthwiseConv2dFix,
                            FixOpAttrsIndex<ConvAttrs>::value, ValidateConv, PrepareConv};
  return def;
}

}  // namespace internal

namespace {

class ConvOp final : public PreparedOp {
 public:
  explicit ConvOp(std::unique_ptr<optimized::PreparedConv2d> kernel) : kernel_(std::move(kernel)) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    kernel_->Run(inputs[0], output, count);
  }

 private:
  std::unique_ptr<optimized::PreparedConv2d> kernel_;
};

}  // namespace

std::unique_ptr<PreparedOp> WrapConvKernel(std::unique_ptr<optimized::PreparedConv2d> kernel) {
  return std::make_unique<ConvOp>(std::move(kernel));
}

}  // namespace signdpu::ir
