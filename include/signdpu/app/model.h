// Opening a compiled or host xmodel for inference and creating VART runners
// for its DPU subgraph in a chosen mode, without risking an abort inside
// XIR/VART (file validated first; mode `run` probed in a child process).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"

namespace xir {
class Graph;
class Subgraph;
class Tensor;
}  // namespace xir
namespace vart {
class Runner;
}  // namespace vart

namespace signdpu::app {

enum class RunMode { kAuto, kRun, kRef };
Result<RunMode> ParseRunMode(const std::string& text);
const char* RunModeName(RunMode mode);  // "auto", "run", "ref"

struct TensorInfo {
  std::string name;
  std::vector<int32_t> shape;  // as the runner reports it (dim 0 = batch)
  int fix_point = 0;
  int bit_width = 8;
  bool if_signed = true;
  std::string data_type;       // XIR's name, e.g. XINT8, FLOAT32
  int64_t per_image_size() const;
};

struct SubgraphInfo {
  std::string name;
  std::string device;
  std::string dpu_name;
  uint64_t dpu_fingerprint = 0;
  bool has_fingerprint = false;
  std::vector<TensorInfo> inputs, outputs;
  std::vector<std::string> runner_libs;  // "mode=library"
  std::vector<std::string> ops;          // op types, for CPU subgraphs
};

class Model {
 public:
  static Result<std::unique_ptr<Model>> Open(const std::string& path);
  ~Model();

  const std::string& path() const { return path_; }
  const xir::Graph& graph() const { return *graph_; }
  // DPU subgraphs in topological order.
  const std::vector<const xir::Subgraph*>& dpu_subgraphs() const { return dpu_subgraphs_; }
  // Every child subgraph of the root, for `inspect`.
  std::vector<SubgraphInfo> Describe() const;
  // True when a CPU subgraph after the DPU ends in softmax.
  bool has_softmax() const { return has_softmax_; }
  // Labels stored in the xmodel by signdpu-quantize (may be empty).
  const std::vector<std::string>& embedded_labels() const { return labels_; }

 private:
  Model() = default;
  std::string path_;
  std::unique_ptr<xir::Graph> graph_;
  std::vector<const xir::Subgraph*> dpu_subgraphs_;
  bool has_softmax_ = false;
  std::vector<std::string> labels_;
};

// Resolves kAuto: kRun only where a DPU is present (device nodes plus a
// child-process probe that creates a `run` runner), otherwise kRef. `why`
// explains the choice in one line.
RunMode ResolveMode(RunMode requested, const Model& model, std::string* why);

// Creates a runner for `subgraph`. kRef loads our emulator plugin through
// libvart (the `lib` override, so Xilinx-compiled xmodels work too); kRun
// loads Xilinx's DPU runner. A kRun runner is probed in a child process first
// so that a missing DPU or a fingerprint mismatch is an error, not an abort.
// `emu_batch` > 0 sets the emulator's engine batch (kRef only; the
// SIGNDPU_EMU_BATCH environment variable wins when set).
Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch = 0);

TensorInfo DescribeTensor(const xir::Tensor* tensor);

}  // namespace signdpu::app
