// pool-fix (MAX / AVG): arithmetic in kernels/reference/pool_fix.h,
// optimised path in kernels/optimized/pool_fix.h.
#include "signdpu/kernels/optimized/pool_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Status ValidatePool(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
  SIGNDPU_ASSIGN_OR_RETURN(PoolParams p, MakePoolParams(PoolConfigOf(g, op), where));
  const FixTensor& out = g.tensors[op.output];
  if (p.output.size() != out.per_image_size())
    return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) +
                           ", the pool produces " + ShapeToString(p.output.ToShape()));
  return Status::Ok();
}

class PoolOp final : public PreparedOp {
 public:
  explicit PoolOp(std::unique_ptr<optimized::PreparedPool> kernel) : kernel_(std::move(kernel)) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    kernel_->Run(inputs[0], output, count);
  }

 private:
  std::unique_ptr<optimized::PreparedPool> kernel_;
};

Result<std::unique_ptr<PreparedOp>> PreparePoolOp(const FixGraph& g, const FixOp& op, KernelPath path) {
  SIGNDPU_ASSIGN_OR_RETURN(PoolParams p, MakePoolParams(PoolConfigOf(g, op), op.name));
  return std::unique_ptr<PreparedOp>(std::make_unique<PoolOp>(optimized::PreparePool(p, path)));
}

}  // namespace

const FixOpDef& PoolFixOp() {
  static const FixOpDef def{FixOpKind::kPool, xmodel::names::kPoolFix, FixOpAttrsIndex<PoolAttrs>::value, ValidatePool,
                            PreparePoolOp};
  return def;
}

}  // namespace signdpu::ir::internal
