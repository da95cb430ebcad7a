// Grouped conv (FixOpKind::kGroupedConv2d): a conv whose output channels are
// split into weight groups, each with its own weight and bias fix points
// (GroupedConvAttrs in signdpu/ir/fix_graph.h). Per output channel it is its
// group's conv2d-fix (kernels/reference/conv2d_fix.h); the written XIR form
// is one conv2d-fix per group + a concat-fix (signdpu/ir/grouped_conv.h).
// Optimised paths run one GEMM over every group's channels with each group's
// own output stage (optimized::PrepareGroupedConv2d); the reference path, and
// a layer whose int32 accumulation is not provable, evaluates group by group.
#include <algorithm>

#include "signdpu/ir/grouped_conv.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"
#include "op_util.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::ir {
namespace internal {
namespace {

bool SameGeometry(const ConvSpec& a, const ConvSpec& b) {
  return a.kernel_h == b.kernel_h && a.kernel_w == b.kernel_w && a.stride_h == b.stride_h &&
         a.stride_w == b.stride_w && a.dilation_h == b.dilation_h && a.dilation_w == b.dilation_w &&
         a.pad_left == b.pad_left && a.pad_right == b.pad_right && a.pad_top == b.pad_top &&
         a.pad_bottom == b.pad_bottom && a.activation == b.activation;
}

// The group's tensor is its own: no op produces or reads it and it is no
// graph input or output (the executor serves it from the op's output).
Status CheckGroupTensor(const FixGraph& g, const FixOp& op, int id, const std::string& where) {
  const std::string& name = g.tensors[static_cast<size_t>(id)].name;
  for (const FixOp& other : g.ops) {
    if (other.output == id) return InvalidArgument(where + ": group tensor " + name + " is written by " + other.name);
    if (std::count(other.inputs.begin(), other.inputs.end(), id))
      return InvalidArgument(where + ": group tensor " + name + " is read by " + other.name);
  }
  if (std::count(g.inputs.begin(), g.inputs.end(), id) || std::count(g.outputs.begin(), g.outputs.end(), id))
    return InvalidArgument(where + ": group tensor " + name + " is a graph input or output");
  if (g.tensors[static_cast<size_t>(id)].fix_point != g.tensors[static_cast<size_t>(op.output)].fix_point)
    return InvalidArgument(where + ": group tensor " + name + " has fix_point " +
                           std::to_string(g.tensors[static_cast<size_t>(id)].fix_point) + ", the output " +
                           std::to_string(g.tensors[static_cast<size_t>(op.output)].fix_point));
  return Status::Ok();
}

// One group: a valid conv of the op's input into its own tensor.
Result<ConvParams> ValidateGroup(const FixGraph& g, const FixOp& op, size_t k, const std::string& where) {
  const ConvGroup& group = op.Attrs<GroupedConvAttrs>().groups[k];
  const std::string gw = where + " group " + std::to_string(k) + " (" + group.name + ")";
  if (group.name.empty()) return InvalidArgument(where + ": group " + std::to_string(k) + " has no name");
  if (group.tensor < 0 || group.tensor >= static_cast<int>(g.tensors.size()))
    return InvalidArgument(gw + ": tensor id " + std::to_string(group.tensor) + " out of range");
  SIGNDPU_RETURN_IF_ERROR(CheckGroupTensor(g, op, group.tensor, gw));
  SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(GroupConvConfigOf(g, op, k), gw));
  if (static_cast<int64_t>(group.conv.weights.size()) != p.weights_size())
    return InvalidArgument(gw + ": weights have " + std::to_string(group.conv.weights.size()) + " bytes, expected " +
                           std::to_string(p.weights_size()));
  if (p.config.has_bias && static_cast<int64_t>(group.conv.bias.size()) != p.output.c)
    return InvalidArgument(gw + ": bias has " + std::to_string(group.conv.bias.size()) + " values, expected " +
                           std::to_string(p.output.c));
  const FixTensor& t = g.tensors[static_cast<size_t>(group.tensor)];
  if (t.shape.empty() || p.output.size() != t.per_image_size() || t.shape.back() != p.output.c)
    return InvalidArgument(gw + ": tensor " + t.name + " has shape " + ShapeToString(t.shape) + ", the conv produces " +
                           ShapeToString(p.output.ToShape()));
  return p;
}

Status ValidateGrouped(const FixGraph& g, const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 activation input");
  const std::vector<ConvGroup>& groups = op.Attrs<GroupedConvAttrs>().groups;
  if (groups.size() < 2) return InvalidArgument(where + ": " + std::to_string(groups.size()) + " groups, expected >= 2");
  int64_t channels = 0, pixels = 0;
  for (size_t k = 0; k < groups.size(); ++k) {
    for (size_t j = 0; j < k; ++j)
      if (groups[j].tensor == groups[k].tensor)
        return InvalidArgument(where + ": groups " + std::to_string(j) + " and " + std::to_string(k) +
                               " share a tensor");
    SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, ValidateGroup(g, op, k, where));
    if (!SameGeometry(groups[k].conv, groups[0].conv))
      return InvalidArgument(where + ": group " + std::to_string(k) + " (" + groups[k].name +
                             ") has another kernel, stride, dilation, pad or activation than group 0");
    channels += p.output.c;  // each <= MakeConvParams' bound: no overflow in 64 bits
    pixels = p.output.h * p.output.w;
  }
  const FixTensor& out = g.tensors[static_cast<size_t>(op.output)];
  if (out.shape.empty() || out.shape.back() != channels || out.per_image_size() != pixels * channels)
    return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) + ", the " +
                           std::to_string(groups.size()) + " groups produce " + std::to_string(pixels) +
                           " pixels x " + std::to_string(channels) + " channels");
  return Status::Ok();
}

