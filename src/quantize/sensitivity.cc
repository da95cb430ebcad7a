// Data for report.html (report_html.h): activation histograms, weight
// distributions, confusion matrices, changed images, per-layer sensitivity
// and the DPU fill estimate. Everything is recomputed here from the graph,
// the options and the result of Quantize (same CSV rows, same fix points),
// so the quantiser itself carries no report-only state.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <vitis/ai/target_factory.hpp>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/graph/float_executor.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/pixels.h"
#include "signdpu/quantize/quantizer_steps.h"
#include "signdpu/quantize/report_html.h"

namespace signdpu::quantize {
namespace {

// Values of dg tensor `t` (our channel order, NHWC) for `n` images from the
// source tensor's data.
void ToOurs(const DpuFloatTensor& t, const float* src, int64_t n, std::vector<float>* out) {
  std::vector<float> mapped;
  if (t.MapsSource()) {
    t.MapSource(src, n, &mapped);
    src = mapped.data();
  }
  const int64_t per = NumElements(t.shape);
  out->resize(static_cast<size_t>(n * per));
  if (t.source_layout == DpuFloatTensor::Layout::kNchw && t.shape.size() == 4) {
    const int64_t h = t.shape[1], w = t.shape[2], c = t.shape[3];
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t y = 0; y < h; ++y)
          for (int64_t x = 0; x < w; ++x)
            (*out)[i * per + (y * w + x) * c + ci] = src[i * per + (ci * h + y) * w + x];
  } else {
    std::copy(src, src + n * per, out->begin());
  }
}

// The inverse of ToOurs: our NHWC values back into the source tensor's
// layout and channel order (a folded BatchNorm scale divided out).
void ToSource(const DpuFloatTensor& t, const float* ours, int64_t n, std::vector<float>* out) {
  const int64_t per = NumElements(t.shape);
  const bool nchw = t.source_layout == DpuFloatTensor::Layout::kNchw && t.shape.size() == 4;
  const int64_t h = t.shape.size() == 4 ? t.shape[1] : 1, w = t.shape.size() == 4 ? t.shape[2] : 1;
  const int64_t c = t.shape.back();
  out->assign(static_cast<size_t>(n * per), 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < h * w; ++p)
      for (int64_t ci = 0; ci < c; ++ci) {
        float v = ours[i * per + p * c + ci];
        const int64_t sc = t.channel_map.empty() ? ci : t.channel_map[static_cast<size_t>(ci)];
        if (!t.channel_scale.empty()) {
          const float s = t.channel_scale[static_cast<size_t>(ci)];
          v = s != 0.0f ? v / s : 0.0f;
        }
        const int64_t idx = nchw ? (sc * h * w + p) : (p * c + sc);
        (*out)[static_cast<size_t>(i * per + idx)] = v;
      }
}

}  // namespace

