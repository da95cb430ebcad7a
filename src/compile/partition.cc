// Roles, fused chains and DPU components of a quantiser-format graph
// (docs/compile.md "Partition"). The rules are vai_c_xir 2.5's as seen on
// tests/data/xmodels/vai25_zcu104_pointpillars.xmodel [checked]: conv-like
// ops, max reductions and concats whose inputs carry fix points go
// to the DPU with the activation and the fix after them folded in; directly
// connected DPU ops share one DPU subgraph; everything else (transposes,
// custom ops, fix on CPU values) is copied to CPU subgraphs. Beyond the pair
// [inferred]: eltwise add / mul, average pooling and hard-sigmoid (with the
// correction mul vai_q_pytorch writes after them), pad, resize and
// pixel-shuffle are DPU ops too; an op outside the target's engine limits
// goes to the CPU (MarkOutsideLimits).
#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include "plan.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::compile::internal {

namespace names = xmodel::names;
using xmodel::GetAttr;
using xmodel::GetAttrOr;

std::vector<const xir::Op*> InputOps(const xir::Op* op, const std::string& arg) {
  const auto v = op->get_input_ops(arg);
  return {v.begin(), v.end()};
}

std::vector<const xir::Op*> AllInputOps(const xir::Op* op) {
  std::vector<const xir::Op*> all;
  for (const auto& [arg, ins] : op->get_input_ops()) all.insert(all.end(), ins.begin(), ins.end());
  return all;
}

std::vector<const xir::Op*> Consumers(const xir::Op* op) {
  const auto v = op->get_fanout_ops();
  return {v.begin(), v.end()};
}

std::string Where(const xir::Op* op) { return "op " + op->get_name() + " (" + op->get_type() + ")"; }

const xir::Op* DpuOwner(const Plan& plan, const xir::Op* op) {
  auto it = plan.info.find(op);
  if (it == plan.info.end()) return nullptr;
  if (it->second.role == Role::kDpu || it->second.role == Role::kFused) return it->second.owner;
  return nullptr;
}

