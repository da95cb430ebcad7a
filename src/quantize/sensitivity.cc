// Data for report.html (report_html.h): activation histograms, weight
// distributions, confusion matrices, changed images, per-layer sensitivity
// and the DPU fill estimate. Everything is recomputed here from the graph,
// the options and the result of Quantize (same CSV rows, same fix points),
// so the quantiser itself carries no report-only state.
#include <algorithm>
#include <cmath>
#include <map>
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
  std::vector<LayerFill> out;
  for (const FixOp& op : g.ops) {
    if (op.kind == FixOpKind::kCopy || op.kind == FixOpKind::kConcat) continue;
    const Shape& in = g.tensors[static_cast<size_t>(op.inputs.empty() ? op.output : op.inputs[0])].shape;
    const Shape& os = g.tensors[static_cast<size_t>(op.output)].shape;
    const int64_t oh = os.size() == 4 ? os[1] : 1, ow = os.size() == 4 ? os[2] : 1, oc = os.empty() ? 1 : os.back();
    const int64_t ic = in.empty() ? 1 : in.back();
    LayerFill f;
    f.layer = op.name;
    char par[96];
    if (op.kind == FixOpKind::kConv2d) {
      f.engine = "conv";
      f.pixel = fill(ow, pp);
      f.in_ch = fill(ic, icp);
      f.out_ch = fill(oc, ocp);
      f.macs = oh * ow * oc * ic * op.conv.kernel_h * op.conv.kernel_w;
      std::snprintf(par, sizeof par, "pixel %d x in %d x out %d", pp, icp, ocp);
    } else {
      f.engine = "alu";
      f.pixel = fill(ow, alu_pp);
      f.out_ch = fill(oc, alu_cp);
      const int64_t k = op.kind == FixOpKind::kDepthwiseConv2d ? op.conv.kernel_h * op.conv.kernel_w
                        : op.kind == FixOpKind::kPool     ? op.pool.kernel_h * op.pool.kernel_w
                                                          : 1;
      f.macs = oh * ow * oc * k;
      std::snprintf(par, sizeof par, "pixel %d x channel %d", alu_pp, alu_cp);
    }
    f.parallelism = par;
    f.fill = f.pixel * f.in_ch * f.out_ch;
    out.push_back(f);
  }
  return out;
}

