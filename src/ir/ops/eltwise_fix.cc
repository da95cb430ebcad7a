// eltwise-fix (ADD, MUL; inputs may include const-fix operands and broadcast):
// arithmetic in kernels/reference/eltwise_fix.h. Same-shape operands run the
// optimised kernel (kernels/optimized/eltwise_fix.h) on every path but the
// reference one, over the whole batch at once.
#include "signdpu/kernels/optimized/eltwise_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"

#include "op_util.h"
#include "operands.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

struct Prepared {
  Operands operands;
  EltwiseParams params;  // one image
};

Result<Prepared> MakeParams(const FixGraph& g, const FixOp& op, const std::string& where) {
  const EltwiseAttrs& a = op.Attrs<EltwiseAttrs>();
  Prepared p;
  SIGNDPU_ASSIGN_OR_RETURN(p.operands, OperandsOf(g, op, a.consts, where));
  const FixTensor& out = g.tensors[op.output];
  EltwiseConfig c;
  c.type = a.type;
  c.fix_in = p.operands.fix_points;
  c.fix_out = out.fix_point;
  c.out_shape = out.shape;
  c.in_shapes = p.operands.shapes;
  c.activation = a.activation;
  SIGNDPU_ASSIGN_OR_RETURN(p.params, MakeEltwiseParams(c, where));
  return p;
}

Status ValidateEltwise(const FixGraph& g, const FixOp& op, const std::string& where) {
  return MakeParams(g, op, where).status();
}

class EltwiseOp final : public PreparedOp {
 public:
  EltwiseOp(Prepared p, bool optimized) : p_(std::move(p)), optimized_(optimized) {
    whole_batch_ = !p_.params.any_broadcast;
    for (int t : p_.operands.tensor_index) whole_batch_ = whole_batch_ && t >= 0;
  }
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    const EltwiseParams& one = p_.params;
    if (whole_batch_ && optimized_) {
      EltwiseParams all = one;  // every operand is a per-image tensor of the output's size
      all.size = one.size * count;
      optimized::EltwiseFix(all, p_.operands.For(inputs, 0), output);
      return;
    }
    for (int i = 0; i < count; ++i) reference::EltwiseFix(one, p_.operands.For(inputs, i), output + i * one.size);
  }

 private:
  Prepared p_;
  bool optimized_;
  bool whole_batch_ = false;  // same-shape tensor operands only: one call for the batch
};

Result<std::unique_ptr<PreparedOp>> PrepareEltwise(const FixGraph& g, const FixOp& op, KernelPath path) {
  SIGNDPU_ASSIGN_OR_RETURN(Prepared p, MakeParams(g, op, op.name));
  return std::unique_ptr<PreparedOp>(std::make_unique<EltwiseOp>(std::move(p), path != KernelPath::kReference));
}

}  // namespace

const FixOpDef& EltwiseFixOp() {
  static const FixOpDef def{FixOpKind::kEltwiseAdd, xmodel::names::kEltwiseFix, FixOpAttrsIndex<EltwiseAttrs>::value,
                            ValidateEltwise, PrepareEltwise};
  return def;
}

}  // namespace signdpu::ir::internal