Result<std::vector<LayerFill>> EstimateLayerFill(const FixGraph& g, const std::string& target_name) {
  // Pixel / channel parallelism from libtarget-factory (the same library
  // target::LoadDpuLimits asks; an unknown name is asked first, never fatal).
  vitis::ai::Target t;
  try {
    if (!vitis::ai::target_factory()->is_registered_target(target_name))
      return NotFound("DPU target " + target_name + " is not known to libtarget-factory");
    t = vitis::ai::target_factory()->create(target_name);
  } catch (const std::exception& e) {
    return Internal("libtarget-factory: " + target_name + ": " + e.what());
  }
  if (!t.has_conv_engine()) return InvalidArgument("DPU target " + target_name + " has no conv_engine");
  const int pp = static_cast<int>(std::max<uint32_t>(1, t.conv_engine().pixel_parallel()));
  const int icp = static_cast<int>(std::max<uint32_t>(1, t.conv_engine().input_channel_parallel()));
  const int ocp = static_cast<int>(std::max<uint32_t>(1, t.conv_engine().output_channel_parallel()));
  int alu_pp = pp, alu_cp = icp;
  if (t.has_alu_engine()) {
    alu_pp = static_cast<int>(std::max<uint32_t>(1, t.alu_engine().pixel_parallel()));
    alu_cp = static_cast<int>(std::max<uint32_t>(1, t.alu_engine().channel_parallel()));
  }
  auto fill = [](int64_t n, int p) {
    if (n <= 0 || p <= 0) return 1.0;
    return static_cast<double>(n) / static_cast<double>((n + p - 1) / p * p);
  };
  // One row per written op: a grouped conv's groups are conv2d-fix ops (its
  // own channels each), the concat-fix after them moves no data.
  std::vector<LayerFill> out;
  auto add = [&](const FixOp& op, const ConvAttrs* group) {
    const Shape& in = g.tensors[static_cast<size_t>(op.inputs.empty() ? op.output : op.inputs[0])].shape;
    const Shape& os = g.tensors[static_cast<size_t>(op.output)].shape;
    const int64_t oh = os.size() == 4 ? os[1] : 1, ow = os.size() == 4 ? os[2] : 1;
    const int64_t oc = group ? group->out_channels : (os.empty() ? 1 : os.back());
    const int64_t ic = in.empty() ? 1 : in.back();
    LayerFill f;
    char par[96];
    if (op.kind == FixOpKind::kConv2d || group) {
      f.engine = "conv";
      f.pixel = fill(ow, pp);
      f.in_ch = fill(ic, icp);
      f.out_ch = fill(oc, ocp);
      const ConvAttrs& conv = group ? *group : op.Attrs<ConvAttrs>();
      f.macs = oh * ow * oc * ic * conv.kernel_h * conv.kernel_w;
      std::snprintf(par, sizeof par, "pixel %d x in %d x out %d", pp, icp, ocp);
    } else {
      f.engine = "alu";
      f.pixel = fill(ow, alu_pp);
      f.out_ch = fill(oc, alu_cp);
      int64_t k = 1;
      if (const ConvAttrs* conv = op.AttrsIf<ConvAttrs>()) k = int64_t{conv->kernel_h} * conv->kernel_w;
      if (const PoolAttrs* pool = op.AttrsIf<PoolAttrs>()) k = int64_t{pool->kernel_h} * pool->kernel_w;
      f.macs = oh * ow * oc * k;
      std::snprintf(par, sizeof par, "pixel %d x channel %d", alu_pp, alu_cp);
    }
    f.parallelism = par;
    f.fill = f.pixel * f.in_ch * f.out_ch;
    return f;
  };
  for (const FixOp& op : g.ops) {
    if (op.kind == FixOpKind::kCopy || op.kind == FixOpKind::kConcat) continue;
    if (const GroupedConvAttrs* a = op.kind == FixOpKind::kGroupedConv2d ? op.AttrsIf<GroupedConvAttrs>() : nullptr) {
      for (const ConvGroup& group : a->groups) {
        out.push_back(add(op, &group.conv));
        out.back().layer = group.name;
      }
      continue;
    }
    out.push_back(add(op, nullptr));
    out.back().layer = op.name;
  }
  return out;
}

namespace {

// What every step below reads: the quantiser's inputs and result, and the
// geometry derived from them once.
struct ReportContext {
  const graph::Graph& g;
  const QuantizeResult& r;
  const QuantizeOptions& o;
  const ReportDataOptions& ro;
  const DpuFloatGraph& dg;
  const FixGraph& fix;
  int64_t image_size = 0;
  int height = 0, width = 0;
  int64_t classes = 0;
  io::CsvOptions csv;
  std::map<int, size_t> producer;  // fix tensor -> index of the fix op writing it
  static constexpr int64_t kBatch = 32;

  ReportContext(const graph::Graph& graph, const QuantizeResult& result, const QuantizeOptions& options,
                const ReportDataOptions& report_options)
      : g(graph), r(result), o(options), ro(report_options), dg(result.dpu_float), fix(result.fix) {}

