// reshape-fix (and upload / download, which the DPU subgraph reader maps to
// it): a byte copy, one code path for every KernelPath.
#include "signdpu/kernels/reference/convert_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Status ValidateCopy(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
  const FixTensor& in = g.tensors[op.inputs[0]];
  const FixTensor& out = g.tensors[op.output];
  if (in.per_image_size() != out.per_image_size())
    return InvalidArgument(where + ": copies " + std::to_string(in.per_image_size()) + " bytes into " +
                           std::to_string(out.per_image_size()));
  if (in.fix_point != out.fix_point)
    return Unsupported(where + ": copy changes fix_point from " + std::to_string(in.fix_point) + " to " +
                       std::to_string(out.fix_point));
  return Status::Ok();
}

class CopyOp final : public PreparedOp {
 public:
  explicit CopyOp(int64_t size) : size_(size) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    reference::CopyFix(inputs[0], size_ * count, output);
  }

 private:
  int64_t size_;  // one image
};

Result<std::unique_ptr<PreparedOp>> PrepareCopy(const FixGraph& g, const FixOp& op, KernelPath) {
  return std::unique_ptr<PreparedOp>(std::make_unique<CopyOp>(g.tensors[op.output].per_image_size()));
}

}  // namespace

const FixOpDef& CopyFixOp() {
  static const FixOpDef def{FixOpKind::kCopy, xmodel::names::kReshapeFix, FixOpAttrsIndex<CopyAttrs>::value, ValidateCopy, PrepareCopy};
  return def;
}

}  // namespace signdpu::ir::internal
