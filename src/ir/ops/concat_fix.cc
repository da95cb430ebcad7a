// concat-fix along the channel (last) axis: byte copies, bit-exact by
// construction, one code path for every KernelPath.
#include "signdpu/kernels/reference/convert_fix.h"

#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir::internal {
namespace {

// Checks axis, shapes and fix points, names the op and the offending tensor.
Status ValidateConcat(const FixGraph& g, const FixOp& op, const std::string& where) {
  const FixTensor& out = g.tensors[op.output];
  const int rank = static_cast<int>(out.shape.size());
  const int axis_attr = op.Attrs<ConcatAttrs>().axis;
  const int axis = axis_attr < 0 ? axis_attr + rank : axis_attr;
  if (axis < 0 || axis >= rank)
    return InvalidArgument(where + ": concat axis " + std::to_string(axis_attr) + " is out of range for output " +
                           out.name + " of rank " + std::to_string(rank));
  if (rank < 2 || axis != rank - 1)
    return Unsupported(where + ": concat axis " + std::to_string(axis_attr) + " of output " + out.name + " " +
                       ShapeToString(out.shape) + " (only the last axis, channels, is supported)");
  int64_t channels = 0;
  for (int id : op.inputs) {
    const FixTensor& in = g.tensors[id];
    bool same = in.shape.size() == out.shape.size();
    for (int d = 0; same && d < rank - 1; ++d) same = in.shape[d] == out.shape[d];
    if (!same)
      return InvalidArgument(where + ": input " + in.name + " has shape " + ShapeToString(in.shape) +
                             ", incompatible with output " + out.name + " " + ShapeToString(out.shape) +
                             " (all dims but the concat axis must be equal)");
    SIGNDPU_RETURN_IF_ERROR(CheckConcatInputFixPoint(in, out, where));
    channels += in.shape[rank - 1];
  }
  if (channels != out.shape[rank - 1])
    return InvalidArgument(where + ": inputs have " + std::to_string(channels) + " channels in all, output " +
                           out.name + " has " + std::to_string(out.shape[rank - 1]));
  return Status::Ok();
}

class ConcatOp final : public PreparedOp {
 public:
  ConcatOp(std::vector<int64_t> channels, int64_t pixels) : channels_(std::move(channels)), pixels_(pixels) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    reference::ConcatChannelsFix(inputs, channels_, pixels_ * count, output);
  }

 private:
  std::vector<int64_t> channels_;  // per input
  int64_t pixels_;                 // per image: output size / output channels
};

Result<std::unique_ptr<PreparedOp>> PrepareConcat(const FixGraph& g, const FixOp& op, KernelPath) {
  // Validated: same rank, concat along the last axis.
  std::vector<int64_t> channels;
  for (int id : op.inputs) channels.push_back(g.tensors[id].shape.back());
  const FixTensor& out = g.tensors[op.output];
  return std::unique_ptr<PreparedOp>(
      std::make_unique<ConcatOp>(std::move(channels), out.per_image_size() / out.shape.back()));
}

}  // namespace

const FixOpDef& ConcatFixOp() {
  static const FixOpDef def{FixOpKind::kConcat, xmodel::names::kConcatFix, FixOpAttrsIndex<ConcatAttrs>::value,
                            ValidateConcat, PrepareConcat};
  return def;
}

}  // namespace signdpu::ir::internal

namespace signdpu::ir {

Status CheckConcatInputFixPoint(const FixTensor& in, const FixTensor& out, const std::string& where) {
  if (in.fix_point == out.fix_point) return Status::Ok();
  return Unsupported(where + ": input " + in.name + " has fix_point " + std::to_string(in.fix_point) + ", output " +
                     out.name + " has " + std::to_string(out.fix_point) +
                     " (concat-fix inputs must share the output's fix_point)");
}

}  // namespace signdpu::ir