  // The fix op of a float op (a conv split into weight groups is one
  // kGroupedConv2d op); null when it has none.
  const FixOp* FixOpOf(const DpuFloatOp& op) const {
    auto p = producer.find(op.output);
    return p == producer.end() ? nullptr : &fix.ops[p->second];
  }
};

// Per-tensor min/max (pass 0), then a histogram over [min, max] widened to
// the int8 range of the tensor's fix point, with the clipped count (pass 1).
class HistogramAccumulator {
 public:
  HistogramAccumulator(const ReportContext& c) : c_(c), n_(c.dg.tensors.size()) {
    for (size_t i = 0; i < n_; ++i) by_source_[c.dg.tensors[i].source_tensor].push_back(static_cast<int>(i));
    lo_.assign(n_, 0.0);
    hi_.assign(n_, 0.0);
    seen_.assign(n_, false);
    counts_.assign(n_, std::vector<int64_t>(static_cast<size_t>(c.ro.histogram_bins), 0));
    total_.assign(n_, 0);
    clipped_.assign(n_, 0);
  }
  void set_pass(int pass) { pass_ = pass; }

  // One float tensor of the source graph, as the executor produced it.
  void Observe(const std::string& name, const float* data, const Shape& s) {
    auto it = by_source_.find(name);
    if (it == by_source_.end()) return;
    for (int id : it->second) {
      const DpuFloatTensor& t = c_.dg.tensors[static_cast<size_t>(id)];
      const float* v = data;
      int64_t n = NumElements(s);
      if (t.MapsSource()) {
        t.MapSource(data, s.empty() ? 1 : s[0], &scaled_);
        v = scaled_.data();
        n = static_cast<int64_t>(scaled_.size());
      }
      if (pass_ == 0) Range(static_cast<size_t>(id), v, n);
      else Bin(static_cast<size_t>(id), v, n);
    }
  }

  std::vector<ActivationHistogram> Finish() const {
    std::vector<ActivationHistogram> out;
    for (size_t k = 0; k < n_; ++k) {
      if (!seen_[k]) continue;
      ActivationHistogram h;
      h.tensor = c_.dg.tensors[k].name;
      h.fix_point = c_.fix.tensors[k].fix_point;
      const double step = Pow2(-h.fix_point);
      h.range_lo = -128.0 * step;
      h.range_hi = 127.0 * step;
      h.min = lo_[k];
      h.max = hi_[k];
      h.bin_lo = std::min(lo_[k], h.range_lo);
      h.bin_hi = std::max(hi_[k], h.range_hi);
      h.counts = counts_[k];
      h.total = total_[k];
      h.clipped = clipped_[k];
      out.push_back(std::move(h));
    }
    return out;
  }

 private:
  void Range(size_t k, const float* v, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
      if (!std::isfinite(v[j])) continue;
      if (!seen_[k]) lo_[k] = hi_[k] = v[j], seen_[k] = true;
      lo_[k] = std::min<double>(lo_[k], v[j]);
      hi_[k] = std::max<double>(hi_[k], v[j]);
    }
  }
  void Bin(size_t k, const float* v, int64_t n) {
    const double step = Pow2(-c_.fix.tensors[k].fix_point);
    const double rlo = -128.5 * step, rhi = 127.5 * step;
    const double blo = std::min(lo_[k], -128.0 * step), bhi = std::max(hi_[k], 127.0 * step);
    const double span = bhi - blo > 0 ? bhi - blo : 1.0;
    const int bins = c_.ro.histogram_bins;
    for (int64_t j = 0; j < n; ++j) {
      if (!std::isfinite(v[j])) continue;
      const int b = std::clamp(static_cast<int>((v[j] - blo) / span * bins), 0, bins - 1);
      ++counts_[k][static_cast<size_t>(b)];
      ++total_[k];
      clipped_[k] += (v[j] < rlo || v[j] >= rhi) ? 1 : 0;
    }
  }

