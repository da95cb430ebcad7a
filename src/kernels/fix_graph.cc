#include "signdpu/kernels/fix_graph.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "signdpu/core/check.h"
#include "signdpu/kernels/optimized/conv2d_fix.h"
#include "signdpu/kernels/optimized/pool_fix.h"
#include "signdpu/kernels/reference/convert_fix.h"

namespace signdpu {

const char* FixOpKindName(FixOpKind kind) {
  switch (kind) {
    case FixOpKind::kConv2d: return "conv2d-fix";
    case FixOpKind::kDepthwiseConv2d: return "depthwise-conv2d-fix";
    case FixOpKind::kPool: return "pool-fix";
    case FixOpKind::kEltwiseAdd: return "eltwise-fix";
    case FixOpKind::kCopy: return "reshape-fix";
    case FixOpKind::kHardSigmoid: return "hard-sigmoid-fix";
    case FixOpKind::kConcat: return "concat-fix";
  }
  return "?";
}

int FixGraph::FindTensor(const std::string& tensor_name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == tensor_name) return static_cast<int>(i);
  return -1;
}

namespace {

Nhwc ToNhwc(const Shape& s) {
  Nhwc r;
  if (s.size() == 4) { r.n = s[0]; r.h = s[1]; r.w = s[2]; r.c = s[3]; }
  else if (s.size() == 2) { r.n = s[0]; r.c = s[1]; }
  else if (s.size() == 3) { r.n = s[0]; r.w = s[1]; r.c = s[2]; }
  else { r.n = s.empty() ? 1 : s[0]; r.c = NumElements(s) / std::max<int64_t>(1, r.n); }
  return r;
}

// Conv config with the op's tensors' shapes and fix points filled in.
ConvConfig EffectiveConv(const FixGraph& g, const FixOp& op, int batch) {
  ConvConfig c = op.conv;
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  c.depthwise = op.kind == FixOpKind::kDepthwiseConv2d;
  return c;
}

PoolConfig EffectivePool(const FixGraph& g, const FixOp& op, int batch) {
  PoolConfig c = op.pool;
  const FixTensor& in = g.tensors[op.inputs[0]];
  c.input = ToNhwc(in.shape);
  c.input.n = batch;
  c.fix_in = in.fix_point;
  c.fix_out = g.tensors[op.output].fix_point;
  return c;
}

// kConcat: channel (last-axis) concatenation; checks axis, shapes and fix
// points, names the op and the offending tensor.
Status ValidateConcat(const FixGraph& g, const FixOp& op, const std::string& where) {
  const FixTensor& out = g.tensors[op.output];
  const int rank = static_cast<int>(out.shape.size());
  const int axis = op.concat_axis < 0 ? op.concat_axis + rank : op.concat_axis;
  if (axis < 0 || axis >= rank)
    return InvalidArgument(where + ": concat axis " + std::to_string(op.concat_axis) + " is out of range for output " +
                           out.name + " of rank " + std::to_string(rank));
  if (rank < 2 || axis != rank - 1)
    return Unsupported(where + ": concat axis " + std::to_string(op.concat_axis) + " of output " + out.name + " " +
                       ShapeToString(out.shape) + " (only the last axis, channels, is supported)");
  int64_t channels = 0;
  for (int id : op.inputs) {
    const FixTensor& in = g.tensors[id];
    bool same = in.shape.size() == out.shape.size();
    for (int d = 0; same && d < rank - 1; ++d) same = in.shape[d] == out.shape[d];
    if (!same)
      return InvalidArgument(where + ": input " + in.name + " has shape " + ShapeToString(in.shape) +
                             ", incompatible with output " + out.name + " " + ShapeToString(out.shape) +
                             " (all dims but the concat axis must be equal)");
    if (in.fix_point != out.fix_point)
      return Unsupported(where + ": input " + in.name + " has fix_point " + std::to_string(in.fix_point) +
                         ", output " + out.name + " has " + std::to_string(out.fix_point) +
                         " (concat-fix inputs must share the output's fix_point)");
    channels += in.shape[rank - 1];
  }
  if (channels != out.shape[rank - 1])
    return InvalidArgument(where + ": inputs have " + std::to_string(channels) + " channels in all, output " +
                           out.name + " has " + std::to_string(out.shape[rank - 1]));
  return Status::Ok();
}

}  // namespace

