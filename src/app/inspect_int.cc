#include "signdpu/app/inspect_int.h"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <set>
#include <xir/graph/graph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/str_format.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu::app {

namespace {

using target::DpuLayer;
using target::LayerKind;

std::vector<int32_t> ShapeOf(const xir::Op* op) {
  const xir::Tensor* t = op->get_output_tensor();
  return t == nullptr ? std::vector<int32_t>{} : t->get_shape();
}

// Input `arg`[0] of op, or null.
const xir::Op* FirstInput(const xir::Op* op, const std::string& arg) {
  const auto ins = op->get_input_ops(arg);
  return ins.empty() ? nullptr : ins[0];
}

// A const, or a fix of a const.
bool IsConstant(const xir::Op* op) {
  if (op == nullptr) return false;
  if (op->get_type() == xmodel::names::kFix) op = FirstInput(op, xmodel::names::kArgInput);
  return op != nullptr && op->get_type() == xmodel::names::kConst;
}

// [w, h] attribute (XIR's order) -> (h, w); absent -> `fallback`.
Status ReadPair(const xir::Op* op, const std::string& key, int fallback, int* h, int* w) {
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<int> v,
                           xmodel::GetAttrOr<std::vector<int>>(op, key, {fallback, fallback}, "op " + op->get_name()));
  if (v.size() != 2) return InvalidArgument("op " + op->get_name() + ": attribute '" + key + "' needs 2 values");
  *w = v[0];
  *h = v[1];
  return Status::Ok();
}

Status ReadWindow(const xir::Op* op, DpuLayer* x) {
  SIGNDPU_RETURN_IF_ERROR(ReadPair(op, xmodel::names::kKernel, 1, &x->kernel_h, &x->kernel_w));
  SIGNDPU_RETURN_IF_ERROR(ReadPair(op, xmodel::names::kStride, 1, &x->stride_h, &x->stride_w));
  SIGNDPU_RETURN_IF_ERROR(ReadPair(op, xmodel::names::kDilation, 1, &x->dilation_h, &x->dilation_w));
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<int> pad,
                           xmodel::GetAttrOr<std::vector<int>>(op, xmodel::names::kPad, {0, 0, 0, 0}, "op " + op->get_name()));
  if (pad.size() != 4) return InvalidArgument("op " + op->get_name() + ": attribute 'pad' needs 4 values");
  x->pad_left = pad[0], x->pad_right = pad[1], x->pad_top = pad[2], x->pad_bottom = pad[3];
  return Status::Ok();
}

void ReadInputShape(const xir::Op* op, DpuLayer* x) {
  const xir::Op* in = FirstInput(op, xmodel::names::kArgInput);
  if (in == nullptr) return;
  const auto s = ShapeOf(in);
  if (s.size() == 4) {
    x->in_h = s[1];
    x->in_w = s[2];
    x->in_c = s[3];
  } else if (!s.empty()) {
    x->in_c = s.back();
  }
}

// The only user of `op`, when it is an activation the engine fuses.
Status ReadFusedNonlinear(const xir::Op* op, DpuLayer* x) {
  const auto users = op->get_fanout_ops();
  if (users.size() != 1) return Status::Ok();
  const std::string& t = users[0]->get_type();
  if (t == xmodel::names::kRelu) x->nonlinear = "relu";
  else if (t == xmodel::names::kRelu6) x->nonlinear = "relu_six";
  else if (t == xmodel::names::kPrelu) x->nonlinear = "prelu";
  else if (t == xmodel::names::kLeakyRelu) {
    x->nonlinear = "leaky_relu";
    SIGNDPU_ASSIGN_OR_RETURN(x->leaky_alpha,
                             xmodel::GetAttrOr<float>(users[0], xmodel::names::kAlpha, 26.0f / 256.0f, "op " + users[0]->get_name()));
  }
  return Status::Ok();
}

std::string Dims(const std::vector<int32_t>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + std::to_string(s[i]);
  return out.empty() ? "-" : out;
}

std::vector<const xir::Op*> AllInputs(const xir::Op* op) {
  std::vector<const xir::Op*> all;
  for (const auto& [arg, ops] : op->get_input_ops()) all.insert(all.end(), ops.begin(), ops.end());
  return all;
}

// The fix quantising op's output: a fix user, else the fix of its only
// (non-fix) user's chain; null when none.
const xir::Op* FixAfter(const xir::Op* op) {
  for (int depth = 0; op != nullptr && depth < 64; ++depth) {
    const auto users = op->get_fanout_ops();
    for (const xir::Op* u : users)
      if (u->get_type() == xmodel::names::kFix) return u;
    op = users.size() == 1 ? users[0] : nullptr;
  }
  return nullptr;
}

