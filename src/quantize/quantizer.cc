#include "signdpu/quantize/quantizer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <atomic>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "signdpu/core/json_text.h"
#include "signdpu/graph/float_executor.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/image_folder.h"
#include "signdpu/io/pixels.h"
#include "signdpu/kernels/reference/convert_fix.h"
#include "signdpu/quantize/lower.h"
#include "signdpu/quantize/quantizer_steps.h"
#include "signdpu/target/dpu_limits.h"

namespace signdpu::quantize {
namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }


// NCHW float (one image, c/h/w) -> NHWC.
void NchwToNhwc(const float* in, int64_t c, int64_t h, int64_t w, float* out) {
  for (int64_t ci = 0; ci < c; ++ci)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) out[(y * w + x) * c + ci] = in[(ci * h + y) * w + x];
}

// Feeds each calibration batch's float tensors to the activation observers
// of the DPU tensors made from them (one observer set per thread).
struct CalibObserver : graph::Observer {
  const std::map<std::string, std::vector<int>>* by_source = nullptr;
  const DpuFloatGraph* graph = nullptr;
  std::vector<ActivationObserver> observers;
  std::vector<std::vector<double>> channel_sum;
  std::vector<int64_t> channel_count;
  std::vector<float> scaled;
  // The float logits of the first `tune_n` images, kept for the
  // refinement (each thread writes its own batches' rows).
  const std::string* logits_name = nullptr;
  std::vector<float>* ref_logits = nullptr;
  int64_t tune_n = 0, batch_start = 0;
  void Feed(const std::string& n, const float* d, const Shape& s) {
    if (ref_logits != nullptr && batch_start < tune_n && n == *logits_name) {
      const int64_t per = NumElements(s) / (s.empty() ? 1 : s[0]);
      const int64_t rows = std::min<int64_t>(s.empty() ? 1 : s[0], tune_n - batch_start);
      std::copy(d, d + rows * per, ref_logits->begin() + batch_start * per);
    }
    auto it = by_source->find(n);
    if (it == by_source->end()) return;
    for (int id : it->second) {
      const DpuFloatTensor& t = graph->tensors[static_cast<size_t>(id)];
      const float* v = d;
      int64_t n = NumElements(s);
      if (t.MapsSource()) {
        t.MapSource(d, s.empty() ? 1 : s[0], &scaled);
        v = scaled.data();
        n = static_cast<int64_t>(scaled.size());
      }
      observers[id].ObserveBatch(v, n);
      // Per-channel sums for bias correction (channel = last dim of ours).
      const int64_t images = s.empty() ? 1 : s[0];
      t.AddChannelSums(v, images, &channel_sum[static_cast<size_t>(id)]);
      channel_count[static_cast<size_t>(id)] += n / t.shape.back();
    }
  }
  void OnInput(const std::string& n, const float* d, const Shape& s) override { Feed(n, d, s); }
  void OnOutput(const graph::Node&, const std::string& n, const float* d, const Shape& s) override { Feed(n, d, s); }
};

// The per-thread observers added up: votes merged, channel sums into means.
Calibration MergeCalibration(std::vector<CalibObserver>* calib_obs, size_t tensors) {
  Calibration c;
  c.observers = std::move((*calib_obs)[0].observers);
  for (size_t t = 1; t < calib_obs->size(); ++t)
    for (size_t i = 0; i < c.observers.size(); ++i) c.observers[i].Merge((*calib_obs)[t].observers[i]);
  c.channel_means.resize(tensors);
  for (size_t i = 0; i < tensors; ++i) {
    int64_t count = 0;
    for (const auto& ob : *calib_obs) {
      count += ob.channel_count[i];
      if (c.channel_means[i].size() < ob.channel_sum[i].size()) c.channel_means[i].resize(ob.channel_sum[i].size(), 0.0);
      for (size_t ch = 0; ch < ob.channel_sum[i].size(); ++ch) c.channel_means[i][ch] += ob.channel_sum[i][ch];
    }
    for (double& m : c.channel_means[i]) m = count > 0 ? m / count : 0.0;
  }
  return c;
}

// Appends `images` images of a source tensor's float data, in the DPU
// tensor's layout (mapped channels, NHWC), to *dst.
void AppendDpuLayout(const DpuFloatTensor& dt, const float* src, int64_t images, std::vector<float>* dst) {
  const int64_t per = NumElements(dt.shape);
  std::vector<float> scaled;
  if (dt.MapsSource()) {
    dt.MapSource(src, images, &scaled);
    src = scaled.data();
  }
  const size_t off = dst->size();
  dst->resize(off + images * per);
  for (int64_t i = 0; i < images; ++i) {
    if (dt.source_layout == DpuFloatTensor::Layout::kNchw)
      NchwToNhwc(src + i * per, dt.shape[3], dt.shape[1], dt.shape[2], dst->data() + off + i * per);
    else
      std::copy(src + i * per, src + (i + 1) * per, dst->begin() + off + i * per);
  }
}