  const ReportContext& c_;
  size_t n_;
  int pass_ = 0;
  std::map<std::string, std::vector<int>> by_source_;
  std::vector<double> lo_, hi_;
  std::vector<bool> seen_;
  std::vector<std::vector<int64_t>> counts_;
  std::vector<int64_t> total_, clipped_;
  std::vector<float> scaled_;
};

// Activation histograms over the first calibration rows (two float passes).
Status CollectHistograms(const ReportContext& c, ReportData* d) {
  const int64_t hist_n = std::min<int64_t>({c.ro.histogram_images, c.r.calib_images,
                                            int64_t{c.o.calib_iter} * c.o.calib_batch_size});
  if (hist_n <= 0) return Status::Ok();
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> rows, ReadInputFrames(c.o, c.o.calib_csv, false, c.csv, c.height, c.width, c.classes, hist_n));
  d->histogram_images = static_cast<int64_t>(rows.size());
  SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor fx, graph::FloatExecutor::Create(c.g, ReportContext::kBatch));
  HistogramAccumulator acc(c);
  struct Obs : graph::Observer {
    HistogramAccumulator* acc = nullptr;
    void OnInput(const std::string& n, const float* p, const Shape& s) override { acc->Observe(n, p, s); }
    void OnOutput(const graph::Node&, const std::string& n, const float* p, const Shape& s) override {
      acc->Observe(n, p, s);
    }
  } obs;
  obs.acc = &acc;
  std::vector<float> in;
  for (int pass = 0; pass < 2; ++pass) {
    acc.set_pass(pass);
    for (size_t b = 0; b < rows.size(); b += static_cast<size_t>(ReportContext::kBatch)) {
      const size_t n = std::min(rows.size() - b, static_cast<size_t>(ReportContext::kBatch));
      SIGNDPU_RETURN_IF_ERROR(FillInput(rows, b, n, c.image_size, &in));
      SIGNDPU_RETURN_IF_ERROR(fx.Run({{c.dg.source_input, in.data()}}, static_cast<int64_t>(n), &obs));
    }
  }
  d->histograms = acc.Finish();
  return Status::Ok();
}

// Min, max and mean |w| of one output channel's weights (OHWI; depthwise:
// channel = the innermost index).
void ChannelStats(const DpuFloatOp& op, int64_t oc, int64_t c, float* mn, float* mx, float* absmean) {
  const bool dw = op.kind == FixOpKind::kDepthwiseConv2d;
  const int64_t per = dw ? 1 : static_cast<int64_t>(op.weights.size()) / oc;
  double sum = 0;
  int64_t cnt = 0;
  *mn = *mx = 0;
  for (size_t j = 0; j < op.weights.size(); ++j) {
    const bool mine = dw ? static_cast<int64_t>(j % static_cast<size_t>(oc)) == c : static_cast<int64_t>(j) / per == c;
    if (!mine) continue;
    const float v = op.weights[j];
    *mn = cnt == 0 ? v : std::min(*mn, v);
    *mx = cnt == 0 ? v : std::max(*mx, v);
    sum += std::fabs(v);
    ++cnt;
  }
  *absmean = cnt ? static_cast<float>(sum / cnt) : 0.0f;
}