// The nearest fix at or above `op` through single-input ops; null when none.
const xir::Op* FixAtOrBefore(const xir::Op* op) {
  for (int depth = 0; op != nullptr && depth < 64; ++depth) {
    if (op->get_type() == xmodel::names::kFix) return op;
    const auto ins = AllInputs(op);
    op = ins.size() == 1 ? ins[0] : nullptr;
  }
  return nullptr;
}

void FillOpFixPoints(const xir::Op* op, const std::map<const xir::Op*, int>& fix_points, QuantizerOpInfo* info) {
  const std::string& type = op->get_type();
  if (type == xmodel::names::kFix || type == xmodel::names::kConst || type == xmodel::names::kData) return;
  if (const xir::Op* f = FixAfter(op); f != nullptr) {
    info->out_fix = f->get_name();
    info->out_fix_point = fix_points.at(f);
  }
  for (const xir::Op* in : AllInputs(op)) {
    if (IsConstant(in)) continue;
    // An input with no fix of its own (a concat's input, vai_q's
    // is_concat_input) takes the fix downstream of it.
    const xir::Op* f = FixAtOrBefore(in);
    if (f == nullptr) f = FixAfter(in);
    if (f != nullptr) info->in_fix_points.push_back(fix_points.at(f));
  }
}

}  // namespace

bool IsQuantizerFormat(const xir::Graph& graph) {
  if (!xmodel::DpuSubgraphs(graph).empty()) return false;
  for (const xir::Op* op : graph.get_ops())
    if (op->get_type() == xmodel::names::kFix) return true;
  return false;
}

Result<std::vector<DpuLayer>> QuantizerLayers(const xir::Graph& graph, std::vector<std::string>* unchecked) {
  std::vector<DpuLayer> layers;
  for (const xir::Op* op : graph.topological_sort()) {
    const std::string& type = op->get_type();
    DpuLayer x;
    x.name = op->get_name();
    const auto out = ShapeOf(op);
    x.out_c = out.empty() ? 1 : out.back();
    if (type == xmodel::names::kConv2d || type == xmodel::names::kDepthwiseConv2d ||
        type == xmodel::names::kTransposedConv2d || type == xmodel::names::kTransposedDepthwiseConv2d) {
      x.kind = type == xmodel::names::kConv2d            ? LayerKind::kConv
               : type == xmodel::names::kDepthwiseConv2d ? LayerKind::kDepthwiseConv
               : type == xmodel::names::kTransposedConv2d ? LayerKind::kTransposedConv
                                                          : LayerKind::kTransposedDepthwiseConv;
      SIGNDPU_RETURN_IF_ERROR(ReadWindow(op, &x));
      ReadInputShape(op, &x);
      SIGNDPU_RETURN_IF_ERROR(ReadFusedNonlinear(op, &x));
    } else if (type == xmodel::names::kMaxPool2d || type == xmodel::names::kAvgPool2d) {
      x.kind = type == xmodel::names::kMaxPool2d ? LayerKind::kMaxPool : LayerKind::kAvgPool;
      SIGNDPU_RETURN_IF_ERROR(ReadWindow(op, &x));
      ReadInputShape(op, &x);
      SIGNDPU_ASSIGN_OR_RETURN(bool global, xmodel::GetAttrOr<bool>(op, xmodel::names::kGlobal, false, "op " + op->get_name()));
      if (global) {
        x.kernel_h = static_cast<int>(x.in_h);
        x.kernel_w = static_cast<int>(x.in_w);
      }
    } else if (type == xmodel::names::kAdd) {
      x.kind = LayerKind::kEltwiseAdd;
      ReadInputShape(op, &x);
      SIGNDPU_RETURN_IF_ERROR(ReadFusedNonlinear(op, &x));
    } else if (type == xmodel::names::kMul) {
      // A mul by a constant is nndct's avgpool / hard-sigmoid scale (or a
      // per-channel scale the compiler turns into a depthwise conv): not an
      // eltwise multiplication.
      const auto ins = op->get_input_ops(xmodel::names::kArgInput);
      bool constant = false;
      for (const xir::Op* in : ins) constant = constant || IsConstant(in);
      if (constant) continue;
      x.kind = LayerKind::kEltwiseMul;
      ReadInputShape(op, &x);
    } else if (type == xmodel::names::kHardSigmoid) {
      x.kind = LayerKind::kHardSigmoid;
      ReadInputShape(op, &x);
    } else if (type == xmodel::names::kMatmul) {
      // A dense (flatten -> matmul): only its nonlinearity has a rule
      // (DpuLayer::dense).
      const xir::Op* in = FirstInput(op, xmodel::names::kArgInput);
      if (in != nullptr && in->get_type() == xmodel::names::kFlatten) in = FirstInput(in, xmodel::names::kArgInput);
      const auto s = in == nullptr ? std::vector<int32_t>{} : ShapeOf(in);
      if (s.size() != 4) {
        if (unchecked != nullptr) unchecked->push_back(type + " " + op->get_name());
        continue;
      }
      x.kind = LayerKind::kConv;
      x.dense = true;
      x.in_h = s[1], x.in_w = s[2], x.in_c = s[3];
      x.kernel_h = s[1], x.kernel_w = s[2];
      SIGNDPU_RETURN_IF_ERROR(ReadFusedNonlinear(op, &x));
    } else {
      static const std::set<std::string> kUnchecked = {
          xmodel::names::kHardSwish, xmodel::names::kUpsample, xmodel::names::kResize, xmodel::names::kReductionMax};
      if (unchecked != nullptr && kUnchecked.count(type)) unchecked->push_back(type + " " + op->get_name());
      continue;
    }
    layers.push_back(std::move(x));
  }
  return layers;
}