// The one kernel of an optimised path (PrepareGroupedConv2d).
class FusedGroupsOp final : public PreparedOp {
 public:
  explicit FusedGroupsOp(std::unique_ptr<optimized::PreparedConv2d> kernel) : kernel_(std::move(kernel)) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    kernel_->Run(inputs[0], output, count);
  }
  bool RunsAsOneKernel() const override { return true; }

 private:
  std::unique_ptr<optimized::PreparedConv2d> kernel_;
};

// Group by group: each group's conv (its own weight, bias and output fix
// points) into scratch, then its channel range of the output (a byte copy:
// the group tensors share the output's fix point, Validate).
class PerGroupOp final : public PreparedOp {
 public:
  struct Group {
    std::unique_ptr<optimized::PreparedConv2d> kernel;
    int64_t c0 = 0, channels = 0;
  };
  PerGroupOp(std::vector<Group> groups, int64_t pixels, int64_t channels)
      : groups_(std::move(groups)), pixels_(pixels), channels_(channels) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    thread_local std::vector<int8_t> scratch;
    for (const Group& g : groups_) {
      const size_t need = static_cast<size_t>(count * pixels_ * g.channels);
      if (scratch.size() < need) scratch.resize(need);
      g.kernel->Run(inputs[0], scratch.data(), count);
      for (int64_t m = 0; m < count * pixels_; ++m)
        std::copy_n(scratch.data() + m * g.channels, g.channels, output + m * channels_ + g.c0);
    }
  }

 private:
  std::vector<Group> groups_;
  int64_t pixels_, channels_;  // per image
};

Result<std::unique_ptr<PreparedOp>> PrepareGrouped(const FixGraph& g, const FixOp& op, KernelPath path) {
  const std::vector<ConvGroup>& groups = op.Attrs<GroupedConvAttrs>().groups;
  std::vector<optimized::ConvGroupSpec> specs;
  for (size_t k = 0; k < groups.size(); ++k) {
    SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(GroupConvConfigOf(g, op, k), groups[k].name));
    const ConvAttrs& c = groups[k].conv;
    specs.push_back({p, c.weights.data(), c.bias.empty() ? nullptr : c.bias.data()});
  }
  if (path != KernelPath::kReference) {
    if (auto kernel = optimized::PrepareGroupedConv2d(specs, path))
      return std::unique_ptr<PreparedOp>(std::make_unique<FusedGroupsOp>(std::move(kernel)));
  }
  std::vector<PerGroupOp::Group> run;
  int64_t c0 = 0;
  for (const optimized::ConvGroupSpec& s : specs) {
    run.push_back({optimized::PrepareConv2d(s.params, s.weights, s.bias, path), c0, s.params.output.c});
    c0 += s.params.output.c;
  }
  const int64_t pixels = specs[0].params.output.h * specs[0].params.output.w;
  return std::unique_ptr<PreparedOp>(std::make_unique<PerGroupOp>(std::move(run), pixels, c0));
}

}  // namespace

const FixOpDef& GroupedConv2dFixOp() {
  static const FixOpDef def{FixOpKind::kGroupedConv2d, xmodel::names::kGroupedConv2dFix,
                            FixOpAttrsIndex<GroupedConvAttrs>::value, ValidateGrouped, PrepareGrouped};
  return def;
}

}  // namespace internal
}  // namespace signdpu::ir
