// eltwise-fix (ADD): arithmetic in kernels/reference/eltwise_fix.h; one
// code path for every KernelPath.
#include "signdpu/kernels/reference/eltwise_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<EltwiseParams> MakeParams(const FixGraph& g, const FixOp& op, const std::string& where) {
  std::vector<int> fis;
  for (int id : op.inputs) fis.push_back(g.tensors[id].fix_point);
  const FixTensor& out = g.tensors[op.output];
  return MakeEltwiseParams(fis, out.fix_point, out.per_image_size(), op.Attrs<EltwiseAttrs>().activation, where);
}

Status ValidateEltwise(const FixGraph& g, const FixOp& op, const std::string& where) {
  const FixTensor& out = g.tensors[op.output];
  for (int id : op.inputs)
    if (g.tensors[id].per_image_size() != out.per_image_size())
      return InvalidArgument(where + ": input " + g.tensors[id].name + " size differs from the output");
  return MakeParams(g, op, where).status();
}

class EltwiseOp final : public PreparedOp {
 public:
  explicit EltwiseOp(const EltwiseParams& params) : params_(params) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    EltwiseParams p = params_;
    p.size = params_.size * count;
    reference::EltwiseAddFix(p, inputs, output);
  }

 private:
  EltwiseParams params_;  // size: one image
};

Result<std::unique_ptr<PreparedOp>> PrepareEltwise(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(EltwiseParams p, MakeParams(g, op, op.name));
  return std::unique_ptr<PreparedOp>(std::make_unique<EltwiseOp>(p));
}

}  // namespace

const FixOpDef& EltwiseFixOp() {
  static const FixOpDef def{FixOpKind::kEltwiseAdd, xmodel::names::kEltwiseFix, FixOpAttrsIndex<EltwiseAttrs>::value,
                            ValidateEltwise, PrepareEltwise};
  return def;
}

}  // namespace signdpu::ir::internal
