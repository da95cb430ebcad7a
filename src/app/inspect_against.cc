#include "signdpu/app/inspect_against.h"

#include <map>
#include <set>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/app/inspect_int.h"
#include "signdpu/compile/compile.h"
#include "signdpu/core/json_text.h"
#include "signdpu/core/str_format.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu::app {

namespace {

namespace names = xmodel::names;

bool IsPlaceholder(const std::string& type) {
  static const std::set<std::string> kSkip = {"const-fix", "data-fix", "upload", "download", names::kConst,
                                              names::kData};
  return kSkip.count(type) > 0;
}

std::vector<const xir::Op*> AllInputs(const xir::Op* op) {
  std::vector<const xir::Op*> all;
  for (const auto& [arg, ops] : op->get_input_ops()) all.insert(all.end(), ops.begin(), ops.end());
  return all;
}

// A compiled tensor's fix point (its `fix_point` attribute), when it has one.
bool TensorFixPoint(const xir::Tensor* t, int* fp) {
  if (t == nullptr || !xmodel::HasAttrOfType<int>(t, names::kFixPoint)) return false;
  *fp = t->get_attr<int>(names::kFixPoint);
  return true;
}

SideOp CompiledOp(const xir::Op* op) {
  SideOp o;
  o.name = op->get_name();
  o.type = op->get_type();
  const xir::Tensor* out = op->get_output_tensor();
  o.tensor = out == nullptr ? "" : out->get_name();
  o.has_fix = TensorFixPoint(out, &o.fix_point);
  for (const xir::Op* in : AllInputs(op)) {
    if (in->get_type() == "const-fix" || in->get_type() == names::kConst) continue;  // weights, bias
    int fp = 0;
    if (TensorFixPoint(in->get_output_tensor(), &fp)) o.in_fix_points.push_back(fp);
  }
  return o;
}

SideSubgraph CompiledSubgraph(const xir::Subgraph* sg) {
  SideSubgraph s;
  s.name = sg->get_name();
  s.device = xmodel::SubgraphDevice(sg);
  s.op_count = static_cast<long long>(sg->get_op_num());
  for (const xir::Op* op : sg->topological_sort()) {
    s.keys.push_back(op->get_name());
    if (op->get_output_tensor() != nullptr) s.keys.push_back(op->get_output_tensor()->get_name());
    if (s.device == "DPU" && !IsPlaceholder(op->get_type())) s.dpu_ops.push_back(CompiledOp(op));
  }
  return s;
}

InspectSide ReadCompiled(const xir::Graph& g) {
  InspectSide side;
  side.format = "compiled";
  const xir::Subgraph* root = g.get_root_subgraph();
  if (root->is_leaf()) {
    side.subgraphs.push_back(CompiledSubgraph(root));
    return side;
  }
  for (const xir::Subgraph* sg : root->children_topological_sort()) side.subgraphs.push_back(CompiledSubgraph(sg));
  return side;
}

SideOp QuantizerOp(const QuantizerOpInfo& info) {
  SideOp o;
  o.name = info.name;
  o.type = info.type;
  o.tensor = info.out_fix;
  o.has_fix = !info.out_fix.empty();
  o.fix_point = info.out_fix_point;
  o.in_fix_points = info.in_fix_points;
  return o;
}

// A quantiser-format file the compile refuses: one unpartitioned subgraph
// whose rows are the ops followed by a fix.
InspectSide Unpartitioned(const QuantizerXmodelReport& report, const std::string& why) {
  InspectSide side;
  side.format = "quantiser format, not partitioned: " + PrintableText(why);
  SideSubgraph s;
  s.name = "graph_" + report.graph_name;
  s.device = "-";
  for (const auto& info : report.ops) {
    if (info.is_fix || IsPlaceholder(info.type)) continue;
    ++s.op_count;
    s.keys.push_back(info.name);
    if (info.out_fix.empty()) continue;
    // A relu-like op whose fix a conv before it already showed: fused.
    static const std::set<std::string> kFused = {names::kRelu, names::kRelu6, names::kLeakyRelu, names::kPrelu};
    if (kFused.count(info.type) && !s.dpu_ops.empty() && s.dpu_ops.back().tensor == info.out_fix) continue;
    s.dpu_ops.push_back(QuantizerOp(info));
    s.keys.push_back(info.out_fix);
  }
  side.subgraphs.push_back(std::move(s));
  return side;
}

// The DPU subgraphs `signdpu compile` makes of the graph, then its CPU ops;
// the fix points are the quantiser's (QuantizerOpInfo), not the compile's.
Result<InspectSide> ReadQuantizer(const xir::Graph& g, const std::string& dpu_target) {
  SIGNDPU_ASSIGN_OR_RETURN(QuantizerXmodelReport report, InspectQuantizerGraph(g, dpu_target));
  compile::CompileOptions options;
  options.target = dpu_target;
  auto plan_or = compile::PlanCompile(g, options);
  if (!plan_or.ok()) return Unpartitioned(report, plan_or.status().message());
  const compile::CompiledModel& plan = *plan_or;
  InspectSide side;
  side.format = "quantiser format, partitioned as signdpu compile --target " + dpu_target;
  for (size_t p = 0; p < plan.dpu.size(); ++p) {
    SideSubgraph s;
    s.name = StrFormat("dpu_part_%zu", p);
    s.device = "DPU";
    const std::set<std::string> part(plan.dpu[p].source_ops.begin(), plan.dpu[p].source_ops.end());
    s.op_count = static_cast<long long>(part.size());
    // The rows: the source ops that became a -fix op (a fused activation,
    // flatten or correction mul did not; the compile names each -fix op
    // after its source op).
    std::set<std::string> lowered;
    for (const FixOp& op : plan.dpu[p].graph.ops) lowered.insert(op.name);
    for (const auto& info : report.ops) {
      if (!part.count(info.name) || !lowered.count(info.name) || info.is_fix) continue;
      s.dpu_ops.push_back(QuantizerOp(info));
      s.keys.push_back(info.name);
      s.keys.push_back(info.out_fix);
    }
    side.subgraphs.push_back(std::move(s));
  }
  if (!plan.cpu_ops.empty()) {
    SideSubgraph s;
    s.name = "cpu_ops";
    s.device = "CPU";
    s.op_count = static_cast<long long>(plan.cpu_ops.size());
    s.keys = plan.cpu_ops;
    side.subgraphs.push_back(std::move(s));
  }
  return side;
}

std::string FixText(const SideOp* o) {
  if (o == nullptr || !o->has_fix) return "-";
  return std::to_string(o->fix_point);
}

std::string InsText(const SideOp* o) {
  if (o == nullptr) return "-";
  std::string s;
  for (size_t i = 0; i < o->in_fix_points.size(); ++i) s += (i ? "," : "") + std::to_string(o->in_fix_points[i]);
  return s.empty() ? "-" : s;
}

// Index in `other` of the subgraph sharing most op/tensor names with `s`; -1: none.
int Counterpart(const SideSubgraph& s, const InspectSide& other) {
  const std::set<std::string> mine(s.keys.begin(), s.keys.end());
  int best = -1;
  size_t best_shared = 0;
  for (size_t j = 0; j < other.subgraphs.size(); ++j) {
    size_t shared = 0;
    for (const auto& k : std::set<std::string>(other.subgraphs[j].keys.begin(), other.subgraphs[j].keys.end()))
      shared += (!k.empty() && mine.count(k)) ? 1 : 0;
    if (shared > best_shared) best_shared = shared, best = static_cast<int>(j);
  }
  return best;
}

std::string FormatPartition(const char* label, const InspectSide& side, const InspectSide& other) {
  std::string s = StrFormat("%s %s  (%s): %s\n", label, PrintableText(side.path).c_str(), side.format.c_str(),
                            CountText(static_cast<long long>(side.subgraphs.size()), "subgraph").c_str());
  for (size_t i = 0; i < side.subgraphs.size(); ++i) {
    const SideSubgraph& sg = side.subgraphs[i];
    const int j = Counterpart(sg, other);
    s += StrFormat("  subgraph %zu %s  device %s  ops %lld  ", i, PrintableText(sg.name).c_str(),
                   PrintableText(sg.device).c_str(), sg.op_count);
    s += j < 0 ? std::string("other: none\n")
               : StrFormat("other: subgraph %d %s\n", j, PrintableText(other.subgraphs[j].name).c_str());
  }
  return s;
}

std::vector<const SideOp*> DpuOps(const InspectSide& side) {
  std::vector<const SideOp*> ops;
  for (const auto& sg : side.subgraphs)
    for (const auto& op : sg.dpu_ops) ops.push_back(&op);
  return ops;
}

// For each op of `a`, the op of `b` with the same op name, else the same
// output tensor name (each op of `b` used once); -1: none.
std::vector<int> MatchOps(const std::vector<const SideOp*>& a, const std::vector<const SideOp*>& b) {
  std::map<std::string, int> by_tensor, by_name;
  for (size_t j = b.size(); j-- > 0;) {
    if (!b[j]->tensor.empty()) by_tensor[b[j]->tensor] = static_cast<int>(j);
    by_name[b[j]->name] = static_cast<int>(j);
  }
  std::vector<int> match(a.size(), -1);
  std::vector<bool> used(b.size(), false);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (match[i] >= 0) continue;
      const auto& index = pass == 0 ? by_name : by_tensor;
      const std::string& key = pass == 0 ? a[i]->name : a[i]->tensor;
      auto it = key.empty() ? index.end() : index.find(key);
      if (it == index.end() || used[static_cast<size_t>(it->second)]) continue;
      match[i] = it->second;
      used[static_cast<size_t>(it->second)] = true;
    }
  }
  return match;
}

