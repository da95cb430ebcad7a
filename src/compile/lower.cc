// DPU components -> FixGraphs (docs/compile.md "Lowering"). Each DPU op
// becomes its -fix form: int8 weights = the fix op's rounding of the float
// constant (vai_q_pytorch's constants lie exactly on their grid, and
// vai_c_xir 2.5 wrote round(w * 2^fp) byte for byte [checked: 46 constants,
// 395,016 values of the PointPillars pair]), shifts from the fix points,
// activations fused, reduction_max as a MAX pool-fix, concat as concat-fix.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "plan.h"
#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::compile::internal {

namespace names = xmodel::names;
using xmodel::GetAttr;
using xmodel::GetAttrOr;

Result<std::vector<int8_t>> QuantizeConst(const xir::Op* fix, int* fix_point, CompiledModel* m) {
  const auto in = InputOps(fix, names::kArgInput);
  if (fix->get_type() != names::kFix || in.size() != 1 || in[0]->get_type() != names::kConst)
    return Unsupported(Where(fix) + ": weights and bias must be a const read through a fix");
  const xir::Op* c = in[0];
  SIGNDPU_ASSIGN_OR_RETURN(*fix_point, GetAttr<int>(fix, names::kFixPoint, Where(fix)));
  SIGNDPU_ASSIGN_OR_RETURN(int bits, GetAttrOr<int>(fix, names::kBitWidth, 8, Where(fix)));
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode_name, GetAttrOr<std::string>(fix, names::kRoundMode, names::kDpuRound, Where(fix)));
  RoundMode mode;
  if (bits != 8 || !ParseRoundMode(mode_name.c_str(), &mode))
    return Unsupported(Where(fix) + ": bit_width " + std::to_string(bits) + ", round_mode " + mode_name);
  if (*fix_point < -32 || *fix_point > 32) return OutOfRange(Where(fix) + ": fix_point outside [-32, 32]");
  SIGNDPU_ASSIGN_OR_RETURN(auto data, GetAttr<std::vector<char>>(c, names::kData_, Where(c)));
  const int64_t n = c->get_output_tensor()->get_element_num();
  if (c->get_output_tensor()->get_data_type().type != xir::DataType::FLOAT || static_cast<int64_t>(data.size()) != 4 * n)
    return Unsupported(Where(c) + ": expected " + std::to_string(n) + " float32 values");
  std::vector<int8_t> q(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    float x;
    std::memcpy(&x, data.data() + 4 * i, 4);
    const double scaled = std::ldexp(static_cast<double>(x), *fix_point);
    if (!(scaled == std::floor(scaled) && scaled >= -128 && scaled <= 127)) ++m->weights_off_grid;
    q[static_cast<size_t>(i)] = static_cast<int8_t>(QuantizeReal(x, *fix_point, mode));
  }
  m->weights += n;
  return q;
}