namespace {

bool IsConvLike(const std::string& t) {
  return t == names::kConv2d || t == names::kDepthwiseConv2d || t == names::kTransposedConv2d ||
         t == names::kTransposedDepthwiseConv2d;
}
bool IsPoolLike(const std::string& t) { return t == names::kReductionMax || t == names::kMaxPool2d; }
bool IsActivation(const std::string& t) { return t == names::kRelu || t == names::kRelu6 || t == names::kLeakyRelu; }
// Ops vai_c_xir runs on the DPU that this compile step does not lower yet
// (docs/compile.md "Not covered yet"): refused rather than left on a CPU the
// emulator and `signdpu run` do not execute.
bool IsDpuOpNotLowered(const std::string& t) { return t == names::kHardSwish || t == names::kPrelu; }

bool IsShapeOnly(const std::string& t) {
  return t == names::kTranspose || t == names::kReshape || t == names::kFlatten || t == "squeeze" ||
         t == "unsqueeze" || t == names::kIdentity;
}

bool IsFixOfConst(const xir::Op* op) {
  if (op->get_type() != names::kFix) return false;
  const auto in = InputOps(op, names::kArgInput);
  return in.size() == 1 && in[0]->get_type() == names::kConst;
}

Result<int> FixPointOf(const xir::Op* fix) {
  return GetAttr<int>(fix, names::kFixPoint, Where(fix));
}

// A concat of 4-D tensors on an axis other than the batch (the DPU's
// concat-fix). vai_q_pytorch 2.5 asks for a channel concat only when an input
// comes from the CPU (pytorch_binding/pytorch_nndct/hardware/dpu_op_filter.py
// filter_concat :832-844) [source]; a concat with a CPU input is not a DPU op
// here (IsDpuOp), so any axis 1..3 is accepted.
bool IsDpuConcat(const xir::Op* op) {
  if (op->get_type() != names::kConcat || op->get_output_tensor()->get_shape().size() != 4) return false;
  if (!xmodel::HasAttrOfType<int>(op, names::kAxis)) return false;
  const int axis = op->get_attr<int>(names::kAxis);
  return (axis >= 1 && axis <= 3) || (axis >= -3 && axis <= -1);
}

// The one fix op reading `op`, or null.
const xir::Op* SoleFix(const xir::Op* op) {
  const auto cons = Consumers(op);
  return cons.size() == 1 && cons[0]->get_type() == names::kFix ? cons[0] : nullptr;
}

bool OnCpu(const Plan& plan, const xir::Op* op) {
  auto it = plan.info.find(op);
  return it != plan.info.end() && it->second.role == Role::kCpu;
}

// A const read through a fix only as weights or bias of conv-like ops, or
// as an operand of DPU eltwise ops.
bool IsParam(const Plan& plan, const xir::Op* op) {
  const xir::Op* fix = op;
  if (op->get_type() == names::kConst) {
    fix = SoleFix(op);
    if (fix == nullptr) return false;
  } else {
    const auto in = InputOps(op, names::kArgInput);
    if (op->get_type() != names::kFix || in.size() != 1 || in[0]->get_type() != names::kConst) return false;
  }
  const auto users = Consumers(fix);
  if (users.empty()) return false;
  for (const xir::Op* u : users) {
    if (OnCpu(plan, u)) return false;
    if (IsEltwise(u->get_type())) {
      const auto args = InputOps(u, names::kArgInput);
      if (std::find(args.begin(), args.end(), fix) == args.end() || ActivationInputs(u).empty()) return false;
      continue;
    }
    if (u->get_type() == names::kMatmul) {
      const auto args = InputOps(u, names::kArgInput), b = InputOps(u, names::kArgBias);
      const bool weights = args.size() == 2 && args[1] == fix && DenseMatmulOf(args[0]) == u;
      if (!weights && std::find(b.begin(), b.end(), fix) == b.end()) return false;
      continue;
    }
    if (!IsConvLike(u->get_type())) return false;
    const auto w = InputOps(u, names::kArgWeights), b = InputOps(u, names::kArgBias);
    if (std::find(w.begin(), w.end(), fix) == w.end() && std::find(b.begin(), b.end(), fix) == b.end()) return false;
  }
  return true;
}

Result<Activation> ActivationOf(const xir::Op* act) {
  const std::string& t = act->get_type();
  if (t == names::kRelu) return Activation::kRelu;
  if (t == names::kRelu6) return Activation::kRelu6;
  SIGNDPU_ASSIGN_OR_RETURN(float alpha, GetAttrOr<float>(act, names::kAlpha, 0.1f, Where(act)));
  // The DPU's leaky relu is 26/256; quantisers write 0.1 or 26/256 [source:
  // docs/arithmetic.md section 4].
  if (std::fabs(alpha - 0.1f) > 1e-6f && std::fabs(alpha - 26.0f / 256.0f) > 1e-6f)
    return Unsupported(Where(act) + ": alpha " + std::to_string(alpha) + " (the DPU's leaky relu is 26/256)");
  return Activation::kLeakyRelu;
}

// The fix that gives `op`'s output its fix point: the one fix reading it, or,
// when it is read only by DPU concats, their common fix, through chains of
// concats that are themselves read only by concats (vai_q_pytorch gives a
// tensor read only by a concat the concat's quantisation, chains included:
// nndct_shared/quantization/nndctgraph_holder.py is_concat_input :268-285
// [source]). vai_c_xir inserts that fix on the output [checked:
// "*_inserted_fix_<k>" tensors of the PointPillars deconvs]. Null if none.
const xir::Op* OutputFixThroughConcats(const xir::Op* op, int depth = 0) {
  if (const xir::Op* fix = SoleFix(op)) return fix;
  constexpr int kMaxConcatChain = 64;  // a hostile graph's chain ends here
  const auto cons = Consumers(op);
  if (cons.empty() || depth >= kMaxConcatChain) return nullptr;
  const xir::Op* found = nullptr;
  for (const xir::Op* c : cons) {
    const xir::Op* fix = IsDpuConcat(c) ? OutputFixThroughConcats(c, depth + 1) : nullptr;
    if (fix == nullptr) return nullptr;
    if (found != nullptr) {
      Result<int> a = FixPointOf(found), b = FixPointOf(fix);
      if (!a.ok() || !b.ok() || *a != *b) return nullptr;
    }
    found = fix;
  }
  return found;
}

Status FindOutputFix(const xir::Op* owner, const xir::Op* tail, OpInfo* info) {
  const xir::Op* fix = OutputFixThroughConcats(tail);
  if (fix == nullptr)
    return InvalidArgument(Where(owner) + ": its output is not followed by one fix op (nor read only by "
                           "concats with a common fix), so its fix point is unknown");
  info->out_fix = fix;
  info->inserted_fix = SoleFix(tail) == nullptr;
  return Status::Ok();
}

}  // namespace

