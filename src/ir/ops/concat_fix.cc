// concat-fix along any axis, each input requantised to the output's fix point
// (a byte copy when they agree): arithmetic in kernels/reference/concat_fix.h;
// one code path for every KernelPath.
#include "signdpu/kernels/reference/concat_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

Result<ConcatParams> MakeParams(const FixGraph& g, const FixOp& op, const std::string& where) {
  std::vector<Shape> shapes;
  std::vector<int> fix;
  for (int id : op.inputs) {
    shapes.push_back(g.tensors[id].shape);
    fix.push_back(g.tensors[id].fix_point);
  }
  const FixTensor& out = g.tensors[op.output];
  return MakeConcatParams(shapes, fix, out.shape, out.fix_point, op.Attrs<ConcatAttrs>().axis,
                          where + " (output " + out.name + ")");
}

Status ValidateConcat(const FixGraph& g, const FixOp& op, const std::string& where) {
  return MakeParams(g, op, where).status();
}

class ConcatOp final : public PreparedOp {
 public:
  ConcatOp(ConcatParams params, std::vector<int64_t> in_sizes, int64_t out_size)
      : params_(std::move(params)), in_sizes_(std::move(in_sizes)), out_size_(out_size) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    std::vector<const int8_t*> ins(inputs.size());
    for (int i = 0; i < count; ++i) {
      for (size_t k = 0; k < ins.size(); ++k) ins[k] = inputs[k] + i * in_sizes_[k];
      reference::ConcatFix(params_, ins, output + i * out_size_);
    }
  }

 private:
  ConcatParams params_;            // one image
  std::vector<int64_t> in_sizes_;  // per input, per image
  int64_t out_size_;
};

Result<std::unique_ptr<PreparedOp>> PrepareConcat(const FixGraph& g, const FixOp& op, KernelPath) {
  SIGNDPU_ASSIGN_OR_RETURN(ConcatParams p, MakeParams(g, op, op.name));
  std::vector<int64_t> sizes;
  for (int id : op.inputs) sizes.push_back(g.tensors[id].per_image_size());
  return std::unique_ptr<PreparedOp>(
      std::make_unique<ConcatOp>(std::move(p), std::move(sizes), g.tensors[op.output].per_image_size()));
}

}  // namespace

const FixOpDef& ConcatFixOp() {
  static const FixOpDef def{FixOpKind::kConcat, xmodel::names::kConcatFix, FixOpAttrsIndex<ConcatAttrs>::value,
                            ValidateConcat, PrepareConcat};
  return def;
}

}  // namespace signdpu::ir::internal