// printf into a std::string of whatever length the result has (no fixed
// buffer that could cut a long layer name).
std::string StringPrintf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string StringPrintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out(size > 0 ? static_cast<size_t>(size) : 0, '\0');
  if (size > 0) std::vsnprintf(out.data(), out.size() + 1, format, args);
  va_end(args);
  return out;
}

// Fix points QuantizeGraph derives from their input (MAX pool and copy
// outputs) rather than choosing them: the refinement does not search them.
std::vector<bool> DerivedFixPoints(const DpuFloatGraph& dg) {
  std::vector<bool> derived(dg.tensors.size(), false);
  for (const DpuFloatOp& op : dg.ops)
    if (TakesInputFixPoint(op)) derived[static_cast<size_t>(op.output)] = true;
  const std::vector<int> concat_source = ConcatFixPointSources(dg);
  for (size_t i = 0; i < derived.size(); ++i)
    if (concat_source[i] >= 0) derived[i] = true;
  return derived;
}

// The calibration and evaluation rows, each file capped at 1 GiB of pixels.
Result<std::vector<io::CsvFrame>> ReadCalibrationRows(const QuantizeOptions& o, const CsvInput& input) {
  const int64_t want = int64_t{o.calib_iter} * o.calib_batch_size;
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> calib,
                           ReadInputFrames(o, o.calib_csv, false, input.csv, static_cast<int>(input.shape[1]),
                                           static_cast<int>(input.shape[2]), 0, std::min(want, input.max_rows + 1)));
  if (static_cast<int64_t>(calib.size()) > input.max_rows)
    return OutOfRange(o.calib_csv + ": --calib_iter x --calib_batch_size = " + std::to_string(want) + " images of " +
                      std::to_string(input.image_size) + " pixels, more than the " + std::to_string(input.max_rows) +
                      " (1 GiB of pixels) calibration may hold");
  return calib;
}

Result<std::vector<io::CsvFrame>> ReadEvaluationRows(const QuantizeOptions& o, const CsvInput& input,
                                                     int64_t classes) {
  const int64_t eval_cap = o.eval_limit >= 0 && o.eval_limit <= input.max_rows ? o.eval_limit : input.max_rows + 1;
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> eval,
                           ReadInputFrames(o, o.eval_csv, true, input.csv, static_cast<int>(input.shape[1]),
                                           static_cast<int>(input.shape[2]), classes, eval_cap));
  if (static_cast<int64_t>(eval.size()) > input.max_rows)
    return OutOfRange(o.eval_csv + ": more than " + std::to_string(input.max_rows) + " rows of " +
                      std::to_string(input.image_size) + " pixels (1 GiB) to evaluate; use --eval_limit");
  for (const auto& f : eval) {
    if (f.label < 0) return InvalidArgument(o.eval_csv + ": --eval needs a label column (line " + std::to_string(f.line) + ")");
    // A label the model cannot predict: data and model do not belong together.
    if (f.label >= classes)
      return InvalidArgument(o.eval_csv + ":" + std::to_string(f.line) + ": label " + std::to_string(f.label) +
                             " is out of range for the model's " + std::to_string(classes) + " classes (0.." +
                             std::to_string(classes - 1) + ")");
  }
  return eval;
}

// Reads the evaluation CSV and fills r's accuracy, agreement and per-layer SQNR.
Status Evaluate(const DpuFloatGraph& dg, const CsvInput& input, const QuantizeOptions& o,
                graph::FloatExecutor* fx, const ProgressFn& progress, QuantizeResult* r) {
  const auto t1 = Clock::now();
  const int64_t classes = NumElements(dg.tensors[dg.output].shape);
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> eval, ReadEvaluationRows(o, input, classes));
  r->eval_images = static_cast<int64_t>(eval.size());
  const int64_t sqnr_n = std::min<int64_t>(o.sqnr_images, r->eval_images);
  SIGNDPU_ASSIGN_OR_RETURN(FloatEval fe, EvaluateFloat(dg, eval, input, sqnr_n, fx, o.eval_csv, progress));
  const int threads = std::max(1, o.threads);
  SIGNDPU_ASSIGN_OR_RETURN(Int8Eval qe, EvaluateInt8(dg, r->fix, eval, input, fe, sqnr_n, threads, progress));
  int64_t float_ok = 0, int8_ok = 0, agree = 0;
  for (size_t i = 0; i < eval.size(); ++i) {
    float_ok += fe.predictions[i] == eval[i].label;
    int8_ok += qe.predictions[i] == eval[i].label;
    agree += fe.predictions[i] == qe.predictions[i];
  }
  r->float_accuracy = static_cast<double>(float_ok) / r->eval_images;
  r->int8_accuracy = static_cast<double>(int8_ok) / r->eval_images;
  r->top1_agreement = static_cast<double>(agree) / r->eval_images;
  LayerSqnrDb(dg, r->fix, qe, &r->layers);
  r->eval_seconds = Seconds(t1);
  return Status::Ok();
}

}  // namespace

