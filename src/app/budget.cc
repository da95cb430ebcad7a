#include "signdpu/app/budget.h"

#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/file_io.h"
#include "signdpu/core/str_format.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"

namespace signdpu::app {
namespace {

constexpr uint64_t kMax = UINT64_MAX;

// a * b, saturating at UINT64_MAX (over any budget).
uint64_t Mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kMax : r;
}
uint64_t Add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kMax : r;
}

std::string ShapeText(const std::vector<int32_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "(scalar)" : s;
}

// Bytes of one image (dims 1..) of an XIR tensor; dims must be positive.
Result<uint64_t> ImageBytes(const xir::Subgraph* sg, const xir::Tensor* t) {
  const std::vector<int32_t> shape = t->get_shape();
  uint64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] <= 0)
      return InvalidArgument("subgraph " + sg->get_name() + ": tensor " + t->get_name() + " has shape " +
                             ShapeText(shape) + " (dimensions must be positive)");
    if (i > 0) n = Mul(n, static_cast<uint64_t>(shape[i]));
  }
  const int bits = t->get_data_type().bit_width;
  return Mul(n, static_cast<uint64_t>(bits <= 8 ? 1 : (bits + 7) / 8));
}

struct SubgraphBytes {
  uint64_t inputs = 0, outputs = 0;  // per image
  int batch = 1;                     // dim 0 of the first input
};

Result<SubgraphBytes> Measure(const xir::Subgraph* sg) {
  SubgraphBytes b;
  bool first = true;
  for (const xir::Tensor* t : sg->get_sorted_input_tensors()) {
    SIGNDPU_ASSIGN_OR_RETURN(uint64_t n, ImageBytes(sg, t));
    b.inputs = Add(b.inputs, n);
    if (first && !t->get_shape().empty()) b.batch = std::max(1, t->get_shape()[0]);
    first = false;
  }
  for (const xir::Tensor* t : sg->get_sorted_output_tensors()) {
    SIGNDPU_ASSIGN_OR_RETURN(uint64_t n, ImageBytes(sg, t));
    b.outputs = Add(b.outputs, n);
  }
  return b;
}

Status OverBudget(const std::string& what, uint64_t need, uint64_t budget) {
  return OutOfRange(what + " need " + (need == kMax ? std::string("more than 16 EiB") : FormatBytes(need)) +
                    ", more than the tensor memory budget of " + FormatBytes(budget) + " (" +
                    xmodel::kTensorBudgetEnv + " sets it in MiB)");
}

}  // namespace

Result<uint64_t> DumpBytesPerFrame(const Model& model) {
  uint64_t total = 0;
  for (const xir::Subgraph* sg : model.dpu_subgraphs()) {
    SIGNDPU_ASSIGN_OR_RETURN(SubgraphBytes b, Measure(sg));
    total = Add(total, Add(b.inputs, b.outputs));
  }
  return total;
}

Result<uint64_t> CheckTensorBudget(const Model& model, const BudgetRequest& r) {
  if (model.dpu_subgraphs().empty()) return InvalidArgument(model.path() + ": no DPU subgraph");
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t budget, xmodel::TensorBudgetBytes());
  const xir::Subgraph* first = model.dpu_subgraphs().front();
  // What the source can give.
  if (r.source_height > 0) {
    const auto inputs = first->get_sorted_input_tensors();
    if (inputs.empty()) return InvalidArgument("subgraph " + first->get_name() + ": has no input tensor");
    const std::vector<int32_t> s = (*inputs.begin())->get_shape();
    if (s.size() != 4 || s[1] != r.source_height || s[2] != r.source_width || s[3] != 1)
      return InvalidArgument(model.path() + ": input tensor " + (*inputs.begin())->get_name() + " of subgraph " +
                             first->get_name() + " has shape " + ShapeText(s) + "; " + r.source_name +
                             " gives frames of " + std::to_string(r.source_height) + "x" +
                             std::to_string(r.source_width) + "x1 (N x " + std::to_string(r.source_height) + " x " +
                             std::to_string(r.source_width) + " x 1 expected)");
  }
  if (r.use == BudgetRequest::Use::kRun) {
    SIGNDPU_ASSIGN_OR_RETURN(SubgraphBytes b, Measure(first));
    const uint64_t batch = static_cast<uint64_t>(r.batch > 0 ? r.batch : b.batch);
    const uint64_t threads = static_cast<uint64_t>(std::max(1, r.threads));
    // Two buffer sets per runner (an upper bound: each worker allocates one,
    // app/pipeline_worker.cc) + the frame queue's threads * batch * 4 frames
    // (kQueuedBatchesPerWorker, app/pipeline.cc; counted at the model input size).
    const uint64_t sets = Mul(Mul(threads, 2), Mul(batch, Add(b.inputs, b.outputs)));
    const uint64_t queue = Mul(Mul(threads, 4), Mul(batch, b.inputs));
    const uint64_t need = Add(sets, queue);
    if (need > budget)
      return OverBudget("subgraph " + first->get_name() + ": " + CountText(threads, "runner") + " x batch " +
                            std::to_string(batch) + " with " + FormatBytes(b.inputs) + " in + " +
                            FormatBytes(b.outputs) + " out per image",
                        need, budget);
    return need;
  }
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t per_frame, DumpBytesPerFrame(model));
  const uint64_t need = Mul(static_cast<uint64_t>(std::max<int64_t>(1, r.frames)), per_frame);
  if (need > budget)
    return OverBudget("dump of " + CountText(r.frames, "frame") + " at " + FormatBytes(per_frame) +
                          " per frame over all DPU subgraphs would",
                      need, budget);
  return need;
}

}  // namespace signdpu::app