Status FixGraph::Validate() const {
  const int nt = static_cast<int>(tensors.size());
  auto bad_id = [&](int id) { return id < 0 || id >= nt; };
  std::vector<bool> defined(tensors.size(), false);
  for (int id : inputs) {
    if (bad_id(id)) return InvalidArgument(name + ": graph input id " + std::to_string(id) + " out of range");
    defined[id] = true;
  }
  for (const FixTensor& t : tensors) {
    if (t.shape.empty() || NumElements(t.shape) <= 0)
      return InvalidArgument("tensor " + t.name + ": shape " + ShapeToString(t.shape) + " is empty");
    if (t.shape[0] != 1)
      return InvalidArgument("tensor " + t.name + ": per-image shape must have dim 0 = 1, got " + ShapeToString(t.shape));
    if (t.bit_width != 8 || !t.if_signed)
      return Unsupported("tensor " + t.name + ": only signed 8-bit tensors are supported, got bit_width " +
                         std::to_string(t.bit_width) + (t.if_signed ? " signed" : " unsigned"));
  }
  for (const FixOp& op : ops) {
    const std::string where = op.name + " (" + FixOpKindName(op.kind) + ")";
    if (op.inputs.empty()) return InvalidArgument(where + ": no inputs");
    for (int id : op.inputs) {
      if (bad_id(id)) return InvalidArgument(where + ": input id " + std::to_string(id) + " out of range");
      if (!defined[id]) return InvalidArgument(where + ": input " + tensors[id].name + " is not computed before use");
    }
    if (bad_id(op.output)) return InvalidArgument(where + ": output id out of range");
    if (defined[op.output]) return InvalidArgument(where + ": output " + tensors[op.output].name + " written twice");
    defined[op.output] = true;
    const FixTensor& out = tensors[op.output];
    switch (op.kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d: {
        if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 activation input");
        SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(EffectiveConv(*this, op, 1), where));
        if (static_cast<int64_t>(op.weights.size()) != p.weights_size())
          return InvalidArgument(where + ": weights have " + std::to_string(op.weights.size()) +
                                 " bytes, expected " + std::to_string(p.weights_size()));
        if (p.config.has_bias && static_cast<int64_t>(op.bias.size()) != p.output.c)
          return InvalidArgument(where + ": bias has " + std::to_string(op.bias.size()) + " values, expected " +
                                 std::to_string(p.output.c));
        if (p.output.size() != out.per_image_size())
          return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) +
                                 ", the conv produces " + ShapeToString(p.output.ToShape()));
        break;
      }
      case FixOpKind::kPool: {
        if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
        SIGNDPU_ASSIGN_OR_RETURN(PoolParams p, MakePoolParams(EffectivePool(*this, op, 1), where));
        if (p.output.size() != out.per_image_size())
          return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) +
                                 ", the pool produces " + ShapeToString(p.output.ToShape()));
        break;
      }
      case FixOpKind::kEltwiseAdd: {
        std::vector<int> fis;
        for (int id : op.inputs) {
          if (tensors[id].per_image_size() != out.per_image_size())
            return InvalidArgument(where + ": input " + tensors[id].name + " size differs from the output");
          fis.push_back(tensors[id].fix_point);
        }
        SIGNDPU_RETURN_IF_ERROR(
            MakeEltwiseParams(fis, out.fix_point, out.per_image_size(), op.eltwise_activation, where).status());
        break;
      }
      case FixOpKind::kCopy: {
        if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
        const FixTensor& in = tensors[op.inputs[0]];
        if (in.per_image_size() != out.per_image_size())
          return InvalidArgument(where + ": copies " + std::to_string(in.per_image_size()) + " bytes into " +
                                 std::to_string(out.per_image_size()));
        if (in.fix_point != out.fix_point)
          return Unsupported(where + ": copy changes fix_point from " + std::to_string(in.fix_point) + " to " +
                             std::to_string(out.fix_point));
        break;
      }
      case FixOpKind::kHardSigmoid: {
        if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input");
        const FixTensor& in = tensors[op.inputs[0]];
        if (in.per_image_size() != out.per_image_size())
          return InvalidArgument(where + ": input has " + std::to_string(in.per_image_size()) +
                                 " elements, output " + std::to_string(out.per_image_size()));
        SIGNDPU_RETURN_IF_ERROR(
            MakeHardSigmoidParams(op.hsigmoid_in, op.shift_hsigmoid, out.per_image_size(), where).status());
        break;
      }
      case FixOpKind::kConcat:
        SIGNDPU_RETURN_IF_ERROR(ValidateConcat(*this, op, where));
        break;
    }
  }
  for (int id : outputs) {
    if (bad_id(id)) return InvalidArgument(name + ": graph output id out of range");
    if (!defined[id]) return InvalidArgument(name + ": graph output " + tensors[id].name + " is never computed");
  }
  return Status::Ok();
}