// flatten (of a 4-D tensor) -> matmul(flatten, weights fix, transpose_b): a
// dense layer, which vai_c_xir turns into a conv2d-fix over the whole input
// plus a reshape-fix [checked: the compiled MNIST fixtures]. The matmul or null.
const xir::Op* DenseMatmulOf(const xir::Op* flatten) {
  if (flatten->get_type() != names::kFlatten) return nullptr;
  const auto in = InputOps(flatten, names::kArgInput);
  const auto cons = Consumers(flatten);
  if (in.size() != 1 || in[0]->get_output_tensor()->get_shape().size() != 4 || cons.size() != 1) return nullptr;
  const xir::Op* mm = cons[0];
  if (mm->get_type() != names::kMatmul) return nullptr;
  const auto args = InputOps(mm, names::kArgInput);
  if (args.size() != 2 || args[0] != flatten || !IsFixOfConst(args[1])) return nullptr;
  const Result<bool> ta = GetAttrOr<bool>(mm, names::kTransposeA, false, ""),
                     tb = GetAttrOr<bool>(mm, names::kTransposeB, false, "");
  if (!ta.ok() || !tb.ok() || *ta || !*tb) return nullptr;
  return mm;
}

std::vector<const xir::Op*> ActivationInputs(const xir::Op* op) {
  if (op->get_type() == names::kMatmul) {
    const auto args = InputOps(op, names::kArgInput);
    if (!args.empty() && DenseMatmulOf(args[0]) == op) return InputOps(args[0], names::kArgInput);
  }
  if (IsEltwise(op->get_type())) {  // const operands are the op's own (eltwise-fix consts)
    std::vector<const xir::Op*> tensors;
    for (const xir::Op* in : InputOps(op, names::kArgInput))
      if (!IsConstValue(in)) tensors.push_back(in);
    return tensors;
  }
  return InputOps(op, names::kArgInput);
}

bool IsEltwise(const std::string& t) { return t == names::kAdd || t == names::kMul; }

bool IsConstValue(const xir::Op* op) { return op->get_type() == names::kConst || IsFixOfConst(op); }

// vai_q_pytorch writes avgpool2d "<n>_i0" -> mul(const "<n>_i1") "<n>" and
// hard-sigmoid the same way, the const being the DPU's factor over the float
// op's (xop_creator.py avgpool :408-453, hsigmoid :553-571) [source].
const xir::Op* CorrectionMulOf(const xir::Op* op) {
  const std::string& t = op->get_type();
  if (t != names::kAvgPool2d && t != names::kHardSigmoid) return nullptr;
  const auto cons = Consumers(op);
  if (cons.size() != 1 || cons[0]->get_type() != names::kMul) return nullptr;
  const auto args = InputOps(cons[0], names::kArgInput);
  if (args.size() != 2 || (args[0] != op && args[1] != op) || args[0] == args[1]) return nullptr;
  const xir::Op* other = args[0] == op ? args[1] : args[0];
  if (!IsConstValue(other) || other->get_output_tensor()->get_element_num() != 1) return nullptr;
  return cons[0];
}