// Per-image pixels of a CSV frame into the source graph's input layout. For
// a single channel NCHW and NHWC are the same bytes.
Status FillInput(const std::vector<io::CsvFrame>& frames, size_t begin, size_t count, int64_t image_size,
                 std::vector<float>* out) {
  out->resize(static_cast<size_t>(count * image_size));
  for (size_t i = 0; i < count; ++i) {
    const auto& f = frames[begin + i];
    if (static_cast<int64_t>(f.pixels.size()) != image_size)
      return InvalidArgument("frame at line " + std::to_string(f.line) + " has " + std::to_string(f.pixels.size()) +
                             " pixels, the model input needs " + std::to_string(image_size));
    for (int64_t k = 0; k < image_size; ++k) (*out)[i * image_size + k] = f.pixels[k] / 255.0f;
  }
  return Status::Ok();
}

Result<std::vector<io::CsvFrame>> ReadInputFrames(const QuantizeOptions& o, const std::string& path, bool eval,
                                                  const io::CsvOptions& csv, int height, int width, int64_t classes,
                                                  int64_t limit) {
  io::ImageFolderOptions folder;
  folder.flag = eval ? "--eval" : "--calib";
  folder.layout = eval ? io::FolderLayout::kClassFolders : io::FolderLayout::kAnyTree;
  folder.classes = io::ResolveClassNames(o.labels, classes, o.labels_what);
  io::PreprocessConfig config;
  config.height = height;
  config.width = width;
  return io::ReadFramesFromPath(path, csv, limit, folder, config);
}

int Argmax(const float* v, int64_t n) {
  int best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = static_cast<int>(i);
  return best;
}
int Argmax(const int8_t* v, int64_t n) {
  int best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = static_cast<int>(i);
  return best;
}

Result<CsvInput> CsvInputFor(const DpuFloatGraph& dg, const std::string& name) {
  CsvInput input;
  input.shape = dg.tensors[dg.input].shape;
  const Shape& in_shape = input.shape;
  const int64_t image_size = NumElements(in_shape);
  if (in_shape[3] != 1)
    return Unsupported("model input has " + std::to_string(in_shape[3]) + " channels; frames are grayscale (1 channel)");
  // What the source can give: a CSV row has at most kMaxCsvLineBytes, two
  // bytes per pixel at least ("0,"). A model declaring a bigger input is
  // refused here, before any executor allocates for it.
  if (image_size <= 0 || image_size > io::kMaxCsvLineBytes / 2)
    return InvalidArgument(name + ": model input " + ShapeToString(in_shape) + " has " + std::to_string(image_size) +
                           " pixels per frame; a calibration CSV row (at most " +
                           std::to_string(io::kMaxCsvLineBytes) + " bytes) holds at most " +
                           std::to_string(io::kMaxCsvLineBytes / 2));
  input.image_size = image_size;
  input.csv.pixels = static_cast<int>(image_size);
  // Calibration and evaluation files are read whole: regular files only (a
  // FIFO or device is refused before it is opened; docs/testing.md "Limits").
  input.csv.require_regular_file = true;
  // Calibration and evaluation frames are held in memory: at most 1 GiB of
  // pixels each (docs/testing.md "Limits"), checked before reading.
  input.max_rows = (int64_t{1} << 30) / image_size;
  return input;
}