// Weight distributions per output channel with the chosen weight fix points
// (one per weight group).
void CollectWeights(const ReportContext& c, ReportData* d) {
  for (const DpuFloatOp& op : c.dg.ops) {
    if ((op.kind != FixOpKind::kConv2d && op.kind != FixOpKind::kDepthwiseConv2d) || op.weights.empty()) continue;
    const int64_t oc = c.dg.tensors[static_cast<size_t>(op.output)].shape.back();
    if (oc <= 0) continue;
    WeightDistribution w;
    w.layer = op.name;
    w.ch_min.assign(static_cast<size_t>(oc), 0.0f);
    w.ch_max.assign(static_cast<size_t>(oc), 0.0f);
    w.ch_absmean.assign(static_cast<size_t>(oc), 0.0f);
    for (int64_t ch = 0; ch < oc; ++ch) {
      const size_t u = static_cast<size_t>(ch);
      ChannelStats(op, oc, ch, &w.ch_min[u], &w.ch_max[u], &w.ch_absmean[u]);
    }
    // The weight fix point of each group (channel ranges from the op).
    const FixOp* f = c.FixOpOf(op);
    if (const GroupedConvAttrs* a = f ? f->AttrsIf<GroupedConvAttrs>() : nullptr) {
      int64_t end = 0;
      for (const ConvGroup& group : a->groups) {
        w.group_fix_points.push_back(group.conv.fix_weights);
        w.group_ends.push_back(end += group.conv.out_channels);
      }
    } else if (const ConvAttrs* conv = f ? f->AttrsIf<ConvAttrs>() : nullptr) {
      w.group_fix_points = {conv->fix_weights};
      w.group_ends = {oc};
    }
    d->weights.push_back(std::move(w));
  }
}

void CollectFill(const ReportContext& c, ReportData* d) {
  if (c.o.dpu_target.empty()) {
    d->fill_note = "no DPU target (--dpu_target empty)";
    return;
  }
  auto fill = EstimateLayerFill(c.fix, c.o.dpu_target);
  if (fill.ok()) {
    d->fill_target = c.o.dpu_target;
    d->fill = std::move(fill).value();
  } else {
    d->fill_note = fill.status().ToString();
  }
}

// One sensitivity row: the input quantisation (dop == nullptr), or one float
// op with an int8 counterpart run alone as `mini`.
struct Probe {
  std::string layer, op;
  const DpuFloatOp* dop = nullptr;
  FixGraph mini;
};

std::vector<Probe> BuildProbes(const ReportContext& c) {
  std::vector<Probe> probes;
  probes.push_back({"input", "quantise input", nullptr, {}});
  for (const DpuFloatOp& op : c.dg.ops) {
    if (op.kind == FixOpKind::kCopy || op.kind == FixOpKind::kConcat) continue;  // change no values
    Probe p;
    p.layer = op.name;
    p.op = FixOpKindName(op.kind);
    p.dop = &op;
    p.mini.name = c.fix.name + "/" + op.name;
    p.mini.tensors = c.fix.tensors;
    const FixOp* f = c.FixOpOf(op);
    if (f == nullptr) continue;
    p.mini.ops.push_back(*f);
    p.mini.inputs = op.inputs;
    p.mini.outputs = {op.output};
    probes.push_back(std::move(p));
  }
  return probes;
}

// What the evaluation threads share: rows, probes, per-image predictions
// (each thread writes its own rows) and per-thread probe counts/errors.
struct Evaluation {
  std::vector<io::CsvFrame> eval;
  std::vector<Probe> probes;
  int64_t sens_n = 0;
  int threads = 1;
  std::vector<int> fpred, ipred;
  std::vector<std::vector<int64_t>> probe_ok;       // [thread][probe]
  std::vector<std::vector<std::string>> probe_err;  // [thread][probe]: why a probe gave no row
};

// One thread's executors and scratch buffers.
struct EvalWorker {
  EvalWorker(const ReportContext& context, Evaluation& evaluation, int thread) : c(context), e(evaluation), t(thread) {}
  const ReportContext& c;
  Evaluation& e;
  int t;
  std::unique_ptr<graph::FloatExecutor> fx, sub;
  std::unique_ptr<FixGraphExecutor> full;
  std::vector<std::unique_ptr<FixGraphExecutor>> pex;
  std::vector<float> in, ours, deq, fed;
  std::vector<int8_t> q, logits;