Result<QuantizerXmodelReport> InspectQuantizerGraph(const xir::Graph& graph, const std::string& dpu_target) {
  QuantizerXmodelReport r;
  r.graph_name = graph.get_name();
  for (const xir::Op* op : graph.topological_sort()) {
    QuantizerOpInfo info;
    info.type = op->get_type();
    info.name = op->get_name();
    info.shape = ShapeOf(op);
    if (info.type == xmodel::names::kFix) {
      const std::string where = "fix op " + info.name;
      info.is_fix = true;
      SIGNDPU_ASSIGN_OR_RETURN(info.fix_point, xmodel::GetAttr<int>(op, xmodel::names::kFixPoint, where));
      SIGNDPU_ASSIGN_OR_RETURN(info.bit_width, xmodel::GetAttrOr<int>(op, xmodel::names::kBitWidth, 8, where));
      SIGNDPU_ASSIGN_OR_RETURN(info.if_signed, xmodel::GetAttrOr<bool>(op, xmodel::names::kIfSigned, true, where));
    }
    r.ops.push_back(std::move(info));
  }
  std::map<const xir::Op*, int> fix_points;
  const auto sorted = graph.topological_sort();
  for (size_t i = 0; i < sorted.size(); ++i)
    if (r.ops[i].is_fix) fix_points[sorted[i]] = r.ops[i].fix_point;
  for (size_t i = 0; i < sorted.size(); ++i) FillOpFixPoints(sorted[i], fix_points, &r.ops[i]);
  SIGNDPU_ASSIGN_OR_RETURN(r.layers, QuantizerLayers(graph, &r.unchecked));
  SIGNDPU_ASSIGN_OR_RETURN(r.limits, target::LoadDpuLimits(dpu_target));
  r.violations = target::CheckLayers(r.limits, r.layers);
  return r;
}

std::string FormatQuantizerReport(const std::string& path, const QuantizerXmodelReport& r) {
  std::string s;
  int fixes = 0;
  for (const auto& op : r.ops) fixes += op.is_fix ? 1 : 0;
  s += StrFormat("model %s  quantiser format (for vai_c_xir)  graph %s  %zu ops, %d fix\n", path.c_str(),
                 r.graph_name.c_str(), r.ops.size(), fixes);
  for (const auto& op : r.ops) {
    s += "op " + op.type + " " + op.name + "  shape " + Dims(op.shape);
    if (op.is_fix) {
      s += StrFormat("  fix_point %d  bit_width %d  if_signed %s", op.fix_point, op.bit_width,
                     op.if_signed ? "true" : "false");
    }
    s += "\n";
  }
  s += StrFormat("dpu-limits %s (fingerprint 0x%016" PRIx64 "): %s checked, %s\n", r.limits.name.c_str(),
                 r.limits.fingerprint, CountText(static_cast<long long>(r.layers.size()), "layer").c_str(),
                 CountText(static_cast<long long>(r.violations.size()), "violation").c_str());
  for (const auto& v : r.violations) s += "violation " + v.Line(r.limits.name) + "\n";
  for (const auto& u : r.unchecked) s += "unchecked " + u + " (no rule here; vai_c_xir decides)\n";
  return s;
}

Result<bool> InspectIfQuantizerXmodel(const std::string& path, const std::string& dpu_target, int* exit_code) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<xir::Graph> graph, xmodel::LoadXmodel(path));
  if (!IsQuantizerFormat(*graph)) return false;
  auto report_or = InspectQuantizerGraph(*graph, dpu_target);
  if (!report_or.ok()) return report_or.status().WithContext(path);
  const QuantizerXmodelReport& report = *report_or;
  std::fputs(FormatQuantizerReport(path, report).c_str(), stdout);
  std::fflush(stdout);
  *exit_code = 0;
  if (!report.violations.empty()) {
    std::fprintf(stderr, "signdpu: error: %s: %s for %s, first: %s\n", path.c_str(),
                 CountText(static_cast<long long>(report.violations.size()), "layer limit violation").c_str(),
                 report.limits.name.c_str(),
                 report.violations[0].Line(report.limits.name).c_str());
    *exit_code = 1;
  }
  return true;
}

}  // namespace signdpu::app
