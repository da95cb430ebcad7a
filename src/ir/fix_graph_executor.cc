// FixGraphExecutor: a loop over prepared ops, each prepared by its
// registration (signdpu/ir/op_registry.h). A grouped conv (kGroupedConv2d)
// is one op like any other; its groups' own tensors are served as channel
// ranges of its output (TensorData).
#include <algorithm>
#include <map>

#include "signdpu/core/check.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/ir/op_registry.h"
#include "signdpu/kernels/reference/convert_fix.h"

namespace signdpu {

struct FixGraphExecutor::Step {
  std::unique_ptr<ir::PreparedOp> op;
  std::vector<const int8_t*> inputs;  // the executor's buffers (fixed at Create)
  int8_t* output = nullptr;
};

FixGraphExecutor::~FixGraphExecutor() = default;

Result<std::unique_ptr<FixGraphExecutor>> FixGraphExecutor::Create(const FixGraph& graph, int batch,
                                                                   KernelPath path) {
  if (batch <= 0) return InvalidArgument("batch must be positive, got " + std::to_string(batch));
  SIGNDPU_RETURN_IF_ERROR(graph.Validate());
  std::unique_ptr<FixGraphExecutor> ex(new FixGraphExecutor());
  ex->owned_ = graph;
  ex->graph_ = &ex->owned_;
  ex->batch_ = batch;
  ex->path_ = path;
  ex->AllocateBuffers();
  SIGNDPU_RETURN_IF_ERROR(ex->PrepareSteps());
  return ex;
}

void FixGraphExecutor::AllocateBuffers() {
  const FixGraph& g = *graph_;
  buffers_.resize(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i)
    buffers_[i].assign(static_cast<size_t>(g.tensors[i].per_image_size() * batch_), 0);
}

Status FixGraphExecutor::PrepareSteps() {
  const FixGraph& g = *graph_;
  for (const FixOp& op : g.ops) {
    auto step = std::make_unique<Step>();
    step->output = buffers_[op.output].data();
    SIGNDPU_ASSIGN_OR_RETURN(step->op, ir::FindFixOpDef(op.kind)->prepare(g, op, path_));
    for (int id : op.inputs) step->inputs.push_back(buffers_[id].data());
    if (step->op->RunsAsOneKernel()) ++fused_concats_;
    if (const GroupedConvAttrs* a = op.kind == FixOpKind::kGroupedConv2d ? op.AttrsIf<GroupedConvAttrs>() : nullptr) {
      int64_t c0 = 0;
      for (const ConvGroup& group : a->groups) {
        slices_[group.tensor] = {op.output, c0, group.conv.out_channels};
        c0 += group.conv.out_channels;
      }
    }
    steps_.push_back(std::move(step));
  }
  return Status::Ok();
}

void FixGraphExecutor::Run(const std::vector<const int8_t*>& inputs, const std::vector<int8_t*>& outputs,
                           int count) {
  const FixGraph& g = *graph_;
  SIGNDPU_CHECK_EQ(inputs.size(), g.inputs.size());
  SIGNDPU_CHECK_EQ(outputs.size(), g.outputs.size());
  SIGNDPU_CHECK(count >= 1 && count <= batch_) << "count " << count << " batch " << batch_;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int id = g.inputs[i];
    reference::CopyFix(inputs[i], g.tensors[id].per_image_size() * count, buffers_[id].data());
  }
  for (const auto& s : steps_) s->op->Run(s->inputs, s->output, count);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int id = g.outputs[i];
    reference::CopyFix(buffers_[id].data(), g.tensors[id].per_image_size() * count, outputs[i]);
  }
  last_count_ = count;
}

const int8_t* FixGraphExecutor::TensorData(int tensor_id) const {
  SIGNDPU_CHECK(tensor_id >= 0 && tensor_id < static_cast<int>(buffers_.size())) << "tensor id " << tensor_id;
  auto s = slices_.find(tensor_id);
  if (s != slices_.end()) {
    // A weight group's own tensor: its channel range of the grouped conv's output.
    const Slice& sl = s->second;
    const int64_t total = graph_->tensors[sl.from].shape.back();
    const int64_t pixels = graph_->tensors[tensor_id].per_image_size() / sl.channels * last_count_;
    const int8_t* from = buffers_[sl.from].data();
    int8_t* to = buffers_[tensor_id].data();
    for (int64_t m = 0; m < pixels; ++m)
      std::copy_n(from + m * total + sl.c0, sl.channels, to + m * sl.channels);
  }
  return buffers_[tensor_id].data();
}

}  // namespace signdpu