Result<ReportData> CollectReportData(const graph::Graph& g, const QuantizeResult& r, const QuantizeOptions& o,
                                     const ReportDataOptions& ro) {
  ReportData d;
  const DpuFloatGraph& dg = r.dpu_float;
  const FixGraph& fix = r.fix;
  if (dg.tensors.empty() || fix.tensors.size() < dg.tensors.size() || fix.inputs.empty() || fix.outputs.empty())
    return Internal("report.html: the quantiser's result has no graph");
  const Shape& in_shape = dg.tensors[static_cast<size_t>(dg.input)].shape;
  const int64_t image_size = NumElements(in_shape);
  const int height = static_cast<int>(in_shape[1]), width = static_cast<int>(in_shape[2]);
  const int64_t classes = NumElements(fix.tensors[static_cast<size_t>(fix.outputs[0])].shape);
  d.classes = static_cast<int>(classes);
  io::CsvOptions csv;
  csv.pixels = static_cast<int>(image_size);
  csv.require_regular_file = true;
  const int64_t batch = 32;
  SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor fx, graph::FloatExecutor::Create(g, batch));

  // ---- activation histograms over the first calibration rows --------------
  const int64_t hist_n = std::min<int64_t>({ro.histogram_images, r.calib_images,
                                            int64_t{o.calib_iter} * o.calib_batch_size});
  if (hist_n > 0) {
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> rows, io::ReadCsvFile(o.calib_csv, csv, hist_n));
    d.histogram_images = static_cast<int64_t>(rows.size());
    std::map<std::string, std::vector<int>> by_source;
    for (size_t i = 0; i < dg.tensors.size(); ++i) by_source[dg.tensors[i].source_tensor].push_back(static_cast<int>(i));
    const size_t nt = dg.tensors.size();
    std::vector<double> lo(nt, 0.0), hi(nt, 0.0);
    std::vector<bool> seen(nt, false);
    std::vector<std::vector<int64_t>> counts(nt, std::vector<int64_t>(static_cast<size_t>(ro.histogram_bins), 0));
    std::vector<int64_t> total(nt, 0), clipped(nt, 0);
    std::vector<float> in, scaled;
    for (int pass = 0; pass < 2; ++pass) {
      graph::FunctionObserver::Fn fn;
      auto feed = [&](const std::string& name, const float* data, const Shape& s) {
        auto it = by_source.find(name);
        if (it == by_source.end()) return;
        for (int id : it->second) {
          const DpuFloatTensor& t = dg.tensors[static_cast<size_t>(id)];
          const float* v = data;
          int64_t n = NumElements(s);
          if (t.MapsSource()) {
            t.MapSource(data, s.empty() ? 1 : s[0], &scaled);
            v = scaled.data();
            n = static_cast<int64_t>(scaled.size());
          }
          const size_t k = static_cast<size_t>(id);
          if (pass == 0) {
            for (int64_t j = 0; j < n; ++j) {
              if (!std::isfinite(v[j])) continue;
              if (!seen[k]) lo[k] = hi[k] = v[j], seen[k] = true;
              lo[k] = std::min<double>(lo[k], v[j]);
              hi[k] = std::max<double>(hi[k], v[j]);
            }
          } else {
            const int fp = fix.tensors[k].fix_point;
            const double step = Pow2(-fp);
            const double rlo = -128.5 * step, rhi = 127.5 * step;
            const double blo = std::min(lo[k], -128.0 * step), bhi = std::max(hi[k], 127.0 * step);
            const double span = bhi - blo > 0 ? bhi - blo : 1.0;
            const int bins = ro.histogram_bins;
            for (int64_t j = 0; j < n; ++j) {
              if (!std::isfinite(v[j])) continue;
              int b = static_cast<int>((v[j] - blo) / span * bins);
              b = std::clamp(b, 0, bins - 1);
              ++counts[k][static_cast<size_t>(b)];
              ++total[k];
              clipped[k] += (v[j] < rlo || v[j] >= rhi) ? 1 : 0;
            }
          }
        }
      };
      struct Obs : graph::Observer {
        std::function<void(const std::string&, const float*, const Shape&)> f;
        void OnInput(const std::string& n, const float* p, const Shape& s) override { f(n, p, s); }
        void OnOutput(const graph::Node&, const std::string& n, const float* p, const Shape& s) override { f(n, p, s); }
      } obs;
      obs.f = feed;
      for (size_t b = 0; b < rows.size(); b += static_cast<size_t>(batch)) {
        const size_t n = std::min(rows.size() - b, static_cast<size_t>(batch));
        SIGNDPU_RETURN_IF_ERROR(FillInput(rows, b, n, image_size, &in));
        SIGNDPU_RETURN_IF_ERROR(fx.Run({{dg.source_input, in.data()}}, static_cast<int64_t>(n), &obs));
      }
    }
    for (size_t k = 0; k < nt; ++k) {
      if (!seen[k]) continue;
      ActivationHistogram h;
      h.tensor = dg.tensors[k].name;
      h.fix_point = fix.tensors[k].fix_point;
      const double step = Pow2(-h.fix_point);
      h.range_lo = -128.0 * step;
      h.range_hi = 127.0 * step;
      h.min = lo[k];
      h.max = hi[k];
      h.bin_lo = std::min(lo[k], h.range_lo);
      h.bin_hi = std::max(hi[k], h.range_hi);
      h.counts = counts[k];
      h.total = total[k];
      h.clipped = clipped[k];
      d.histograms.push_back(std::move(h));
    }
  }

  // ---- weight distributions per output channel ------------------------------
  // The fix ops of each float conv: itself, or its weight groups (the convs
  // feeding the concat that produces its output), in channel order.
  std::map<int, size_t> producer;  // tensor -> fix op index
  for (size_t i = 0; i < fix.ops.size(); ++i) producer[fix.ops[i].output] = i;
  auto fix_ops_of = [&](const DpuFloatOp& op) {
    std::vector<size_t> ops;
    auto p = producer.find(op.output);
    if (p == producer.end()) return ops;
    const FixOp& f = fix.ops[p->second];
    if (f.kind == FixOpKind::kConcat && op.kind != FixOpKind::kConcat) {
      for (int in : f.inputs) {
        auto q = producer.find(in);
        if (q != producer.end()) ops.push_back(q->second);
      }
    }
    ops.push_back(p->second);
    return ops;
  };
  for (const DpuFloatOp& op : dg.ops) {
    if ((op.kind != FixOpKind::kConv2d && op.kind != FixOpKind::kDepthwiseConv2d) || op.weights.empty()) continue;
    const int64_t oc = dg.tensors[static_cast<size_t>(op.output)].shape.back();
    if (oc <= 0) continue;
    WeightDistribution w;
    w.layer = op.name;
    const bool dw = op.kind == FixOpKind::kDepthwiseConv2d;
    const int64_t per = dw ? 1 : static_cast<int64_t>(op.weights.size()) / oc;
    w.ch_min.assign(static_cast<size_t>(oc), 0.0f);
    w.ch_max.assign(static_cast<size_t>(oc), 0.0f);
    w.ch_absmean.assign(static_cast<size_t>(oc), 0.0f);
    for (int64_t c = 0; c < oc; ++c) {
      float mn = 0, mx = 0;
      double sum = 0;
      int64_t cnt = 0;
      bool first = true;
      for (size_t j = 0; j < op.weights.size(); ++j) {
        const bool mine = dw ? static_cast<int64_t>(j % static_cast<size_t>(oc)) == c
                             : static_cast<int64_t>(j) / per == c;
        if (!mine) continue;
        const float v = op.weights[j];
        mn = first ? v : std::min(mn, v);
        mx = first ? v : std::max(mx, v);
        first = false;
        sum += std::fabs(v);
        ++cnt;
      }
      w.ch_min[static_cast<size_t>(c)] = mn;
      w.ch_max[static_cast<size_t>(c)] = mx;
      w.ch_absmean[static_cast<size_t>(c)] = cnt ? static_cast<float>(sum / cnt) : 0.0f;
    }
    const std::vector<size_t> ops = fix_ops_of(op);
    for (size_t i : ops) {
      if (i >= r.layers.size() || !r.layers[i].has_weights) continue;
      w.group_fix_points.push_back(r.layers[i].fix_weights);
    }
    if (op.channel_group_ends.size() > 1 && op.channel_group_ends.size() == w.group_fix_points.size())
      w.group_ends = op.channel_group_ends;
    else if (!w.group_fix_points.empty()) {
      w.group_fix_points.resize(1);
      w.group_ends = {oc};
    }
    d.weights.push_back(std::move(w));
  }

  // ---- fill estimate --------------------------------------------------------
  if (o.dpu_target.empty()) {
    d.fill_note = "no DPU target (--dpu_target empty)";
  } else {
    auto fill = EstimateLayerFill(fix, o.dpu_target);
    if (fill.ok()) {
      d.fill_target = o.dpu_target;
      d.fill = std::move(fill).value();
    } else {
      d.fill_note = fill.status().ToString();
    }
  }

  // ---- evaluation: confusion, changed images, sensitivity --------------------
  if (o.eval_csv.empty() || r.eval_images <= 0) return d;
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<io::CsvFrame> eval, io::ReadCsvFile(o.eval_csv, csv, r.eval_images));
  d.eval_images = static_cast<int64_t>(eval.size());
  d.confusion_float.assign(static_cast<size_t>(classes), std::vector<int64_t>(static_cast<size_t>(classes), 0));
  d.confusion_int8 = d.confusion_float;
  const int64_t sens_n = ro.sensitivity_images < 0 ? d.eval_images : std::min<int64_t>(ro.sensitivity_images, d.eval_images);
  d.sensitivity_images = sens_n;
  // Sensitivity rows: the input quantisation, then every float op with an
  // int8 counterpart (copies and concats change no values).
  struct Probe {
    std::string layer, op;
    const DpuFloatOp* dop = nullptr;
    FixGraph mini;
  };
  std::vector<Probe> probes;
  probes.push_back({"input", "quantise input", nullptr, {}});
  for (const DpuFloatOp& op : dg.ops) {
    if (op.kind == FixOpKind::kCopy || op.kind == FixOpKind::kConcat) continue;
    Probe p;
    p.layer = op.name;
    p.op = FixOpKindName(op.kind);
    p.dop = &op;
    p.mini.name = fix.name + "/" + op.name;
    p.mini.tensors = fix.tensors;
    for (size_t i : fix_ops_of(op)) p.mini.ops.push_back(fix.ops[i]);
    if (p.mini.ops.empty()) continue;
    p.mini.inputs = op.inputs;
    p.mini.outputs = {op.output};
    probes.push_back(std::move(p));
  }
  const int in_fp = fix.tensors[static_cast<size_t>(fix.inputs[0])].fix_point;
  io::PreprocessConfig pre;
  pre.height = height;
  pre.width = width;
  pre.fix_point = in_fp;
  // Batches split over the quantiser's --threads, each thread with its own
  // executors; per-image results are merged in row order afterwards.
  std::vector<int> fpred(eval.size()), ipred(eval.size());
  const int threads = std::max(1, o.threads);
  std::vector<std::vector<int64_t>> probe_ok(static_cast<size_t>(threads), std::vector<int64_t>(probes.size(), 0));
  // A layer whose tensors the float model does not expose (or whose subset
  // run fails) gets no sensitivity row, with the reason: the page and the
  // quantiser's outputs do not depend on it.
  std::vector<std::vector<std::string>> probe_err(static_cast<size_t>(threads), std::vector<std::string>(probes.size()));
  std::vector<Status> status(static_cast<size_t>(threads));
  auto work = [&](int t) -> Status {
    SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor fx_t, graph::FloatExecutor::Create(g, batch));
    SIGNDPU_ASSIGN_OR_RETURN(graph::FloatExecutor sub, graph::FloatExecutor::Create(g, batch));
    SIGNDPU_ASSIGN_OR_RETURN(auto full, FixGraphExecutor::Create(fix, static_cast<int>(batch)));
    std::vector<std::unique_ptr<FixGraphExecutor>> pex(probes.size());
    for (size_t k = 0; k < probes.size(); ++k)
      if (probes[k].dop != nullptr) {
        SIGNDPU_ASSIGN_OR_RETURN(pex[k], FixGraphExecutor::Create(probes[k].mini, static_cast<int>(batch)));
      }
    std::vector<float> in, ours, deq, fed;
    std::vector<int8_t> q(static_cast<size_t>(batch * image_size)), logits(static_cast<size_t>(batch * classes));
    for (size_t b = static_cast<size_t>(t * batch); b < eval.size(); b += static_cast<size_t>(threads * batch)) {
      const size_t n = std::min(eval.size() - b, static_cast<size_t>(batch));
      SIGNDPU_RETURN_IF_ERROR(FillInput(eval, b, n, image_size, &in));
      SIGNDPU_RETURN_IF_ERROR(fx_t.Run({{dg.source_input, in.data()}}, static_cast<int64_t>(n)));
      const float* fout = fx_t.Output(dg.source_output);
      if (fout == nullptr) return Internal("report.html: float executor did not produce " + dg.source_output);
      // int8 of the whole program, input as the runner quantises it (the
      // quantiser's evaluation does the same).
      for (size_t i = 0; i < n; ++i)
        SIGNDPU_RETURN_IF_ERROR(io::PreprocessPixels(eval[b + i].pixels, pre, q.data() + i * image_size));
      full->Run({q.data()}, {logits.data()}, static_cast<int>(n));
      for (size_t i = 0; i < n; ++i) {
        fpred[b + i] = Argmax(fout + i * classes, classes);
        ipred[b + i] = Argmax(logits.data() + i * classes, classes);
      }
      if (static_cast<int64_t>(b) >= sens_n) continue;
      const size_t sn = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(n), sens_n - static_cast<int64_t>(b)));
      for (size_t k = 0; k < probes.size(); ++k) {
        const Probe& p = probes[k];
        std::string& err = probe_err[static_cast<size_t>(t)][k];
        if (!err.empty()) continue;
        std::string fed_name;
        if (p.dop == nullptr) {
          fed.resize(sn * static_cast<size_t>(image_size));
          for (size_t i = 0; i < fed.size(); ++i) fed[i] = Dequantize(q[i], in_fp);
          fed_name = dg.source_input;
        } else {
          std::vector<std::vector<int8_t>> qin(p.dop->inputs.size());
          std::vector<const int8_t*> ptrs;
          for (size_t k2 = 0; k2 < p.dop->inputs.size(); ++k2) {
            const int id = p.dop->inputs[k2];
            const DpuFloatTensor& dt = dg.tensors[static_cast<size_t>(id)];
            const float* src = dt.source_tensor == dg.source_input ? in.data() : fx_t.Output(dt.source_tensor);
            if (src == nullptr) {
              err = "no float values for " + dt.source_tensor;
              break;
            }
            ToOurs(dt, src, static_cast<int64_t>(sn), &ours);
            const int fp = fix.tensors[static_cast<size_t>(id)].fix_point;
            qin[k2].assign(static_cast<size_t>(batch * NumElements(dt.shape)), 0);
            for (size_t j = 0; j < ours.size(); ++j)
              qin[k2][j] = static_cast<int8_t>(QuantizeReal(ours[j], fp, RoundMode::kDpu));
            ptrs.push_back(qin[k2].data());
          }
          if (!err.empty()) continue;
          const DpuFloatTensor& ot = dg.tensors[static_cast<size_t>(p.dop->output)];
          std::vector<int8_t> qout(static_cast<size_t>(batch * NumElements(ot.shape)));
          pex[k]->Run(ptrs, {qout.data()}, static_cast<int>(sn));
          const int ofp = fix.tensors[static_cast<size_t>(p.dop->output)].fix_point;
          deq.resize(sn * static_cast<size_t>(NumElements(ot.shape)));
          for (size_t j = 0; j < deq.size(); ++j) deq[j] = Dequantize(qout[j], ofp);
          ToSource(ot, deq.data(), static_cast<int64_t>(sn), &fed);
          fed_name = ot.source_tensor;
        }
        graph::InputMap feeds{{dg.source_input, in.data()}};
        feeds[fed_name] = fed.data();
        Result<graph::TensorMap> res = sub.RunSubset(feeds, {dg.source_output}, static_cast<int64_t>(sn));
        if (!res.ok()) {
          err = res.status().ToString();
          continue;
        }
        const std::vector<float>& out = (*res)[dg.source_output];
        for (size_t i = 0; i < sn; ++i)
          probe_ok[static_cast<size_t>(t)][k] += Argmax(out.data() + i * classes, classes) == eval[b + i].label;
      }
    }
    return Status::Ok();
  };
  {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { status[static_cast<size_t>(t)] = work(t); });
    status[0] = work(0);
    for (auto& th : pool) th.join();
  }
  for (const Status& st : status) SIGNDPU_RETURN_IF_ERROR(st);
  int64_t sens_float_ok = 0;
  for (size_t i = 0; i < eval.size(); ++i) {
    const int label = eval[i].label;
    if (label >= 0 && label < classes) {
      ++d.confusion_float[static_cast<size_t>(label)][static_cast<size_t>(fpred[i])];
      ++d.confusion_int8[static_cast<size_t>(label)][static_cast<size_t>(ipred[i])];
    }
    if (static_cast<int64_t>(i) < sens_n) sens_float_ok += fpred[i] == label;
    if (fpred[i] == ipred[i]) continue;
    ++d.changed_total;
    if (static_cast<int>(d.changed.size()) >= ro.max_changed_images) continue;
    ChangedImage c;
    c.line = eval[i].line;
    c.label = label;
    c.float_pred = fpred[i];
    c.int8_pred = ipred[i];
    c.height = height;
    c.width = width;
    c.pixels = eval[i].pixels;
    d.changed.push_back(std::move(c));
  }
  std::vector<int64_t> correct(probes.size(), 0);
  for (const auto& po : probe_ok)
    for (size_t k = 0; k < probes.size(); ++k) correct[k] += po[k];
  if (sens_n > 0) {
    d.sensitivity_float_accuracy = static_cast<double>(sens_float_ok) / sens_n;
    for (size_t k = 0; k < probes.size(); ++k)
    {
      std::string why;
      for (const auto& pe : probe_err)
        if (!pe[k].empty()) why = pe[k];
      if (why.empty())
        d.sensitivity.push_back({probes[k].layer, probes[k].op, static_cast<double>(correct[k]) / sens_n});
      else
        d.sensitivity_notes.push_back(probes[k].layer + ": not measured (" + why + ")");
    }
  }
  return d;
}

}  // namespace signdpu::quantize