struct FixGraphExecutor::Step {
  FixOpKind kind;
  std::unique_ptr<optimized::PreparedConv2d> conv;
  PoolParams pool;
  std::unique_ptr<optimized::PreparedPool> pool_kernel;
  EltwiseParams eltwise;
  HardSigmoidParams hard_sigmoid;
  std::vector<int64_t> concat_channels;  // per input
  int64_t concat_pixels = 0;             // per image: out_size / output channels
  std::vector<int> inputs;
  int output = -1;
  int64_t in_size = 0;   // per image
  int64_t out_size = 0;  // per image
};

FixGraphExecutor::~FixGraphExecutor() = default;

Result<std::unique_ptr<FixGraphExecutor>> FixGraphExecutor::Create(const FixGraph& graph, int batch,
                                                                   KernelPath path) {
  if (batch <= 0) return InvalidArgument("batch must be positive, got " + std::to_string(batch));
  SIGNDPU_RETURN_IF_ERROR(graph.Validate());
  std::unique_ptr<FixGraphExecutor> ex(new FixGraphExecutor());
  ex->owned_ = graph;
  ex->graph_ = &ex->owned_;
  ex->batch_ = batch;
  ex->path_ = path;
  const FixGraph& g = ex->owned_;
  ex->buffers_.resize(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i)
    ex->buffers_[i].assign(static_cast<size_t>(g.tensors[i].per_image_size() * batch), 0);
  // Weight groups (the quantiser's conv2d-fix per group + concat-fix): when
  // every input of a concat is a conv2d-fix output that nothing else reads,
  // and the convs share their input, geometry and activation, one kernel
  // computes them all into the concat's output (PrepareGroupedConv2d:
  // bit-exact with the ops one by one; never on the reference path).
  std::vector<int> producer(g.tensors.size(), -1), readers(g.tensors.size(), 0);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    producer[static_cast<size_t>(g.ops[i].output)] = static_cast<int>(i);
    for (int id : g.ops[i].inputs) ++readers[static_cast<size_t>(id)];
  }
  for (int id : g.outputs) ++readers[static_cast<size_t>(id)];
  std::vector<bool> fused_away(g.ops.size(), false);
  struct Fused {
    std::unique_ptr<optimized::PreparedConv2d> kernel;
    int input = -1;  // the groups' shared input tensor
  };
  std::map<size_t, Fused> fused;  // concat op -> kernel
  for (size_t i = 0; i < g.ops.size() && path != KernelPath::kReference; ++i) {
    const FixOp& cat = g.ops[i];
    if (cat.kind != FixOpKind::kConcat || cat.inputs.size() < 2) continue;
    std::vector<optimized::ConvGroupSpec> specs;
    std::vector<int> parts;
    int shared_input = -1;
    for (int id : cat.inputs) {
      const int pi = producer[static_cast<size_t>(id)];
      if (pi < 0 || readers[static_cast<size_t>(id)] != 1) break;
      const FixOp& conv = g.ops[static_cast<size_t>(pi)];
      if (parts.empty()) shared_input = conv.inputs[0];
      if (conv.kind != FixOpKind::kConv2d || conv.inputs[0] != shared_input) break;
      SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(EffectiveConv(g, conv, 1), conv.name));
      specs.push_back({p, conv.weights.data(), conv.bias.empty() ? nullptr : conv.bias.data()});
      parts.push_back(pi);
    }
    if (parts.size() != cat.inputs.size()) continue;
    auto kernel = optimized::PrepareGroupedConv2d(specs, path);
    if (!kernel) continue;
    fused[i] = {std::move(kernel), shared_input};
    ++ex->fused_concats_;
    int64_t c0 = 0;
    for (size_t k = 0; k < parts.size(); ++k) {
      fused_away[static_cast<size_t>(parts[k])] = true;
      const int id = cat.inputs[k];
      const int64_t c = g.tensors[static_cast<size_t>(id)].shape.back();
      ex->slices_[id] = {cat.output, c0, c};
      c0 += c;
    }
  }
  for (size_t oi = 0; oi < g.ops.size(); ++oi) {
    const FixOp& op = g.ops[oi];
    if (fused_away[oi]) continue;
    auto step = std::make_unique<Step>();
    step->kind = op.kind;
    step->inputs = op.inputs;
    step->output = op.output;
    step->in_size = g.tensors[op.inputs[0]].per_image_size();
    step->out_size = g.tensors[op.output].per_image_size();
    auto f = fused.find(oi);
    if (f != fused.end()) {
      // Runs as one conv from the groups' shared input into the concat's output.
      step->kind = FixOpKind::kConv2d;
      step->inputs = {f->second.input};
      step->conv = std::move(f->second.kernel);
      ex->steps_.push_back(std::move(step));
      continue;
    }
    switch (op.kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d: {
        SIGNDPU_ASSIGN_OR_RETURN(ConvParams p, MakeConvParams(EffectiveConv(g, op, 1), op.name));
        step->conv = optimized::PrepareConv2d(p, op.weights.data(), op.bias.empty() ? nullptr : op.bias.data(), path);
        break;
      }
      case FixOpKind::kPool: {
        SIGNDPU_ASSIGN_OR_RETURN(step->pool, MakePoolParams(EffectivePool(g, op, 1), op.name));
        step->pool_kernel = optimized::PreparePool(step->pool, path);
        break;
      }
      case FixOpKind::kEltwiseAdd: {
        std::vector<int> fis;
        for (int id : op.inputs) fis.push_back(g.tensors[id].fix_point);
        SIGNDPU_ASSIGN_OR_RETURN(step->eltwise, MakeEltwiseParams(fis, g.tensors[op.output].fix_point,
                                                                  step->out_size, op.eltwise_activation, op.name));
        break;
      }
      case FixOpKind::kCopy:
        break;
      case FixOpKind::kHardSigmoid: {
        SIGNDPU_ASSIGN_OR_RETURN(step->hard_sigmoid,
                                 MakeHardSigmoidParams(op.hsigmoid_in, op.shift_hsigmoid, step->out_size, op.name));
        break;
      }
      case FixOpKind::kConcat: {
        // Validated: same rank, concat along the last axis.
        for (int id : op.inputs) step->concat_channels.push_back(g.tensors[id].shape.back());
        step->concat_pixels = step->out_size / g.tensors[op.output].shape.back();
        break;
      }
    }
    ex->steps_.push_back(std::move(step));
  }
  return ex;
}

