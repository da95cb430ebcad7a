// hard-sigmoid-fix: arithmetic in kernels/reference/hard_sigmoid_fix.h; one
// code path for every KernelPath.
#include "signdpu/kernels/reference/hard_sigmoid_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Status ValidateHardSigmoid(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
  const FixTensor& in = g.tensors[op.inputs[0]];
  const FixTensor& out = g.tensors[op.output];
  if (in.per_image_size() != out.per_image_size())
    return InvalidArgument(where + ": input has " + std::to_string(in.per_image_size()) + " elements, output " +
                           std::to_string(out.per_image_size()));
  const HardSigmoidAttrs& a = op.Attrs<HardSigmoidAttrs>();
  return MakeHardSigmoidParams(a.hsigmoid_in, a.shift_hsigmoid, out.per_image_size(), where).status();
}

class HardSigmoidOp final : public PreparedOp {
 public:
  explicit HardSigmoidOp(const HardSigmoidParams& params) : params_(params) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    HardSigmoidParams p = params_;
    p.size = params_.size * count;
    reference::HardSigmoidFix(p, inputs[0], output);
  }

 private:
  HardSigmoidParams params_;  // size: one image
};

Result<std::unique_ptr<PreparedOp>> PrepareHardSigmoid(const FixGraph& g, const FixOp& op, KernelPath) {
  const HardSigmoidAttrs& a = op.Attrs<HardSigmoidAttrs>();
  SIGNDPU_ASSIGN_OR_RETURN(HardSigmoidParams p, MakeHardSigmoidParams(a.hsigmoid_in, a.shift_hsigmoid,
                                                                      g.tensors[op.output].per_image_size(), op.name));
  return std::unique_ptr<PreparedOp>(std::make_unique<HardSigmoidOp>(p));
}

}  // namespace

const FixOpDef& HardSigmoidFixOp() {
  static const FixOpDef def{FixOpKind::kHardSigmoid, xmodel::names::kHardSigmoidFix,
                            FixOpAttrsIndex<HardSigmoidAttrs>::value, ValidateHardSigmoid,
                            PrepareHardSigmoid};
  return def;
}

}  // namespace signdpu::ir::internal