std::string OpRow(const char* mark, const SideOp* a, const SideOp* b) {
  const SideOp* named = a != nullptr ? a : b;
  std::string s = StrFormat("%s %s %s  out %s | %s  in %s | %s", mark, PrintableText(named->type).c_str(),
                            PrintableText(named->name).c_str(), FixText(a).c_str(), FixText(b).c_str(),
                            InsText(a).c_str(), InsText(b).c_str());
  if (a != nullptr && b != nullptr && a->name != b->name)
    s += StrFormat("  other %s %s", PrintableText(b->type).c_str(), PrintableText(b->name).c_str());
  else if (a != nullptr && b != nullptr && a->type != b->type)
    s += StrFormat("  other %s", PrintableText(b->type).c_str());
  if (a == nullptr) s += "  (only in other)";
  if (b == nullptr) s += "  (no counterpart in other)";
  return s + "\n";
}

}  // namespace

Result<InspectSide> ReadInspectSide(const std::string& path, const std::string& dpu_target) {
  auto graph = xmodel::LoadXmodel(path);
  if (!graph.ok()) return graph.status();
  auto side = IsQuantizerFormat(**graph) ? ReadQuantizer(**graph, dpu_target) : Result<InspectSide>(ReadCompiled(**graph));
  if (!side.ok()) return side.status().WithContext(path);
  side->path = path;
  return side;
}

