// depthwise-fix: element-wise ADD / MUL of two operands (a map and, typically,
// a per-channel const-fix); arithmetic in kernels/reference/depthwise_fix.h.
#include "signdpu/kernels/reference/depthwise_fix.h"

#include "op_util.h"
#include "operands.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

struct Prepared {
  Operands operands;
  DepthwiseFixParams params;  // one image
};

Result<Prepared> PrepareParams(const FixGraph& g, const FixOp& op, const std::string& where) {
  const DepthwiseFixAttrs& a = op.Attrs<DepthwiseFixAttrs>();
  Prepared p;
  SIGNDPU_ASSIGN_OR_RETURN(p.operands, OperandsOf(g, op, a.consts, where));
  const FixTensor& out = g.tensors[op.output];
  SIGNDPU_ASSIGN_OR_RETURN(p.params, MakeDepthwiseFixParams(a.type, p.operands.fix_points, p.operands.shapes,
                                                            out.shape, out.fix_point, where));
  return p;
}

Status ValidateDepthwiseFix(const FixGraph& g, const FixOp& op, const std::string& where) {
  return PrepareParams(g, op, where).status();
}

class DepthwiseFixOp final : public PreparedOp {
 public:
  DepthwiseFixOp(Prepared p, int64_t out_size) : p_(std::move(p)), out_size_(out_size) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    for (int i = 0; i < count; ++i) reference::DepthwiseFix(p_.params, p_.operands.For(inputs, i), output + i * out_size_);
  }

 private:
  Prepared p_;
  int64_t out_size_;
};

Result<std::unique_ptr<PreparedOp>> PrepareDepthwiseFix(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(Prepared p, PrepareParams(g, op, op.name));
  return std::unique_ptr<PreparedOp>(std::make_unique<DepthwiseFixOp>(std::move(p), g.tensors[op.output].per_image_size()));
}

}  // namespace

const FixOpDef& DepthwiseFixOp() {
  static const FixOpDef def{FixOpKind::kDepthwiseFix, xmodel::names::kDepthwiseFix,
                            FixOpAttrsIndex<DepthwiseFixAttrs>::value, ValidateDepthwiseFix, PrepareDepthwiseFix};
  return def;
}

}  // namespace signdpu::ir::internal
