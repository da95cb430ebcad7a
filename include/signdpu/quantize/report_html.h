// report.html: the quantisation report as one self-contained page (inline
// SVG and PNG data URIs, no network, no scripts) beside report.json.
//
// CollectReportData (sensitivity.cc) re-runs the float model and the int8
// program on the calibration and evaluation rows the quantiser used, so it
// needs no data from inside Quantize: the quantiser's own results (and the
// xmodels) are untouched. RenderReportHtml (report_html.cc) only formats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"
#include "signdpu/quantize/quantizer.h"

namespace signdpu::quantize {

// One activation tensor over the histogram images, against its fix point.
struct ActivationHistogram {
  std::string tensor;
  int fix_point = 0;
  double range_lo = 0, range_hi = 0;  // what int8 at fix_point holds: [-128, 127] * 2^-fix_point
  double min = 0, max = 0;            // observed
  double bin_lo = 0, bin_hi = 0;      // the bins span [bin_lo, bin_hi)
  std::vector<int64_t> counts;
  int64_t total = 0, clipped = 0;     // clipped: saturates at int8 (outside range +- half a step)
};

// A conv's float weights per output channel (DPU channel order) and the fix
// points chosen for them (one per weight group).
struct WeightDistribution {
  std::string layer;
  std::vector<float> ch_min, ch_max, ch_absmean;
  std::vector<int64_t> group_ends;  // end channel of each group (last = channels)
  std::vector<int> group_fix_points;
};

// Accuracy on the evaluation rows with only this layer (its weights, bias,
// input and output) in int8, the rest float.
struct LayerSensitivity {
  std::string layer;  // "input" for the input quantisation alone
  std::string op;
  double accuracy = 0;
};

// How well a layer fills the DPU's parallelism (estimate: ignores memory,
// load/save and instruction overheads).
struct LayerFill {
  std::string layer, engine;
  int64_t macs = 0;                 // per image
  double pixel = 1, in_ch = 1, out_ch = 1;  // fill of each parallel dimension
  double fill = 1;                  // product
  std::string parallelism;          // e.g. "pixel 8 x in 16 x out 16"
};

struct ChangedImage {
  int64_t line = 0;  // CSV line
  int label = -1, float_pred = -1, int8_pred = -1;
  int height = 0, width = 0;
  std::vector<uint8_t> pixels;  // grayscale, row-major
};

struct ReportData {
  int64_t histogram_images = 0;
  std::vector<ActivationHistogram> histograms;
  std::vector<WeightDistribution> weights;
  int classes = 0;
  int64_t eval_images = 0;  // 0: no --eval, the accuracy sections say so
  std::vector<std::vector<int64_t>> confusion_float, confusion_int8;  // [label][pred]
  int64_t changed_total = 0;
  std::vector<ChangedImage> changed;  // the first few
  int64_t sensitivity_images = 0;
  double sensitivity_float_accuracy = -1;  // same rows, nothing quantised
  std::vector<LayerSensitivity> sensitivity;
  std::vector<std::string> sensitivity_notes;  // layers left out, with the reason
  std::string fill_target;  // e.g. DPUCZDX8G_ISA1_B4096, empty = not estimated
  std::string fill_note;    // why not, when empty
  std::vector<LayerFill> fill;
};

struct ReportDataOptions {
  int64_t histogram_images = 1024;  // first calibration rows
  int histogram_bins = 64;
  int64_t sensitivity_images = 2000;  // first evaluation rows (-1 = all); about 3 s of CPU per 1000 on the bundled model
  int max_changed_images = 48;
};

// Needs the graph given to Quantize, its result and options.
Result<ReportData> CollectReportData(const graph::Graph& graph, const QuantizeResult& result,
                                     const QuantizeOptions& options, const ReportDataOptions& report_options = {});

// Layer fill of `fix` on the libtarget-factory target `target` (pixel,
// input- and output-channel parallelism of its conv and ALU engines).
Result<std::vector<LayerFill>> EstimateLayerFill(const FixGraph& fix, const std::string& target);

// The page. `labels` may be empty (class numbers are shown).
std::string RenderReportHtml(const QuantizeResult& result, const ReportData& data, const std::string& model_path,
                             const QuantizeOptions& options, const std::vector<std::string>& labels);

// Collect + render + write `path` (every write checked; WriteFileAtomic).
// The one call signdpu-quantize makes (src/app/quantize_main.cc).
Status WriteReportHtml(const graph::Graph& graph, const QuantizeResult& result, const std::string& model_path,
                       const QuantizeOptions& options, const std::vector<std::string>& labels, const std::string& path,
                       const ReportDataOptions& report_options = {});

// Minimal PNG (8-bit grayscale, stored deflate blocks) as a data: URI.
std::string GrayPngDataUri(const std::vector<uint8_t>& pixels, int width, int height);

}  // namespace signdpu::quantize