  Status Prepare() {
    const int64_t batch = ReportContext::kBatch;
    SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor a, graph::FloatExecutor::Create(c.g, batch));
    SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor b, graph::FloatExecutor::Create(c.g, batch));
    fx = std::make_unique<graph::FloatExecutor>(std::move(a));
    sub = std::make_unique<graph::FloatExecutor>(std::move(b));
    SIGNDPU_ASSIGN_OR_RETURN(full, FixGraphExecutor::Create(c.fix, static_cast<int>(batch)));
    pex.resize(e.probes.size());
    for (size_t k = 0; k < e.probes.size(); ++k)
      if (e.probes[k].dop != nullptr) {
        SIGNDPU_ASSIGN_OR_RETURN(pex[k], FixGraphExecutor::Create(e.probes[k].mini, static_cast<int>(batch)));
      }
    q.assign(static_cast<size_t>(batch * c.image_size), 0);
    logits.assign(static_cast<size_t>(batch * c.classes), 0);
    return Status::Ok();
  }

  // Float and whole-int8 predictions of rows [b, b + n); the input is
  // quantised as the runner does (the quantiser's evaluation does the same).
  Status Predict(size_t b, size_t n, const io::PreprocessConfig& pre) {
    SIGNDPU_RETURN_IF_ERROR(FillInput(e.eval, b, n, c.image_size, &in));
    SIGNDPU_RETURN_IF_ERROR(fx->Run({{c.dg.source_input, in.data()}}, static_cast<int64_t>(n)));
    const float* fout = fx->Output(c.dg.source_output);
    if (fout == nullptr) return Internal("report.html: float executor did not produce " + c.dg.source_output);
    for (size_t i = 0; i < n; ++i)
      SIGNDPU_RETURN_IF_ERROR(io::PreprocessPixels(e.eval[b + i].pixels, pre, q.data() + i * c.image_size));
    full->Run({q.data()}, {logits.data()}, static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) {
      e.fpred[b + i] = Argmax(fout + i * c.classes, c.classes);
      e.ipred[b + i] = Argmax(logits.data() + i * c.classes, c.classes);
    }
    return Status::Ok();
  }

  // The int8 result of probe k's op on the float inputs of this batch, fed
  // back as float into `fed`; returns the source tensor it replaces, or ""
  // with `err` set.
  std::string RunProbeOp(size_t k, size_t sn, int in_fp, std::string* err) {
    const Probe& p = e.probes[k];
    if (p.dop == nullptr) {
      fed.resize(sn * static_cast<size_t>(c.image_size));
      for (size_t i = 0; i < fed.size(); ++i) fed[i] = Dequantize(q[i], in_fp);
      return c.dg.source_input;
    }
    const int64_t batch = ReportContext::kBatch;
    std::vector<std::vector<int8_t>> qin(p.dop->inputs.size());
    std::vector<const int8_t*> ptrs;
    for (size_t k2 = 0; k2 < p.dop->inputs.size(); ++k2) {
      const int id = p.dop->inputs[k2];
      const DpuFloatTensor& dt = c.dg.tensors[static_cast<size_t>(id)];
      const float* src = dt.source_tensor == c.dg.source_input ? in.data() : fx->Output(dt.source_tensor);
      if (src == nullptr) {
        *err = "no float values for " + dt.source_tensor;
        return "";
      }
      ToOurs(dt, src, static_cast<int64_t>(sn), &ours);
      const int fp = c.fix.tensors[static_cast<size_t>(id)].fix_point;
      qin[k2].assign(static_cast<size_t>(batch * NumElements(dt.shape)), 0);
      for (size_t j = 0; j < ours.size(); ++j) qin[k2][j] = static_cast<int8_t>(QuantizeReal(ours[j], fp, RoundMode::kDpu));
      ptrs.push_back(qin[k2].data());
    }
    const DpuFloatTensor& ot = c.dg.tensors[static_cast<size_t>(p.dop->output)];
    std::vector<int8_t> qout(static_cast<size_t>(batch * NumElements(ot.shape)));
    pex[k]->Run(ptrs, {qout.data()}, static_cast<int>(sn));
    const int ofp = c.fix.tensors[static_cast<size_t>(p.dop->output)].fix_point;
    deq.resize(sn * static_cast<size_t>(NumElements(ot.shape)));
    for (size_t j = 0; j < deq.size(); ++j) deq[j] = Dequantize(qout[j], ofp);
    ToSource(ot, deq.data(), static_cast<int64_t>(sn), &fed);
    return ot.source_tensor;
  }

  // Every probe on the first `sn` rows of the batch at b: only that layer in
  // int8, the rest of the float model after it.
  void RunProbes(size_t b, size_t sn, int in_fp) {
    for (size_t k = 0; k < e.probes.size(); ++k) {
      std::string& err = e.probe_err[static_cast<size_t>(t)][k];
      if (!err.empty()) continue;
      const std::string fed_name = RunProbeOp(k, sn, in_fp, &err);
      if (!err.empty()) continue;
      graph::InputMap feeds{{c.dg.source_input, in.data()}};
      feeds[fed_name] = fed.data();
      Result<graph::TensorMap> res = sub->RunSubset(feeds, {c.dg.source_output}, static_cast<int64_t>(sn));
      if (!res.ok()) {
        err = res.status().ToString();
        continue;
      }
      const std::vector<float>& out = (*res)[c.dg.source_output];
      for (size_t i = 0; i < sn; ++i)
        e.probe_ok[static_cast<size_t>(t)][k] += Argmax(out.data() + i * c.classes, c.classes) == e.eval[b + i].label;
    }
  }

  // This thread's batches: every threads-th batch of kBatch rows.
  Status Run() {
    SIGNDPU_RETURN_IF_ERROR(Prepare());
    const int in_fp = c.fix.tensors[static_cast<size_t>(c.fix.inputs[0])].fix_point;
    io::PreprocessConfig pre;
    pre.height = c.height;
    pre.width = c.width;
    pre.fix_point = in_fp;
    const size_t batch = static_cast<size_t>(ReportContext::kBatch);
    for (size_t b = static_cast<size_t>(t) * batch; b < e.eval.size(); b += static_cast<size_t>(e.threads) * batch) {
      const size_t n = std::min(e.eval.size() - b, batch);
      SIGNDPU_RETURN_IF_ERROR(Predict(b, n, pre));
      if (static_cast<int64_t>(b) >= e.sens_n) continue;
      RunProbes(b, static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), e.sens_n - static_cast<int64_t>(b))),
                in_fp);
    }
    return Status::Ok();
  }
};