Result<Calibration> Calibrate(const graph::Graph& g, const DpuFloatGraph& dg,
                              const std::vector<io::CsvFrame>& calib, const CsvInput& input,
                              const QuantizeOptions& o, graph::FloatExecutor* fx,
                              const ProgressFn& progress) {
  std::map<std::string, std::vector<int>> by_source;  // source tensor -> our tensors
  for (size_t i = 0; i < dg.tensors.size(); ++i) by_source[dg.tensors[i].source_tensor].push_back(static_cast<int>(i));
  const int64_t batch = o.calib_batch_size;
  const int64_t images = static_cast<int64_t>(calib.size());
  // Batches are independent votes: split them over threads, each with its
  // own executor and observers, then add the votes up.
  const int calib_threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(o.threads, (images + batch - 1) / batch)));
  std::vector<CalibObserver> calib_obs(static_cast<size_t>(calib_threads));
  std::vector<Status> calib_status(static_cast<size_t>(calib_threads));
  std::atomic<int64_t> calib_done{0};
  const int64_t classes = NumElements(dg.tensors[dg.output].shape);
  const int64_t tune_n =
      (o.tune_images > 0 && !dg.source_logits.empty()) ? std::min<int64_t>(o.tune_images, images) : 0;
  std::vector<float> ref_logits(static_cast<size_t>(tune_n * classes));
  auto calibrate = [&](int t, graph::FloatExecutor* ex) {
    CalibObserver& obs = calib_obs[static_cast<size_t>(t)];
    obs.by_source = &by_source;
    obs.graph = &dg;
    obs.observers.assign(dg.tensors.size(), ActivationObserver(o.method));
    obs.channel_sum.assign(dg.tensors.size(), {});
    obs.channel_count.assign(dg.tensors.size(), 0);
    obs.logits_name = &dg.source_logits;
    obs.ref_logits = &ref_logits;
    obs.tune_n = tune_n;
    std::vector<float> in;
    for (size_t b = static_cast<size_t>(t * batch); b < calib.size(); b += static_cast<size_t>(calib_threads * batch)) {
      const size_t n = std::min(calib.size() - b, static_cast<size_t>(batch));
      Status s = FillInput(calib, b, n, input.image_size, &in).WithContext(o.calib_csv);
      obs.batch_start = static_cast<int64_t>(b);
      if (s.ok()) s = ex->Run({{dg.source_input, in.data()}}, static_cast<int64_t>(n), &obs);
      if (!s.ok()) {
        calib_status[static_cast<size_t>(t)] = s;
        return;
      }
      const int64_t done = calib_done.fetch_add(static_cast<int64_t>(n)) + static_cast<int64_t>(n);
      if (progress && t == 0) progress("calibrate", done, images);
    }
  };
  {
    std::vector<graph::FloatExecutor> extra;
    for (int t = 1; t < calib_threads; ++t) {
      SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor e, graph::FloatExecutor::Create(g, batch));
      extra.push_back(std::move(e));
    }
    std::vector<std::thread> pool;
    for (int t = 1; t < calib_threads; ++t) pool.emplace_back(calibrate, t, &extra[static_cast<size_t>(t - 1)]);
    calibrate(0, fx);
    for (auto& th : pool) th.join();
  }
  for (const Status& s : calib_status) SIGNDPU_RETURN_IF_ERROR(s);
  if (progress) progress("calibrate", images, images);
  Calibration c = MergeCalibration(&calib_obs, dg.tensors.size());
  c.tune_n = tune_n;
  c.ref_logits = std::move(ref_logits);
  return c;
}

Result<std::vector<int>> FixPointsFrom(const DpuFloatGraph& dg, const std::vector<ActivationObserver>& observers) {
  std::vector<int> fps(dg.tensors.size(), 0);
  for (size_t i = 0; i < dg.tensors.size(); ++i) {
    if (i >= observers.size() || observers[i].empty())
      return Internal("calibration never saw tensor " + dg.tensors[i].name + " (source " + dg.tensors[i].source_tensor + ")");
    fps[i] = observers[i].FixPoint();
  }
  return fps;
}

void AddKlDivergence(const float* rf, const int8_t* qi, int64_t classes, double scale, double* sum) {
  double& e = *sum;
  double mf = rf[0], mq = qi[0] * scale;
  for (int64_t c = 1; c < classes; ++c) {
    mf = std::max<double>(mf, rf[c]);
    mq = std::max<double>(mq, qi[c] * scale);
  }
  double zf = 0, zq = 0;
  for (int64_t c = 0; c < classes; ++c) {
    zf += std::exp(rf[c] - mf);
    zq += std::exp(qi[c] * scale - mq);
  }
  for (int64_t c = 0; c < classes; ++c) {
    const double lpf = rf[c] - mf - std::log(zf), lpq = qi[c] * scale - mq - std::log(zq);
    e += std::exp(lpf) * (lpf - lpq);
  }
}

Result<double> ScoreFixGraph(const FixGraph& f, const TuneSet& tune) {
  const int qb = 64;
  const int64_t tn = tune.count, image_size = tune.image_size, classes = tune.classes;
  SIGNDPU_ASSIGN_OR_RETURN(auto ex, FixGraphExecutor::Create(f, qb));
  io::PreprocessConfig pc;  // per call: trials run on two threads
  pc.height = tune.height;
  pc.width = tune.width;
  pc.fix_point = f.tensors[f.inputs[0]].fix_point;
  std::vector<int8_t> tune_q(static_cast<size_t>(tn * image_size));
  for (int64_t i = 0; i < tn; ++i)
    SIGNDPU_RETURN_IF_ERROR(io::PreprocessPixels((*tune.frames)[static_cast<size_t>(i)].pixels, pc, tune_q.data() + i * image_size));
  const double scale = Pow2(-f.tensors[f.outputs[0]].fix_point);
  std::vector<int8_t> out(static_cast<size_t>(qb * classes));
  double e = 0;
  for (int64_t b = 0; b < tn; b += qb) {
    const int n = static_cast<int>(std::min<int64_t>(qb, tn - b));
    ex->Run({tune_q.data() + b * image_size}, {out.data()}, n);
    // KL(p_float || p_int8) of the softmax outputs: what the classifier
    // reports, insensitive to saturating logits that do not matter.
    for (int i = 0; i < n; ++i)
      AddKlDivergence(tune.ref_logits->data() + (b + i) * classes, out.data() + static_cast<int64_t>(i) * classes,
                      classes, scale, &e);
  }
  return e;
}