std::string FormatAgainst(const InspectSide& file, const InspectSide& other, AgainstCounts* counts) {
  std::string s = FormatPartition("file ", file, other) + FormatPartition("other", other, file);
  const auto a = DpuOps(file), b = DpuOps(other);
  const std::vector<int> match = MatchOps(a, b);
  std::vector<bool> used(b.size(), false);
  s += "dpu ops: mark type name  out fix_point file | other  in fix_points file | other  (= equal, ! differs, - no counterpart)\n";
  for (size_t i = 0; i < a.size(); ++i) {
    const SideOp* o = match[i] < 0 ? nullptr : b[static_cast<size_t>(match[i])];
    if (o == nullptr) {
      ++counts->unmatched;
      s += OpRow("-", a[i], nullptr);
      continue;
    }
    used[static_cast<size_t>(match[i])] = true;
    ++counts->matched;
    const bool equal = a[i]->has_fix == o->has_fix && (!o->has_fix || a[i]->fix_point == o->fix_point) &&
                       a[i]->in_fix_points == o->in_fix_points;
    ++(equal ? counts->equal : counts->differing);
    s += OpRow(equal ? "=" : "!", a[i], o);
  }
  for (size_t j = 0; j < b.size(); ++j) {
    if (used[j]) continue;
    ++counts->unmatched;
    s += OpRow("-", nullptr, b[j]);
  }
  s += StrFormat("%lld matched, %lld equal fix points, %lld differing, %lld unmatched\n", counts->matched,
                 counts->equal, counts->differing, counts->unmatched);
  return s;
}

}  // namespace signdpu::app