// The DPU's fused activation after `op` (conv-like, dense, eltwise): its one
// consumer when that is relu / relu6 / leaky-relu, else null.
const xir::Op* FusedActivationOf(const xir::Op* op) {
  const std::string& t = op->get_type();
  const bool fuses = IsConvLike(t) || t == names::kMatmul || IsEltwise(t);
  const auto cons = Consumers(op);
  return fuses && cons.size() == 1 && IsActivation(cons[0]->get_type()) ? cons[0] : nullptr;
}

Result<int> UpstreamFixPoint(const Plan& plan, const xir::Op* op) {
  for (int depth = 0; depth < 64; ++depth) {
    if (const xir::Op* owner = DpuOwner(plan, op)) return FixPointOf(plan.info.at(owner).out_fix);
    if (op->get_type() == names::kFix) return FixPointOf(op);
    const auto in = AllInputOps(op);
    if (!IsShapeOnly(op->get_type()) || in.size() != 1) break;
    op = in[0];
  }
  return InvalidArgument(Where(op) + " carries no fix point (no fix op before the DPU reads it)");
}

namespace {

// Marks `op` a DPU op with its fused activation (or correction mul) and
// output fix.
Status MarkDpu(const xir::Op* op, Plan* plan) {
  for (const xir::Op* in : ActivationInputs(op)) {
    Result<int> fp = UpstreamFixPoint(*plan, in);
    if (!fp.ok()) return InvalidArgument(Where(op) + ": input " + fp.status().message());
  }
  OpInfo info;
  info.role = Role::kDpu;
  info.owner = op;
  const xir::Op* tail = op;
  if (const xir::Op* act = FusedActivationOf(op)) {
    SIGNDPU_ASSIGN_OR_RETURN(info.activation, ActivationOf(act));
    tail = act;
  } else if (const xir::Op* mul = CorrectionMulOf(op)) {
    tail = mul;  // its const: MarkCorrectionConsts
  }
  if (tail != op) plan->info[tail] = OpInfo{Role::kFused, -1, op};
  info.tail = tail;
  SIGNDPU_RETURN_IF_ERROR(FindOutputFix(op, tail, &info));
  if (!info.inserted_fix) plan->info[info.out_fix] = OpInfo{Role::kFused, -1, op};
  plan->info[op] = info;
  return Status::Ok();
}

// The only reader of a data op, a fix: written as one data-fix [checked].
bool IsDataFix(const xir::Op* op) {
  const auto in = InputOps(op, names::kArgInput);
  return op->get_type() == names::kFix && in.size() == 1 && in[0]->get_type() == names::kData &&
         Consumers(in[0]).size() == 1;
}

bool IsDpuCandidate(const Plan& plan, const xir::Op* op) {
  const std::string& t = op->get_type();
  if (IsConvLike(t) || IsPoolLike(t) || t == names::kAvgPool2d || t == names::kHardSigmoid || t == names::kPad ||
      t == names::kUpsample || t == names::kResize || t == kPixelShuffle)
    return true;
  if (IsEltwise(t)) return !ActivationInputs(op).empty();
  if (t == names::kMatmul) {
    const auto args = InputOps(op, names::kArgInput);
    return !args.empty() && DenseMatmulOf(args[0]) == op;
  }
  if (!IsDpuConcat(op) || OutputFixThroughConcats(op) == nullptr) return false;
  for (const xir::Op* in : InputOps(op, names::kArgInput))
    if (DpuOwner(plan, in) == nullptr) return false;  // vai_q's filter_concat: inputs on the DPU
  return true;
}

// An op the target's engines cannot run goes to the CPU, as vai_q_pytorch's
// partition does with every op failing its target filter (dpu_partition.py
// simple_allocate_op_device :104-111, "only use partition pass of xcompile",
// filters of dpu_op_filter.py :932-952) [source]; that vai_c_xir 2.5 places it
// the same way is [inferred] (closed source). Its correction mul goes along.
Status MarkOutsideLimits(const target::DpuLimits& limits, Plan* plan) {
  for (const xir::Op* op : plan->order) {
    SIGNDPU_ASSIGN_OR_RETURN(std::optional<target::DpuLayer> layer, EngineLayerOf(op));
    if (!layer) continue;
    const std::vector<target::Violation> v = target::CheckLayer(limits, *layer);
    if (v.empty()) continue;
    plan->info[op].role = Role::kCpu;
    if (const xir::Op* mul = CorrectionMulOf(op)) plan->info[mul].role = Role::kCpu;
    std::string why = v[0].what;
    if (v.size() > 1) why += " (and " + std::to_string(v.size() - 1) + " more)";
    plan->model_out.cpu_reasons[op->get_name()] = why + " [DPU " + limits.name + "]";
  }
  return Status::Ok();
}

// The const (and its fix) of a DPU op's correction mul: part of that op.
void MarkCorrectionConsts(Plan* plan) {
  for (const xir::Op* op : plan->order) {
    const xir::Op* mul = CorrectionMulOf(op);
    if (mul == nullptr || OnCpu(*plan, op)) continue;
    for (const xir::Op* in : InputOps(mul, names::kArgInput)) {
      if (in == op) continue;
      plan->info[in] = OpInfo{Role::kFused, -1, op};
      if (in->get_type() == names::kFix) plan->info[InputOps(in, names::kArgInput)[0]] = OpInfo{Role::kFused, -1, op};
    }
  }
}

// Union-find over DPU ops: directly connected ones share a part.
void Components(Plan* plan) {
  std::map<const xir::Op*, const xir::Op*> parent;
  std::function<const xir::Op*(const xir::Op*)> find = [&](const xir::Op* x) {
    return parent[x] == x ? x : parent[x] = find(parent[x]);
  };
  for (const xir::Op* op : plan->order)
    if (plan->info[op].role == Role::kDpu) parent[op] = op;
  for (const xir::Op* op : plan->order) {
    if (plan->info[op].role != Role::kDpu) continue;
    for (const xir::Op* in : ActivationInputs(op))
      if (const xir::Op* owner = DpuOwner(*plan, in)) parent[find(op)] = find(owner);
  }
  std::map<const xir::Op*, int> part_of_root;
  for (const xir::Op* op : plan->order) {
    if (plan->info[op].role != Role::kDpu) continue;
    const xir::Op* root = find(op);
    if (!part_of_root.count(root)) part_of_root[root] = plan->parts++;
    plan->info[op].part = part_of_root[root];
  }
  for (auto& [op, info] : plan->info)
    if (info.role == Role::kFused) info.part = plan->info[info.owner].part;
}

}  // namespace

