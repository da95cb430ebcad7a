// Memory budget of a run or a dump, checked against the model's declared
// tensor shapes BEFORE the pipeline, the runners or any buffer is built
// (issue 14: a 64 KB xmodel declaring a 12288x12288 input made the app
// allocate gigabytes first). Products are computed in 64 bits with overflow
// checks. The budget is xmodel::TensorBudgetBytes() (256 MiB by default,
// SIGNDPU_TENSOR_BUDGET_MIB to change it; docs/testing.md "Limits").
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/app/model.h"
#include "signdpu/core/status.h"

namespace signdpu::app {

struct BudgetRequest {
  enum class Use { kRun, kDump };
  Use use = Use::kRun;
  // kRun: runners (one per thread), each with two buffer sets of `batch`
  // images (an upper bound: each worker allocates one, app/pipeline_worker.cc),
  // plus the frame queue (threads * batch * 4 frames, app/pipeline.cc).
  int threads = 1;
  // Images per runner call; 0 = the DPU subgraph's own dim 0 (mode run: the
  // board's runner decides, the xmodel's batch is the best estimate).
  int batch = 0;
  // kDump: frames kept for every DPU subgraph's inputs and outputs.
  int64_t frames = 0;
  // A source with a fixed frame geometry (CSV: 28x28x1) feeds the model
  // without a resize: the first DPU subgraph's input must be N x H x W x 1
  // with these H and W. 0 = any (camera, video, images are resized).
  int source_height = 0, source_width = 0;
  std::string source_name;  // for messages ("--csv data.csv")
};

// The bytes a run or a dump needs for its tensors, or an error that names the
// subgraph, the tensor and the budget.
Result<uint64_t> CheckTensorBudget(const Model& model, const BudgetRequest& request);

// Bytes of one frame across every DPU subgraph's inputs and outputs (what a
// dump keeps per frame); an error when a shape is invalid or overflows.
Result<uint64_t> DumpBytesPerFrame(const Model& model);

}  // namespace signdpu::app