namespace {

struct PartBuilder {
  FixGraph graph;
  std::map<const xir::Op*, int> external;  // source op -> graph input tensor
  std::vector<const xir::Op*> inputs, outputs;
};

Result<std::vector<int>> IntVec(const xir::Op* op, const char* key, size_t size, std::vector<int> fallback) {
  SIGNDPU_ASSIGN_OR_RETURN(auto v, GetAttrOr<std::vector<int>>(op, key, fallback, Where(op)));
  if (v.size() != size) return InvalidArgument(Where(op) + ": attribute " + key + " needs " + std::to_string(size) + " values");
  for (int x : v)
    if (x < 0 || x > 4096) return OutOfRange(Where(op) + ": attribute " + key + " value " + std::to_string(x));
  return v;
}

// vai_c_xir drops padding the last window never reads (stride-2 convs of
// PointPillars: pad {1,1,1,1} -> {1,0,1,0}) [checked]; the output is the same.
int TrimPadEnd(int64_t in, int kernel, int stride, int dilation, int pad_begin, int pad_end, int64_t out) {
  const int64_t needed = (out - 1) * stride + int64_t{dilation} * (kernel - 1) + 1 - in - pad_begin;
  return static_cast<int>(std::clamp<int64_t>(needed, 0, pad_end));
}

Status LowerConv(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, Plan* plan, PartBuilder* b) {
  const std::string& t = op->get_type();
  const bool transposed = t == names::kTransposedConv2d || t == names::kTransposedDepthwiseConv2d;
  const bool depthwise = t == names::kDepthwiseConv2d || t == names::kTransposedDepthwiseConv2d;
  SIGNDPU_ASSIGN_OR_RETURN(std::string pad_mode, GetAttrOr<std::string>(op, names::kPadMode, "FLOOR", Where(op)));
  if (pad_mode != names::kPadModeFloor) return Unsupported(Where(op) + ": pad_mode " + pad_mode + " (FLOOR only)");
  SIGNDPU_ASSIGN_OR_RETURN(int group, GetAttrOr<int>(op, names::kGroup, 1, Where(op)));
  if (!depthwise && group != 1) return Unsupported(Where(op) + ": group " + std::to_string(group) + " (1 only)");
  ConvAttrs a;
  SIGNDPU_ASSIGN_OR_RETURN(auto k, IntVec(op, names::kKernel, 2, {}));
  SIGNDPU_ASSIGN_OR_RETURN(auto s, IntVec(op, names::kStride, 2, {}));
  SIGNDPU_ASSIGN_OR_RETURN(auto d, IntVec(op, names::kDilation, 2, {1, 1}));
  SIGNDPU_ASSIGN_OR_RETURN(auto p, IntVec(op, names::kPad, 4, {0, 0, 0, 0}));
  a.kernel_w = k[0]; a.kernel_h = k[1]; a.stride_w = s[0]; a.stride_h = s[1];
  a.dilation_w = d[0]; a.dilation_h = d[1];
  a.pad_left = p[0]; a.pad_right = p[1]; a.pad_top = p[2]; a.pad_bottom = p[3];
  const FixTensor& in = b->graph.tensors[ins[0]];
  const auto out = op->get_output_tensor()->get_shape();
  if (in.shape.size() != 4 || out.size() != 4) return Unsupported(Where(op) + ": only NHWC (4-D) tensors");
  if (!transposed) {
    a.pad_right = TrimPadEnd(in.shape[2], a.kernel_w, a.stride_w, a.dilation_w, a.pad_left, a.pad_right, out[2]);
    a.pad_bottom = TrimPadEnd(in.shape[1], a.kernel_h, a.stride_h, a.dilation_h, a.pad_top, a.pad_bottom, out[1]);
  }
  a.out_channels = out[3];
  a.activation = info.activation;
  const auto w = InputOps(op, names::kArgWeights), bias = InputOps(op, names::kArgBias);
  if (w.size() != 1 || bias.size() > 1) return InvalidArgument(Where(op) + ": needs one weights and at most one bias input");
  SIGNDPU_ASSIGN_OR_RETURN(a.weights, QuantizeConst(w[0], &a.fix_weights, &plan->model_out));
  a.has_bias = !bias.empty();
  if (a.has_bias) {
    SIGNDPU_ASSIGN_OR_RETURN(a.bias, QuantizeConst(bias[0], &a.fix_bias, &plan->model_out));
  }
  const FixOpKind kind = transposed ? (depthwise ? FixOpKind::kTransposedDepthwiseConv2d : FixOpKind::kTransposedConv2d)
                                    : (depthwise ? FixOpKind::kDepthwiseConv2d : FixOpKind::kConv2d);
  b->graph.ops.push_back(MakeFixOp(kind, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// maxpool2d / avgpool2d: window attributes (a global pool's kernel is the
// input); avgpool2d is pool-fix AVG, which divides by the whole kernel
// (count_include_pad), checked against its correction mul.
Status PoolWindow(const xir::Op* op, const Shape& in, PoolAttrs* a) {
  SIGNDPU_ASSIGN_OR_RETURN(std::string pad_mode, GetAttrOr<std::string>(op, names::kPadMode, "FLOOR", Where(op)));
  if (pad_mode != names::kPadModeFloor) return Unsupported(Where(op) + ": pad_mode " + pad_mode + " (FLOOR only)");
  SIGNDPU_ASSIGN_OR_RETURN(bool global, GetAttrOr<bool>(op, names::kGlobal, false, Where(op)));
  if (global) {
    a->kernel_h = static_cast<int>(in[1]);
    a->kernel_w = static_cast<int>(in[2]);
  } else {
    SIGNDPU_ASSIGN_OR_RETURN(auto k, IntVec(op, names::kKernel, 2, {}));
    SIGNDPU_ASSIGN_OR_RETURN(auto s, IntVec(op, names::kStride, 2, {}));
    SIGNDPU_ASSIGN_OR_RETURN(auto p, IntVec(op, names::kPad, 4, {0, 0, 0, 0}));
    a->kernel_w = k[0]; a->kernel_h = k[1]; a->stride_w = s[0]; a->stride_h = s[1];
    a->pad_left = p[0]; a->pad_right = p[1]; a->pad_top = p[2]; a->pad_bottom = p[3];
  }
  if (op->get_type() != names::kAvgPool2d) return Status::Ok();
  a->type = PoolType::kAvg;
  SIGNDPU_ASSIGN_OR_RETURN(bool include_pad, GetAttrOr<bool>(op, names::kCountIncludePad, true, Where(op)));
  if (!include_pad) return Unsupported(Where(op) + ": count_include_pad false (the DPU divides by kh*kw)");
  return CheckAvgPoolCorrection(op, a->kernel_h, a->kernel_w);
}

Status LowerPool(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, PartBuilder* b) {
  const Shape& in = b->graph.tensors[ins[0]].shape;
  if (in.size() != 4) return Unsupported(Where(op) + ": only NHWC (4-D) tensors");
  PoolAttrs a;
  a.type = PoolType::kMax;
  a.stride_h = a.stride_w = 1;
  if (op->get_type() == names::kReductionMax) {
    SIGNDPU_ASSIGN_OR_RETURN(auto axes, GetAttr<std::vector<int>>(op, names::kAxis, Where(op)));
    SIGNDPU_ASSIGN_OR_RETURN(bool keep, GetAttrOr<bool>(op, names::kKeepDims, false, Where(op)));
    if (!keep) return Unsupported(Where(op) + ": keep_dims false");
    a.kernel_h = a.kernel_w = 1;
    for (int axis : axes) {
      const int ax = axis < 0 ? axis + 4 : axis;
      if (ax == 1) a.kernel_h = static_cast<int>(in[1]);
      else if (ax == 2) a.kernel_w = static_cast<int>(in[2]);
      else return Unsupported(Where(op) + ": reduction over axis " + std::to_string(axis) + " (H and W only)");
    }
  } else {
    SIGNDPU_RETURN_IF_ERROR(PoolWindow(op, in, &a));
  }
  b->graph.ops.push_back(MakeFixOp(FixOpKind::kPool, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// A dense layer (flatten + matmul with transpose_b): conv2d-fix whose kernel
// is the whole input (weights [O, H*W*C] are OHWI bytes already: NHWC
// flatten order) into [1,1,1,O], then reshape-fix to [1, O], as vai_c_xir
// compiles it [checked: vai25_zcu104_mnist_custom_op.xmodel].
Status LowerDense(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, Plan* plan, PartBuilder* b) {
  const Shape in = b->graph.tensors[ins[0]].shape;
  const auto out = op->get_output_tensor()->get_shape();
  if (in.size() != 4 || out.size() != 2) return Unsupported(Where(op) + ": dense needs a 4-D input and a 2-D output");
  ConvAttrs a;
  a.kernel_h = static_cast<int>(in[1]);
  a.kernel_w = static_cast<int>(in[2]);
  a.out_channels = out[1];
  a.activation = info.activation;
  const auto args = InputOps(op, names::kArgInput), bias = InputOps(op, names::kArgBias);
  SIGNDPU_ASSIGN_OR_RETURN(a.weights, QuantizeConst(args[1], &a.fix_weights, &plan->model_out));
  a.has_bias = !bias.empty();
  if (a.has_bias) {
    SIGNDPU_ASSIGN_OR_RETURN(a.bias, QuantizeConst(bias[0], &a.fix_bias, &plan->model_out));
  }
  const int fp = b->graph.tensors[info.tensor].fix_point;
  const int conv_out = static_cast<int>(b->graph.tensors.size());
  b->graph.tensors.push_back({op->get_name() + "_conv2d", Shape{1, 1, 1, out[1]}, fp});
  b->graph.ops.push_back(MakeFixOp(FixOpKind::kConv2d, op->get_name(), ins, conv_out, std::move(a)));
  b->graph.ops.push_back(MakeFixOp(FixOpKind::kCopy, op->get_name() + "_reshape", {conv_out}, info.tensor));
  return Status::Ok();
}

// The tensor an activation input reads: the part's own, or a graph input.
Result<int> InputTensor(Plan* plan, int part, const xir::Op* in, PartBuilder* b) {
  if (const xir::Op* owner = DpuOwner(*plan, in)) {
    const OpInfo& oi = plan->info.at(owner);
    if (oi.part == part) return oi.tensor;
  }
  auto it = b->external.find(in);
  if (it != b->external.end()) return it->second;
  SIGNDPU_ASSIGN_OR_RETURN(int fp, UpstreamFixPoint(*plan, in));
  const auto shape = in->get_output_tensor()->get_shape();
  if (shape.empty() || shape[0] != 1) return Unsupported(Where(in) + ": batch dimension other than 1");
  const int id = static_cast<int>(b->graph.tensors.size());
  b->graph.tensors.push_back({in->get_name(), Shape(shape.begin(), shape.end()), fp});
  b->graph.inputs.push_back(id);
  b->external[in] = id;
  b->inputs.push_back(in);
  return id;
}

// vai_c_xir numbers the fixes it inserts before concats in the order of the
// concats' inputs (deconv1, 2, 3 -> _inserted_fix_0, 1, 2) [checked].
std::map<const xir::Op*, int> InsertedFixNumbers(const Plan& plan) {
  std::map<const xir::Op*, int> k;
  for (const xir::Op* op : plan.order) {
    if (op->get_type() != names::kConcat) continue;
    for (const xir::Op* in : InputOps(op, names::kArgInput)) {
      const xir::Op* owner = DpuOwner(plan, in);
      if (owner != nullptr && plan.info.at(owner).inserted_fix && !k.count(owner)) {
        const int next = static_cast<int>(k.size());
        k[owner] = next;
      }
    }
  }
  return k;
}

// The op's output tensor: named after its fix (vai_c_xir's naming), or
// "<activation>_inserted_fix_<k>" when the fix is a later concat's.
Status AddOutputTensor(const xir::Op* op, const std::map<const xir::Op*, int>& inserted, Plan* plan,
                       PartBuilder* b) {
  OpInfo& info = plan->info.at(op);
  SIGNDPU_ASSIGN_OR_RETURN(int fp, GetAttr<int>(info.out_fix, names::kFixPoint, Where(info.out_fix)));
  const auto shape = op->get_output_tensor()->get_shape();
  if (shape.empty() || shape[0] != 1) return Unsupported(Where(op) + ": batch dimension other than 1");
  const std::string name =
      info.inserted_fix ? info.tail->get_name() + "_inserted_fix_" + std::to_string(inserted.at(op)) : info.out_fix->get_name();
  info.tensor = static_cast<int>(b->graph.tensors.size());
  b->graph.tensors.push_back({name, Shape(shape.begin(), shape.end()), fp});
  return Status::Ok();
}

// Read outside its part (or by nobody: a model output).
bool IsPartOutput(const Plan& plan, const xir::Op* op) {
  const OpInfo& info = plan.info.at(op);
  const xir::Op* reader = info.inserted_fix ? info.tail : info.out_fix;
  const auto cons = Consumers(reader);
  if (cons.empty()) return true;
  for (const xir::Op* c : cons) {
    const xir::Op* owner = DpuOwner(plan, c);
    if (owner == nullptr || plan.info.at(owner).part != info.part) return true;
  }
  return false;
}

}  // namespace

Status LowerParts(Plan* plan) {
  std::vector<PartBuilder> parts(static_cast<size_t>(plan->parts));
  const std::map<const xir::Op*, int> inserted = InsertedFixNumbers(*plan);
  for (const xir::Op* op : plan->order) {
    auto it = plan->info.find(op);
    if (it == plan->info.end() || it->second.role != Role::kDpu) continue;
    PartBuilder& b = parts[static_cast<size_t>(it->second.part)];
    std::vector<int> ins;
    for (const xir::Op* in : ActivationInputs(op)) {
      SIGNDPU_ASSIGN_OR_RETURN(int id, InputTensor(plan, it->second.part, in, &b));
      ins.push_back(id);
    }
    if (ins.empty()) return InvalidArgument(Where(op) + ": no input");
    SIGNDPU_RETURN_IF_ERROR(AddOutputTensor(op, inserted, plan, &b));
    const OpInfo& info = plan->info.at(op);
    const std::string& t = op->get_type();
    if (t == names::kConcat) {
      // Channels as -1, as vai_c_xir writes PointPillars' concat-fix; H, W as 1, 2.
      const int axis = op->get_attr<int>(names::kAxis);  // 1..3 or -3..-1: IsDpuConcat
      const int nhwc = axis < 0 ? axis + 4 : axis;
      b.graph.ops.push_back(
          MakeFixOp(FixOpKind::kConcat, op->get_name(), ins, info.tensor, ConcatAttrs{nhwc == 3 ? -1 : nhwc}));
    } else if (t == names::kMatmul) {
      SIGNDPU_RETURN_IF_ERROR(LowerDense(op, info, ins, plan, &b));
    } else if (t == names::kReductionMax || t == names::kMaxPool2d || t == names::kAvgPool2d) {
      SIGNDPU_RETURN_IF_ERROR(LowerPool(op, info, ins, &b));
    } else if (IsEltwise(t)) {
      SIGNDPU_RETURN_IF_ERROR(LowerEltwise(op, info, ins, &plan->model_out, &b.graph));
    } else if (t == names::kHardSigmoid) {
      SIGNDPU_RETURN_IF_ERROR(LowerHardSigmoid(op, info, ins, &b.graph));
    } else if (t == names::kPad) {
      SIGNDPU_RETURN_IF_ERROR(LowerPad(op, info, ins, &b.graph));
    } else if (t == names::kUpsample || t == names::kResize) {
      SIGNDPU_RETURN_IF_ERROR(LowerResize(op, info, ins, &b.graph));
    } else if (t == kPixelShuffle) {
      SIGNDPU_RETURN_IF_ERROR(LowerPixelShuffle(op, info, ins, &b.graph));
    } else {
      SIGNDPU_RETURN_IF_ERROR(LowerConv(op, info, ins, plan, &b));
    }
    if (IsPartOutput(*plan, op)) {
      b.graph.outputs.push_back(info.tensor);
      b.outputs.push_back(op);
    }
  }
  for (size_t p = 0; p < parts.size(); ++p) {
    PartBuilder& b = parts[p];
    b.graph.name = plan->model + "_dpu" + std::to_string(p);
    SIGNDPU_RETURN_IF_ERROR(b.graph.Validate());
    DpuPart part;
    part.graph = std::move(b.graph);
    for (const auto& [op, info] : plan->info)
      if (info.part == static_cast<int>(p)) part.source_ops.push_back(op->get_name());
    plan->model_out.dpu.push_back(std::move(part));
    plan->part_inputs.push_back(b.inputs);
    plan->part_outputs.push_back(b.outputs);
  }
  return Status::Ok();
}

}  // namespace signdpu::compile::internal