Status Partition(const target::DpuLimits& limits, Plan* plan) {
  if (plan->check_limits) SIGNDPU_RETURN_IF_ERROR(MarkOutsideLimits(limits, plan));
  MarkCorrectionConsts(plan);
  for (const xir::Op* op : plan->order) {
    if (plan->info.count(op)) continue;  // fused into an earlier op
    const std::string& t = op->get_type();
    if (IsDpuOpNotLowered(t))
      return Unsupported(Where(op) + ": not lowered to the DPU by signdpu compile yet (docs/compile.md)");
    if (t == names::kData) {
      plan->info[op].role = Role::kUser;
    } else if (IsDataFix(op)) {
      plan->info[op].role = Role::kUser;  // with its data: one data-fix
    } else if ((t == names::kConst || t == names::kFix) && IsParam(*plan, op)) {
      plan->info[op].role = Role::kParam;
    } else if (const xir::Op* mm = DenseMatmulOf(op)) {
      plan->info[op] = OpInfo{Role::kFused, -1, mm};  // folded into the dense layer's conv2d-fix
    } else if (IsDpuCandidate(*plan, op)) {
      SIGNDPU_RETURN_IF_ERROR(MarkDpu(op, plan));
    } else {
      plan->info[op].role = Role::kCpu;
    }
  }
  Components(plan);
  return Status::Ok();
}

}  // namespace signdpu::compile::internal
