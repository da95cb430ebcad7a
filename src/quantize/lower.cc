// The lowering driver: walks the float graph and applies, per node, the rule
// of its op type (Lowering::Rules(); one file per ONNX op under lower/, see
// lower/lowering.h), then the weight-group pass and the final reshape.
#include "signdpu/quantize/lower.h"

#include "lower/lowering.h"

namespace signdpu::quantize {
namespace lowering {

Result<DpuFloatGraph> Lowering::Run() {
  if (g_.inputs().size() != 1)
    return Unsupported(g_.label() + ": expected exactly 1 graph input, got " + std::to_string(g_.inputs().size()));
  if (g_.outputs().empty()) return Unsupported(g_.label() + ": graph has no output");
  SIGNDPU_RETURN_IF_ERROR(LowerInput());
  for (const Node& node : g_.nodes()) {
    Status s = LowerNode(node);
    if (!s.ok()) return s;
  }
  const std::string final_name = g_.Resolve(g_.outputs()[0]);
  if (!out_.softmax_on_cpu) {
    auto it = values_.find(final_name);
    if (it == values_.end()) return Unsupported(g_.label() + ": graph output " + final_name + " is not computed by DPU ops");
    last_ = it->second;
    out_.source_logits = final_name;
  }
  out_.source_output = final_name;
  SIGNDPU_RETURN_IF_ERROR(Finish());
  return std::move(out_);
}

Status Lowering::LowerInput() {
  const std::string in = g_.inputs()[0];
  Shape s = g_.InputShape(in);
  if (s.size() != 4) {
    return Unsupported(g_.label() + ": input '" + in + "' has rank " + std::to_string(s.size()) +
                       ", expected a 4-D image tensor (NCHW or NHWC)");
  }
  // NHWC when the first consumer transposes NHWC -> NCHW (tf2onnx/Keras).
  bool nhwc = false;
  for (const Node* c : g_.Consumers(in)) {
    if (c->type == OpType::kTranspose && c->attrs.GetInts("perm") == std::vector<int64_t>{0, 3, 1, 2}) nhwc = true;
  }
  const int64_t c = nhwc ? s[3] : s[1], h = nhwc ? s[1] : s[2], w = nhwc ? s[2] : s[3];
  if (c <= 0 || h <= 0 || w <= 0) return Unsupported(g_.label() + ": input '" + in + "' needs concrete C, H, W");
  Value v;
  v.tensor = AddTensor(in, {1, h, w, c}, in, !nhwc && c > 1);
  v.kind = nhwc ? Value::Kind::kNhwc : Value::Kind::kNchw;
  values_[in] = v;
  out_.input = v.tensor;
  out_.source_input = in;
  Shape per_image = s;
  per_image[0] = 1;
  out_.source_input_shape = per_image;
  return Status::Ok();
}

// How each graph op type lowers to DPU ops: one entry per OpType of the
// float op registry (graph/op_registry.h); HasDpuLowering exposes the
// coverage to tests. An op the DPU cannot run has an entry that says why.
const std::map<OpType, Lowering::LowerFn>& Lowering::Rules() {
  static const std::map<OpType, LowerFn> kRules = {
      {OpType::kTranspose, &Lowering::LowerTranspose},
      {OpType::kConv, &Lowering::LowerConv},
      {OpType::kBatchNorm, &Lowering::LowerBatchNorm},
      {OpType::kRelu, &Lowering::LowerRelu},
      {OpType::kRelu6, &Lowering::LowerRelu6},
      {OpType::kLeakyRelu, &Lowering::LowerLeakyRelu},
      {OpType::kClip, &Lowering::LowerClip},
      {OpType::kMaxPool, &Lowering::LowerPool},
      {OpType::kAveragePool, &Lowering::LowerPool},
      {OpType::kGlobalAveragePool, &Lowering::LowerPool},
      {OpType::kFlatten, &Lowering::LowerFlatten},
      {OpType::kReshape, &Lowering::LowerFlatten},
      {OpType::kGemm, &Lowering::LowerDense},
      {OpType::kMatMul, &Lowering::LowerDense},
      {OpType::kAdd, &Lowering::LowerAdd},
      {OpType::kSoftmax, &Lowering::LowerSoftmax},
      {OpType::kMul, &Lowering::LowerMul},
      {OpType::kConcat, &Lowering::LowerConcat},
      {OpType::kPad, &Lowering::LowerPad},
      {OpType::kConvTranspose, &Lowering::LowerConvTranspose},
      {OpType::kResize, &Lowering::LowerResize},
      {OpType::kUpsample, &Lowering::LowerResize},
      {OpType::kDepthToSpace, &Lowering::LowerDepthToSpace},
  };
  return kRules;
}

Status Lowering::LowerNode(const Node& n) {
  auto it = Rules().find(n.type);
  if (it == Rules().end()) return Fail(n, "op type not supported by the DPU lowering");
  return (this->*(it->second))(n);
}

Status Lowering::Finish() {
  if (out_.ops.empty()) return Unsupported(g_.label() + ": no DPU ops after lowering");
  if (options_.weight_groups > 1) GroupWeightChannels();
  const Nhwc d = Dims(last_.tensor);
  // Like Xilinx's compiler output: the dense conv's [1,1,1,C] becomes [1,C] with reshape-fix.
  DpuFloatOp op;
  op.kind = FixOpKind::kCopy;
  op.name = out_.tensors[last_.tensor].name + "_reshape";
  op.inputs = {last_.tensor};
  const int t = AddTensor(op.name, {1, d.size()}, out_.tensors[last_.tensor].source_tensor, false);
  op.output = t;
  AddOp(std::move(op));
  out_.output = t;
  return Status::Ok();
}

}  // namespace lowering

const char* BatchNormModeName(BatchNormMode m) {
  switch (m) {
    case BatchNormMode::kFold: return "fold";
    case BatchNormMode::kSplit: return "split";
    case BatchNormMode::kDepthwise: return "depthwise";
  }
  return "?";
}

bool ParseBatchNormMode(const std::string& s, BatchNormMode* m) {
  for (BatchNormMode v : {BatchNormMode::kFold, BatchNormMode::kSplit, BatchNormMode::kDepthwise}) {
    if (s == BatchNormModeName(v)) {
      *m = v;
      return true;
    }
  }
  return false;
}

bool HasDpuLowering(graph::OpType type) { return lowering::Lowering::Rules().count(type) != 0; }

Result<DpuFloatGraph> LowerToDpu(const graph::Graph& graph, const std::string& name, const LowerOptions& options) {
  if (options.weight_groups < 1) return InvalidArgument("weight groups must be >= 1, got " + std::to_string(options.weight_groups));
  return lowering::Lowering(graph, name, options).Run();
}

}  // namespace signdpu::quantize
