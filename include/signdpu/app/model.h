// Opening a compiled or host xmodel for inference and creating VART runners
// for its DPU subgraph in a chosen mode, without risking an abort inside
// XIR/VART (file validated first; mode `run` probed in a child process).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/io/pixels.h"

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
  // The input normalisation, (pixel - mean) * scale, stored by
  // signdpu-quantize (signdpu_input_mean / signdpu_input_scale, first value:
  // the input is grayscale); io::PreprocessConfig's defaults when the model
  // has none (Xilinx-compiled xmodels: a board app takes them from the
  // model's prototxt instead, docs/xmodel.md).
  float input_mean() const { return input_mean_; }
  float input_scale() const { return input_scale_; }

 private:
  Model() = default;
  std::string path_;
  std::unique_ptr<xir::Graph> graph_;
  std::vector<const xir::Subgraph*> dpu_subgraphs_;
  bool has_softmax_ = false;
  std::vector<std::string> labels_;
  float input_mean_ = io::PreprocessConfig().mean;
  float input_scale_ = io::PreprocessConfig().scale;
};

// ---- start-up checks of `signdpu run` (before READY=1 and the first frame) ----

// Refuses a model `signdpu run` cannot run end to end, in one line naming
// the subgraph and op: not exactly one DPU subgraph, or a CPU/USER subgraph
// holding an op other than what the app itself does after the DPU
// (fix2float, softmax, reshape/reshape-fix/flatten, identity) or an input
// (data, data-fix). `inspect` and `dump` do not call it.
Status CheckRunnable(const Model& model);

// The DPU fingerprints the board (or the emulator in board mode) reports,
// one per DPU core.
struct BoardFingerprints {
  std::vector<uint64_t> values;
  std::string source;  // "the board's DPU (xir::DpuController)" or "SIGNDPU_EMU_FINGERPRINT"
};

// OK when `model_fingerprint` is 0 (not checked, as VART), `board` is empty
// or every board value is 0 (VART skips those too), or the model matches
// every core. Otherwise one line with both values in hex and the fix
// (recompile with the board's Vitis AI release: 2.5 -> 0x101000016010407,
// 3.0+ -> 0x101000056010407 for DPUCZDX8G_ISA1_B4096).
Status CheckFingerprint(const std::string& model_path, const std::string& subgraph, uint64_t model_fingerprint,
                        const BoardFingerprints& board);

// The probe, at most once per (subgraph, mode) per process, in a child
// process with a time limit (SIGNDPU_PROBE_TIMEOUT_MS, default 30000):
//   kRun: reads the DPU cores' fingerprints as VART does
//         (xir::DpuController::get_instance()->get_fingerprint(core)),
//         compares them with the model's, creates Xilinx's `run` runner and
//         runs one job on a zero input;
//   kRef: creates the emulator runner through libvart (an unsupported op is
//         the plugin's error line) and runs one job on a zero input; the
//         board fingerprint is SIGNDPU_EMU_FINGERPRINT when set.
// Success needs an explicit token from the child (see signdpu/core/child_process.h).
Status ProbeRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch = 0);

struct RunPlan {
  RunMode mode = RunMode::kRef;  // resolved
  std::string why;               // one line: how the mode was chosen
  BoardFingerprints board;
};

// Everything `signdpu run` checks before it opens the frame source and
// creates its runners: CheckRunnable, the mode (kAuto: kRun when a DPU is
// present and the probe passes, else kRef; a fingerprint mismatch on a
// present DPU is an error, not a fallback), ProbeRunner and CheckFingerprint.
Result<RunPlan> PrepareRun(RunMode requested, const Model& model, int emu_batch = 0);

// Resolves kAuto: kRun only where a DPU is present (device nodes and the
// xclbin VART would load, see DpuFirmwarePath, plus the probe), otherwise
// kRef. `why` explains the choice in one line. (`dump` uses it.)
RunMode ResolveMode(RunMode requested, const Model& model, std::string* why);

// The xclbin VART loads: $XLNX_VART_FIRMWARE, else the `firmware:` key of
// `vart_conf` (/etc/vart.conf), else /usr/lib/dpu.xclbin
// [source: xrt-device-handle/src/xrt_device_handle_butler.cpp:34-56, v2.5].
std::string DpuFirmwarePath(const std::string& vart_conf = "/etc/vart.conf");

// Creates a runner for `subgraph`. kRef loads our emulator plugin through
// libvart (the `lib` override, so Xilinx-compiled xmodels work too; the app
// does not link the plugin); kRun loads Xilinx's DPU runner. ProbeRunner runs
// first (once per process), so a missing DPU, an unsupported op or a
// fingerprint mismatch is an error, not an abort.
// `emu_batch` > 0 sets the emulator's engine batch (kRef only; the
// SIGNDPU_EMU_BATCH environment variable wins when set).
Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch = 0);

TensorInfo DescribeTensor(const xir::Tensor* tensor);

}  // namespace signdpu::app