// Batches split over the quantiser's --threads, each thread with its own
// executors; per-image results are merged in row order afterwards.
Status RunEvaluation(const ReportContext& c, Evaluation* e) {
  e->threads = std::max(1, c.o.threads);
  e->fpred.assign(e->eval.size(), 0);
  e->ipred.assign(e->eval.size(), 0);
  e->probe_ok.assign(static_cast<size_t>(e->threads), std::vector<int64_t>(e->probes.size(), 0));
  e->probe_err.assign(static_cast<size_t>(e->threads), std::vector<std::string>(e->probes.size()));
  std::vector<Status> status(static_cast<size_t>(e->threads));
  auto work = [&](int t) { status[static_cast<size_t>(t)] = EvalWorker(c, *e, t).Run(); };
  std::vector<std::thread> pool;
  for (int t = 1; t < e->threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (const Status& st : status) SIGNDPU_RETURN_IF_ERROR(st);
  return Status::Ok();
}

// Confusion matrices, changed images, and the sensitivity rows (a layer whose
// tensors the float model does not expose, or whose subset run failed, gets
// a note instead: the page and the quantiser's outputs do not depend on it).
void MergeEvaluation(const ReportContext& c, const Evaluation& e, ReportData* d) {
  const size_t classes = static_cast<size_t>(c.classes);
  d->confusion_float.assign(classes, std::vector<int64_t>(classes, 0));
  d->confusion_int8 = d->confusion_float;
  int64_t sens_float_ok = 0;
  for (size_t i = 0; i < e.eval.size(); ++i) {
    const int label = e.eval[i].label;
    if (label >= 0 && label < c.classes) {
      ++d->confusion_float[static_cast<size_t>(label)][static_cast<size_t>(e.fpred[i])];
      ++d->confusion_int8[static_cast<size_t>(label)][static_cast<size_t>(e.ipred[i])];
    }
    if (static_cast<int64_t>(i) < e.sens_n) sens_float_ok += e.fpred[i] == label;
    if (e.fpred[i] == e.ipred[i]) continue;
    ++d->changed_total;
    if (static_cast<int>(d->changed.size()) >= c.ro.max_changed_images) continue;
    ChangedImage ch;
    ch.line = e.eval[i].line;
    ch.label = label;
    ch.float_pred = e.fpred[i];
    ch.int8_pred = e.ipred[i];
    ch.height = c.height;
    ch.width = c.width;
    ch.pixels = e.eval[i].pixels;
    d->changed.push_back(std::move(ch));
  }
  if (e.sens_n <= 0) return;
  d->sensitivity_float_accuracy = static_cast<double>(sens_float_ok) / e.sens_n;
  for (size_t k = 0; k < e.probes.size(); ++k) {
    int64_t correct = 0;
    std::string why;
    for (size_t t = 0; t < e.probe_ok.size(); ++t) {
      correct += e.probe_ok[t][k];
      if (!e.probe_err[t][k].empty()) why = e.probe_err[t][k];
    }
    if (why.empty())
      d->sensitivity.push_back({e.probes[k].layer, e.probes[k].op, static_cast<double>(correct) / e.sens_n});
    else
      d->sensitivity_notes.push_back(e.probes[k].layer + ": not measured (" + why + ")");
  }
}

}  // namespace