Status RefineFixPoints(const DpuFloatGraph& dg, const TuneSet& tune, const std::vector<std::vector<double>>* means,
                       WeightCache* weight_cache, const ProgressFn& progress, std::vector<int>* fps_out,
                       QuantizeResult* r) {
  // Calibration picks each position from its own tensor's error; this looks
  // at what the classifier finally outputs: KL(float || int8) of the softmax
  // over the first `tune.count` calibration images (no labels).
  // The search re-quantises and re-scores the graph for every tensor (work
  // quadratic in the graph's size): past kMaxRefineTensors it is skipped,
  // and the report says so.
  constexpr size_t kMaxRefineTensors = 512;
  std::vector<int>& fps = *fps_out;
  if (tune.count <= 0) return Status::Ok();
  if (fps.size() > kMaxRefineTensors) {
    r->notes.push_back("fix-point refinement skipped: " + std::to_string(fps.size()) + " tensors, more than the " +
                       std::to_string(kMaxRefineTensors) + " it searches");
    return Status::Ok();
  }
  SIGNDPU_ASSIGN_OR_RETURN(double best, ScoreFixGraph(r->fix, tune));
  const double start = best;
  int changes = 0;
  const std::vector<bool> derived = DerivedFixPoints(dg);
  for (int round = 0; round < 2; ++round) {
    bool improved = false;
    for (size_t id = 0; id < fps.size(); ++id) {
      if (derived[id]) continue;
      // Both neighbours at once, one per thread.
      std::vector<int> trial[2] = {fps, fps};
      trial[0][id] -= 1;
      trial[1][id] += 1;
      Result<FixGraph> f[2] = {Internal("not run"), Internal("not run")};
      std::vector<LayerReport> rep[2];
      double e[2] = {1e300, 1e300};
      Status st[2];
      for (int k = 0; k < 2; ++k) f[k] = QuantizeGraph(dg, trial[k], &rep[k], means, weight_cache);
      auto eval = [&](int k) {
        if (!f[k].ok()) return;
        Result<double> s = ScoreFixGraph(*f[k], tune);
        if (s.ok()) e[k] = *s;
        else st[k] = s.status();
      };
      std::thread other(eval, 1);
      eval(0);
      other.join();
      for (int k = 0; k < 2; ++k) SIGNDPU_RETURN_IF_ERROR(st[k]);
      const int k = e[0] <= e[1] ? 0 : 1;
      if (f[k].ok() && e[k] < best * 0.999) {
        best = e[k];
        fps = trial[k];
        r->fix = std::move(f[k]).value();
        r->layers = std::move(rep[k]);
        improved = true;
        ++changes;
      }
    }
    if (progress) progress("refine", round + 1, 2);
    if (!improved) break;
  }
  r->notes.push_back("fix-point refinement on " + std::to_string(tune.count) +
                     (tune.count == 1 ? " calibration image: " : " calibration images: ") + std::to_string(changes) +
                     (changes == 1 ? " change" : " changes") + ", KL(float || int8) per image " +
                     StringPrintf("%.4g", start / tune.count) + " -> " + StringPrintf("%.4g", best / tune.count));
  return Status::Ok();
}

Result<FloatEval> EvaluateFloat(const DpuFloatGraph& dg, const std::vector<io::CsvFrame>& eval,
                                const CsvInput& input, int64_t sqnr_n, graph::FloatExecutor* fx,
                                const std::string& csv_name, const ProgressFn& progress) {
  const int64_t batch = fx->max_batch(), image_size = input.image_size;
  const int64_t classes = NumElements(dg.tensors[dg.output].shape);
  FloatEval fe;
  fe.predictions.resize(eval.size());
  fe.activations.resize(dg.tensors.size());
  std::vector<float> in;
  for (size_t b = 0; b < eval.size(); b += static_cast<size_t>(batch)) {
    const size_t n = std::min(eval.size() - b, static_cast<size_t>(batch));
    SIGNDPU_RETURN_IF_ERROR(FillInput(eval, b, n, image_size, &in).WithContext(csv_name));
    SIGNDPU_RETURN_IF_ERROR(fx->Run({{dg.source_input, in.data()}}, static_cast<int64_t>(n)));
    const float* out = fx->Output(dg.source_output);
    if (out == nullptr) return Internal("float executor did not produce " + dg.source_output);
    for (size_t i = 0; i < n; ++i) fe.predictions[b + i] = Argmax(out + i * classes, classes);
    if (static_cast<int64_t>(b) < sqnr_n) {
      const int64_t take = std::min<int64_t>(static_cast<int64_t>(n), sqnr_n - static_cast<int64_t>(b));
      for (size_t t = 0; t < dg.tensors.size(); ++t) {
        const DpuFloatTensor& dt = dg.tensors[t];
        const float* src = fx->Output(dt.source_tensor);
        if (src == nullptr) src = dt.source_tensor == dg.source_input ? in.data() : nullptr;
        if (src == nullptr) continue;
        AppendDpuLayout(dt, src, take, &fe.activations[t]);
      }
    }
    if (progress) progress("evaluate float", static_cast<int64_t>(b + n), static_cast<int64_t>(eval.size()));
  }
  return fe;
}

