// Post-training quantisation driver: lower, calibrate, quantise, evaluate.
// Replaces `vai_q_tensorflow quantize` (docs/quantization.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"
#include "signdpu/kernels/fix_graph.h"
#include "signdpu/quantize/dpu_float_graph.h"
#include "signdpu/quantize/fix_point_search.h"
#include "signdpu/quantize/lower.h"
#include "signdpu/quantize/quantize_graph.h"

namespace signdpu::quantize {

struct QuantizeOptions {
  // --calib / --eval: a CSV file, or a folder of images (io/image_folder.h:
  // any size and format, brought to the model's size by the runner's
  // preprocessing; --eval folders hold one sub-folder per class).
  std::string calib_csv;       // rows used without their labels
  int calib_iter = 100;        // batches
  int calib_batch_size = 32;
  CalibMethod method = CalibMethod::kMinMse;
  std::string eval_csv;        // labelled rows; empty = no accuracy report
  int64_t eval_limit = -1;
  // Class names for --eval class folders (io::ResolveClassNames): the
  // --labels file; empty = class numbers (or, for 25 classes, the letters).
  std::vector<std::string> labels;
  std::string labels_what = "--labels";
  int threads = 2;             // int8 evaluation threads
  int sqnr_images = 512;       // images used for the per-layer SQNR
  int tune_images = 2048;       // fix-point refinement against float logits (0 = off)
  bool bias_correction = true;  // remove the mean output shift of weight rounding (quantize_graph.cc)
  BatchNormMode batchnorm_mode = BatchNormMode::kFold;  // BatchNorm after an activation (lower.h)
  int weight_groups = 8;        // weight fix points per conv2d, as groups + concat-fix (lower.h; 1 = off)
  // DPU whose limits (libtarget-factory) every emitted layer must meet
  // (target/dpu_limits.h); empty = no check.
  std::string dpu_target = "DPUCZDX8G_ISA1_B4096";
};

struct QuantizeResult {
  DpuFloatGraph dpu_float;
  FixGraph fix;
  std::vector<LayerReport> layers;
  int input_fix_point = 0;
  int64_t calib_images = 0;
  double calib_seconds = 0;     // calibration + quantisation (not evaluation)
  int64_t eval_images = 0;
  double float_accuracy = -1, int8_accuracy = -1, top1_agreement = -1;
  double eval_seconds = 0;
  std::vector<std::string> notes;
};

using ProgressFn = std::function<void(const std::string& stage, int64_t done, int64_t total)>;

Result<QuantizeResult> Quantize(const graph::Graph& graph, const std::string& name, const QuantizeOptions& options,
                                const ProgressFn& progress = nullptr);

// The report as JSON text (keys documented in docs/quantization.md).
std::string ReportJson(const QuantizeResult& result, const std::string& model_path, const QuantizeOptions& options);
// The human summary.
std::string ReportText(const QuantizeResult& result);

}  // namespace signdpu::quantize