void FixGraphExecutor::Run(const std::vector<const int8_t*>& inputs, const std::vector<int8_t*>& outputs,
                           int count) {
  const FixGraph& g = *graph_;
  SIGNDPU_CHECK_EQ(inputs.size(), g.inputs.size());
  SIGNDPU_CHECK_EQ(outputs.size(), g.outputs.size());
  SIGNDPU_CHECK(count >= 1 && count <= batch_) << "count " << count << " batch " << batch_;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int id = g.inputs[i];
    reference::CopyFix(inputs[i], g.tensors[id].per_image_size() * count, buffers_[id].data());
  }
  for (const auto& s : steps_) {
    int8_t* out = buffers_[s->output].data();
    switch (s->kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d:
        s->conv->Run(buffers_[s->inputs[0]].data(), out, count);
        break;
      case FixOpKind::kPool:
        s->pool_kernel->Run(buffers_[s->inputs[0]].data(), out, count);
        break;
      case FixOpKind::kEltwiseAdd: {
        EltwiseParams p = s->eltwise;
        p.size = s->out_size * count;
        std::vector<const int8_t*> ins;
        for (int id : s->inputs) ins.push_back(buffers_[id].data());
        reference::EltwiseAddFix(p, ins, out);
        break;
      }
      case FixOpKind::kCopy:
        reference::CopyFix(buffers_[s->inputs[0]].data(), s->out_size * count, out);
        break;
      case FixOpKind::kHardSigmoid: {
        HardSigmoidParams p = s->hard_sigmoid;
        p.size = s->out_size * count;
        reference::HardSigmoidFix(p, buffers_[s->inputs[0]].data(), out);
        break;
      }
      case FixOpKind::kConcat: {
        // Bit-exact by construction (no arithmetic): one code path for every KernelPath.
        std::vector<const int8_t*> ins;
        for (int id : s->inputs) ins.push_back(buffers_[id].data());
        reference::ConcatChannelsFix(ins, s->concat_channels, s->concat_pixels * count, out);
        break;
      }
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int id = g.outputs[i];
    reference::CopyFix(buffers_[id].data(), g.tensors[id].per_image_size() * count, outputs[i]);
  }
  last_count_ = count;
}

const int8_t* FixGraphExecutor::TensorData(int tensor_id) const {
  SIGNDPU_CHECK(tensor_id >= 0 && tensor_id < static_cast<int>(buffers_.size())) << "tensor id " << tensor_id;
  auto s = slices_.find(tensor_id);
  if (s != slices_.end()) {
    // A fused weight group's own output: its channel range of the concat.
    const Slice& sl = s->second;
    const int64_t total = graph_->tensors[sl.from].shape.back();
    const int64_t pixels = graph_->tensors[tensor_id].per_image_size() / sl.channels * last_count_;
    const int8_t* from = buffers_[sl.from].data();
    int8_t* to = buffers_[tensor_id].data();
    for (int64_t m = 0; m < pixels; ++m)
      std::copy_n(from + m * total + sl.c0, sl.channels, to + m * sl.channels);
  }
  return buffers_[tensor_id].data();
}

}  // namespace signdpu