Result<Int8Eval> EvaluateInt8(const DpuFloatGraph& dg, const FixGraph& fix, const std::vector<io::CsvFrame>& eval,
                              const CsvInput& input, const FloatEval& fe, int64_t sqnr_n, int threads,
                              const ProgressFn& progress) {
  // Bit-exact kernels (reference semantics; the optimised paths are tested
  // equal), split over threads.
  io::PreprocessConfig pre;
  pre.height = static_cast<int>(input.shape[1]);
  pre.width = static_cast<int>(input.shape[2]);
  pre.fix_point = fix.tensors[fix.inputs[0]].fix_point;
  const int64_t image_size = input.image_size, classes = NumElements(dg.tensors[dg.output].shape);
  const int qbatch = 16;
  Int8Eval qe;
  qe.predictions.resize(eval.size());
  // Per thread, tensor and channel (weight groups are channel ranges of
  // their grouped conv's output).
  qe.signal.assign(threads, std::vector<std::vector<double>>(dg.tensors.size()));
  qe.noise.assign(threads, std::vector<std::vector<double>>(dg.tensors.size()));
  std::vector<Status> statuses(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto ex = FixGraphExecutor::Create(fix, qbatch);
      if (!ex.ok()) { statuses[t] = ex.status(); return; }
      std::vector<int8_t> q(static_cast<size_t>(qbatch * image_size)), out(static_cast<size_t>(qbatch * classes));
      for (size_t b = static_cast<size_t>(t) * qbatch; b < eval.size(); b += static_cast<size_t>(threads) * qbatch) {
        const size_t n = std::min(eval.size() - b, static_cast<size_t>(qbatch));
        for (size_t i = 0; i < n; ++i) {
          Status s = io::PreprocessPixels(eval[b + i].pixels, pre, q.data() + i * image_size);
          if (!s.ok()) { statuses[t] = s; return; }
        }
        (*ex)->Run({q.data()}, {out.data()}, static_cast<int>(n));
        for (size_t i = 0; i < n; ++i) qe.predictions[b + i] = Argmax(out.data() + i * classes, classes);
        if (static_cast<int64_t>(b) < sqnr_n) {
          for (size_t id = 0; id < dg.tensors.size(); ++id) {
            const std::vector<float>& fa = fe.activations[id];
            if (fa.empty()) continue;
            const int64_t per = NumElements(dg.tensors[id].shape), channels = dg.tensors[id].shape.back();
            const int8_t* qa = (*ex)->TensorData(static_cast<int>(id));
            const float scale = static_cast<float>(Pow2(-fix.tensors[id].fix_point));
            std::vector<double>& ts = qe.signal[t][id];
            std::vector<double>& tn = qe.noise[t][id];
            ts.resize(static_cast<size_t>(channels), 0.0);
            tn.resize(static_cast<size_t>(channels), 0.0);
            for (size_t i = 0; i < n && static_cast<int64_t>(b + i) < sqnr_n; ++i)
              for (int64_t k = 0; k < per; ++k) {
                const double x = fa[(b + i) * per + k];
                const double d = x - qa[i * per + k] * scale;
                ts[static_cast<size_t>(k % channels)] += x * x;
                tn[static_cast<size_t>(k % channels)] += d * d;
              }
          }
        }
        if (progress && t == 0) progress("evaluate int8", static_cast<int64_t>(b + n), static_cast<int64_t>(eval.size()));
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const Status& s : statuses) SIGNDPU_RETURN_IF_ERROR(s);
  return qe;
}

// The tensor and channel range [c0, c1) (c1 < 0: all) of each report row:
// one row per written op, so a grouped conv's groups (channel ranges of its
// output) and then the op itself (the concat-fix as written).
struct LayerOutput {
  int tensor = -1;
  int64_t c0 = 0, c1 = -1;
};
std::vector<LayerOutput> LayerOutputs(const FixGraph& fix) {
  std::vector<LayerOutput> rows;
  for (const FixOp& op : fix.ops) {
    if (const GroupedConvAttrs* a = op.kind == FixOpKind::kGroupedConv2d ? op.AttrsIf<GroupedConvAttrs>() : nullptr) {
      int64_t c0 = 0;
      for (const ConvGroup& group : a->groups) {
        rows.push_back({op.output, c0, c0 + group.conv.out_channels});
        c0 += group.conv.out_channels;
      }
    }
    rows.push_back({op.output, 0, -1});
  }
  return rows;
}

void LayerSqnrDb(const DpuFloatGraph&, const FixGraph& fix, const Int8Eval& qe, std::vector<LayerReport>* layers) {
  const std::vector<LayerOutput> rows = LayerOutputs(fix);
  for (size_t li = 0; li < layers->size() && li < rows.size(); ++li) {
    const int id = rows[li].tensor;
    const int64_t c0 = rows[li].c0, c1 = rows[li].c1;
    double s = 0, nn = 0;
    for (size_t t = 0; t < qe.signal.size(); ++t) {
      const std::vector<double>& ts = qe.signal[t][static_cast<size_t>(id)];
      const std::vector<double>& tn = qe.noise[t][static_cast<size_t>(id)];
      const int64_t end = c1 < 0 ? static_cast<int64_t>(ts.size()) : std::min<int64_t>(c1, static_cast<int64_t>(ts.size()));
      for (int64_t c = c0; c < end; ++c) {
        s += ts[static_cast<size_t>(c)];
        nn += tn[static_cast<size_t>(c)];
      }
    }
    (*layers)[li].output_sqnr_db = nn == 0 ? 200.0 : (s == 0 ? -200.0 : 10.0 * std::log10(s / nn));
  }
}

Result<QuantizeResult> Quantize(const graph::Graph& g, const std::string& name, const QuantizeOptions& o,
                                const ProgressFn& progress) {
  if (o.calib_iter <= 0 || o.calib_batch_size <= 0)
    return InvalidArgument("--calib_iter and --calib_batch_size must be positive");
  QuantizeResult r;
  const auto t0 = Clock::now();
  // The target's limits first: an unknown target fails before calibration.
  std::optional<target::DpuLimits> limits;
  if (!o.dpu_target.empty()) {
    SIGNDPU_ASSIGN_OR_RETURN(target::DpuLimits l, target::LoadDpuLimits(o.dpu_target));
    limits = std::move(l);
  }
  LowerOptions lower;
  lower.batchnorm_after_activation = o.batchnorm_mode;
  lower.weight_groups = o.weight_groups;
  SIGNDPU_ASSIGN_OR_RETURN(r.dpu_float, LowerToDpu(g, name, lower));
  const DpuFloatGraph& dg = r.dpu_float;
  r.notes = dg.notes;
  SIGNDPU_ASSIGN_OR_RETURN(const CsvInput input, CsvInputFor(dg, name));
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> calib, ReadCalibrationRows(o, input));
  r.calib_images = static_cast<int64_t>(calib.size());

  SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor fx, graph::FloatExecutor::Create(g, o.calib_batch_size));
  SIGNDPU_ASSIGN_OR_RETURN(Calibration cal, Calibrate(g, dg, calib, input, o, &fx, progress));
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<int> fps, FixPointsFrom(dg, cal.observers));
  const std::vector<std::vector<double>>* means = o.bias_correction ? &cal.channel_means : nullptr;
  WeightCache weight_cache;  // shared with the refinement's trials
  SIGNDPU_ASSIGN_OR_RETURN(r.fix, QuantizeGraph(dg, fps, &r.layers, means, &weight_cache));
  TuneSet tune;
  tune.frames = &calib;
  tune.count = cal.tune_n;
  tune.ref_logits = &cal.ref_logits;
  tune.classes = NumElements(dg.tensors[dg.output].shape);
  tune.image_size = input.image_size;
  tune.height = static_cast<int>(input.shape[1]);
  tune.width = static_cast<int>(input.shape[2]);
  SIGNDPU_RETURN_IF_ERROR(RefineFixPoints(dg, tune, means, &weight_cache, progress, &fps, &r));
  r.input_fix_point = r.fix.tensors[r.fix.inputs[0]].fix_point;
  r.calib_seconds = Seconds(t0);
  // Every layer the xmodels will hold must fit the DPU (one line naming the
  // layer and the limit; target/dpu_limits.h).
  if (limits) SIGNDPU_RETURN_IF_ERROR(target::CheckFixGraph(*limits, r.fix).WithContext(name));
  if (o.eval_csv.empty()) return r;
  SIGNDPU_RETURN_IF_ERROR(Evaluate(dg, input, o, &fx, progress, &r));
  return r;
}

