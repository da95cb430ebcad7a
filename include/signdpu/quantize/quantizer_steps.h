// The steps of Quantize (quantizer.h), exposed so that each has its own test
// (tests/quantize/quantizer_steps_test.cc):
//   CsvInputFor      the CSV geometry a lowered graph's input needs
//   Calibrate        float runs over the calibration rows (threads), each
//                    tensor's fix-point votes, per-channel means, float logits
//   FixPointsFrom    the voted position of every tensor
//   RefineFixPoints  greedy +-1 search scored by KL(float || int8)
//   EvaluateFloat / EvaluateInt8 / LayerSqnrDb   accuracy and per-layer SQNR
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/graph/float_executor.h"
#include "signdpu/graph/graph.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/quantize/quantizer.h"

namespace signdpu::quantize {

// Pixels of frames[begin, begin + count) as floats in [0, 1] into `out`
// (count x image_size; for one channel NCHW and NHWC are the same bytes). A
// frame whose pixel count is not image_size is an error naming its line.
Status FillInput(const std::vector<io::CsvFrame>& frames, size_t begin, size_t count, int64_t image_size,
                 std::vector<float>* out);
// Index of the first maximum of v[0, n).
int Argmax(const float* v, int64_t n);
int Argmax(const int8_t* v, int64_t n);

// What a calibration / evaluation CSV row must hold for the lowered graph.
struct CsvInput {
  Shape shape;             // the DPU input tensor [1, H, W, 1]
  int64_t image_size = 0;  // pixels per row
  int64_t max_rows = 0;    // rows of one file held in memory (1 GiB of pixels)
  io::CsvOptions csv;      // pixels = image_size, regular files only
};
// Refuses inputs that are not grayscale or larger than a CSV row can hold.
Result<CsvInput> CsvInputFor(const DpuFloatGraph& dg, const std::string& name);
// The frames of --calib or --eval (`eval`: labelled, class folders): a CSV
// file, or an image folder decoded and preprocessed by the runner's code
// path in the media module (io/image_folder.h); at most `limit` (-1 = all).
Result<std::vector<io::CsvFrame>> ReadInputFrames(const QuantizeOptions& o, const std::string& path, bool eval,
                                                  const io::CsvOptions& csv, int height, int width, int64_t classes,
                                                  int64_t limit);

struct Calibration {
  std::vector<ActivationObserver> observers;       // per DPU tensor, all threads merged
  std::vector<std::vector<double>> channel_means;  // per DPU tensor and channel
  int64_t tune_n = 0;                              // images whose float logits are kept
  std::vector<float> ref_logits;                   // tune_n x classes float logits
};
// Runs the float graph over `calib` in batches of options.calib_batch_size,
// split over options.threads executors (`fx` is the first).
Result<Calibration> Calibrate(const graph::Graph& g, const DpuFloatGraph& dg,
                              const std::vector<io::CsvFrame>& calib, const CsvInput& input,
                              const QuantizeOptions& options, graph::FloatExecutor* fx,
                              const ProgressFn& progress);

// Each tensor's voted fix point; an error names a tensor calibration never saw.
Result<std::vector<int>> FixPointsFrom(const DpuFloatGraph& dg,
                                       const std::vector<ActivationObserver>& observers);

// Adds KL(softmax(float_logits) || softmax(int8_logits * scale)) of one image
// to *sum, term by term.
void AddKlDivergence(const float* float_logits, const int8_t* int8_logits, int64_t classes,
                     double scale, double* sum);

// The images the refinement scores against (the first calibration rows).
struct TuneSet {
  const std::vector<io::CsvFrame>* frames = nullptr;
  int64_t count = 0;                           // first `count` frames
  const std::vector<float>* ref_logits = nullptr;  // their float logits
  int64_t classes = 0;
  int64_t image_size = 0;
  int height = 0, width = 0;
};
// Sum over the tune set of AddKlDivergence for the int8 graph `f`.
Result<double> ScoreFixGraph(const FixGraph& f, const TuneSet& tune);

// Greedy coordinate search: for each searched tensor try its fix point +-1
// (two rounds at most) and keep a change that lowers ScoreFixGraph by more
// than 0.1 %. Updates *fps, result->fix, result->layers and result->notes.
// `weight_cache` (may be null) memoises quantised weights per (op, fix point).
Status RefineFixPoints(const DpuFloatGraph& dg, const TuneSet& tune,
                       const std::vector<std::vector<double>>* means, WeightCache* weight_cache,
                       const ProgressFn& progress, std::vector<int>* fps, QuantizeResult* result);

// Float predictions of the source graph, and the DPU-layout float
// activations of the first `sqnr_images` images for the per-layer SQNR.
struct FloatEval {
  std::vector<int> predictions;
  std::vector<std::vector<float>> activations;  // per DPU tensor, NHWC, sqnr images
};
Result<FloatEval> EvaluateFloat(const DpuFloatGraph& dg, const std::vector<io::CsvFrame>& eval,
                                const CsvInput& input, int64_t sqnr_images, graph::FloatExecutor* fx,
                                const std::string& csv_name, const ProgressFn& progress);

// int8 predictions of `fix` (reference kernels, `threads` threads) and the
// per-thread, per-tensor, per-channel signal and noise energies against
// float.activations.
struct Int8Eval {
  std::vector<int> predictions;
  std::vector<std::vector<std::vector<double>>> signal, noise;  // [thread][tensor][channel]
};
Result<Int8Eval> EvaluateInt8(const DpuFloatGraph& dg, const FixGraph& fix,
                              const std::vector<io::CsvFrame>& eval, const CsvInput& input,
                              const FloatEval& float_eval, int64_t sqnr_images, int threads,
                              const ProgressFn& progress);

// Each layer's output SQNR in dB (weight groups: their channel range of the
// concat output), written into layers[i].output_sqnr_db.
void LayerSqnrDb(const DpuFloatGraph& dg, const FixGraph& fix, const Int8Eval& int8_eval,
                 std::vector<LayerReport>* layers);

}  // namespace signdpu::quantize