Result<ReportData> CollectReportData(const graph::Graph& g, const QuantizeResult& r, const QuantizeOptions& o,
                                     const ReportDataOptions& ro) {
  const DpuFloatGraph& dg = r.dpu_float;
  const FixGraph& fix = r.fix;
  if (dg.tensors.empty() || fix.tensors.size() < dg.tensors.size() || fix.inputs.empty() || fix.outputs.empty())
    return Internal("report.html: the quantiser's result has no graph");
  ReportContext c(g, r, o, ro);
  const Shape& in_shape = dg.tensors[static_cast<size_t>(dg.input)].shape;
  c.image_size = NumElements(in_shape);
  c.height = static_cast<int>(in_shape[1]);
  c.width = static_cast<int>(in_shape[2]);
  c.classes = NumElements(fix.tensors[static_cast<size_t>(fix.outputs[0])].shape);
  c.csv.pixels = static_cast<int>(c.image_size);
  c.csv.require_regular_file = true;
  for (size_t i = 0; i < fix.ops.size(); ++i) c.producer[fix.ops[i].output] = i;

  ReportData d;
  d.classes = static_cast<int>(c.classes);
  SIGNDPU_RETURN_IF_ERROR(CollectHistograms(c, &d));
  CollectWeights(c, &d);
  CollectFill(c, &d);
  if (o.eval_csv.empty() || r.eval_images <= 0) return d;
  Evaluation e;
  SIGNDPU_ASSIGN_OR_RETURN(e.eval, ReadInputFrames(o, o.eval_csv, true, c.csv, c.height, c.width, c.classes, r.eval_images));
  d.eval_images = static_cast<int64_t>(e.eval.size());
  e.sens_n = ro.sensitivity_images < 0 ? d.eval_images : std::min<int64_t>(ro.sensitivity_images, d.eval_images);
  d.sensitivity_images = e.sens_n;
  e.probes = BuildProbes(c);
  SIGNDPU_RETURN_IF_ERROR(RunEvaluation(c, &e));
  MergeEvaluation(c, e, &d);
  return d;
}

}  // namespace signdpu::quantize