std::string ReportJson(const QuantizeResult& r, const std::string& model_path, const QuantizeOptions& o) {
  nlohmann::ordered_json j;
  j["model"] = model_path;
  j["name"] = r.fix.name;
  j["method"] = CalibMethodName(o.method);
  j["batchnorm"] = BatchNormModeName(o.batchnorm_mode);
  j["weight_groups"] = o.weight_groups;
  // The DPU whose limits every layer met (null: not checked).
  j["dpu_target"] = o.dpu_target.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.dpu_target);
  j["bias_correction"] = o.bias_correction;
  j["tune_images"] = o.tune_images;
  j["calib_images"] = r.calib_images;
  j["calib_iter"] = o.calib_iter;
  j["calib_batch_size"] = o.calib_batch_size;
  j["calib_seconds"] = r.calib_seconds;
  j["eval_images"] = r.eval_images;
  if (r.eval_images > 0) {
    j["float_accuracy"] = r.float_accuracy;
    j["int8_accuracy"] = r.int8_accuracy;
    j["top1_agreement"] = r.top1_agreement;
    j["accuracy_drop_points"] = 100.0 * (r.float_accuracy - r.int8_accuracy);
    j["eval_seconds"] = r.eval_seconds;
  } else {
    j["float_accuracy"] = nullptr;
    j["int8_accuracy"] = nullptr;
    j["top1_agreement"] = nullptr;
  }
  j["input_fix_point"] = r.input_fix_point;
  j["int8_kernels"] = KernelPathName(BestKernelPath());
  j["transforms"] = r.notes;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerReport& l : r.layers) {
    nlohmann::ordered_json e;
    e["name"] = l.name;
    e["op"] = l.op;
    e["fix_point_input"] = l.fix_in;
    e["fix_point_weights"] = l.has_weights ? nlohmann::ordered_json(l.fix_weights) : nlohmann::ordered_json(nullptr);
    e["fix_point_bias"] = l.has_weights ? nlohmann::ordered_json(l.fix_bias) : nlohmann::ordered_json(nullptr);
    e["fix_point_output"] = l.fix_out;
    e["shift_cut"] = l.has_weights ? nlohmann::ordered_json(l.shift_cut) : nlohmann::ordered_json(nullptr);
    e["shift_bias"] = l.has_weights ? nlohmann::ordered_json(l.shift_bias) : nlohmann::ordered_json(nullptr);
    e["sqnr_db"] = r.eval_images > 0 ? nlohmann::ordered_json(l.output_sqnr_db) : nlohmann::ordered_json(nullptr);
    if (l.has_weights) {
      e["weights_sqnr_db"] = l.weights_sqnr_db;
      e["bias_sqnr_db"] = l.bias_sqnr_db;
    }
    e["adjustments"] = l.adjustments;
    e["transform"] = l.transform_note;
    layers.push_back(e);
  }
  j["layers"] = layers;
  return DumpJson(j, 2) + "\n";
}

std::string ReportText(const QuantizeResult& r) {
  std::ostringstream s;
  s << "model " << r.fix.name << ": " << r.layers.size() << (r.layers.size() == 1 ? " DPU layer" : " DPU layers")
    << ", input fix_point " << r.input_fix_point << "\n";
  for (const auto& n : r.notes) s << "  transform: " << n << "\n";
  s << StringPrintf("  %-22s %-22s %4s %4s %4s %4s %5s %6s %8s\n", "layer", "op", "fi", "fw", "fb", "fo", "cut", "sbias",
                    "SQNR dB");
  for (const auto& l : r.layers) {
    auto num = [&](bool has, int v) { return has ? std::to_string(v) : std::string("-"); };
    const std::string sq = r.eval_images > 0 ? StringPrintf("%8.1f", l.output_sqnr_db) : StringPrintf("%8s", "-");
    // The layer column is 22 characters wide: longer names are cut there (the JSON report has them whole).
    s << StringPrintf("  %-22.22s %-22s %4d %4s %4s %4d %5s %6s %s\n", l.name.c_str(), l.op.c_str(), l.fix_in,
                      num(l.has_weights, l.fix_weights).c_str(), num(l.has_weights, l.fix_bias).c_str(), l.fix_out,
                      num(l.has_weights, l.shift_cut).c_str(), num(l.has_weights, l.shift_bias).c_str(), sq.c_str());
    for (const auto& a : l.adjustments) s << "      adjusted: " << a << "\n";
  }
  s << StringPrintf("calibration: %lld %s in %.2f s (calibration + quantisation)\n",
                    static_cast<long long>(r.calib_images), r.calib_images == 1 ? "image" : "images", r.calib_seconds);
  if (r.eval_images > 0) {
    s << StringPrintf("accuracy on %lld %s: float %.4f, int8 %.4f (%+.2f points), top-1 agreement %.4f\n",
                      static_cast<long long>(r.eval_images), r.eval_images == 1 ? "image" : "images", r.float_accuracy,
                      r.int8_accuracy, 100.0 * (r.int8_accuracy - r.float_accuracy), r.top1_agreement);
  }
  return s.str();
}

}  // namespace signdpu::quantize
