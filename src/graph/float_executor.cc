#include "signdpu/graph/float_executor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <set>

#include "signdpu/graph/float_gemm.h"
#include "signdpu/graph/float_ops.h"

namespace signdpu::graph {

namespace {

// Refuse graphs whose buffers would not fit comfortably in memory rather
// than dying in the allocator (a model file is untrusted input).
constexpr int64_t kMaxTensorElements = int64_t{1} << 31;
// Limit (a contract, docs/testing.md "Limits"): the activations of one
// executor (all tensors at its max batch) take at most 2 GiB of floats,
// checked before allocating; a small ONNX file whose shapes (large inputs,
// pads, channel counts) would need more is refused, not allocated.
constexpr int64_t kMaxTotalElements = int64_t{1} << 29;  // 2 GiB of floats

kernels::Window2d MakeWindow(const Node& node, const Shape& x, const Shape* weight) {
  const size_t spatial = x.size() - 2;
  std::vector<int64_t> kernel = node.attrs.GetInts("kernel_shape");
  if (kernel.empty() && weight != nullptr) kernel.assign(weight->begin() + 2, weight->end());
  const auto strides = node.attrs.GetInts("strides", std::vector<int64_t>(spatial, 1));
  const auto pads = node.attrs.GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  const auto dilations = node.attrs.GetInts("dilations", std::vector<int64_t>(spatial, 1));
  kernels::Window2d win;
  if (spatial == 2) {
    win.kernel_h = kernel[0];
    win.kernel_w = kernel[1];
    win.stride_h = strides[0];
    win.stride_w = strides[1];
    win.pad_top = pads[0];
    win.pad_left = pads[1];
    win.pad_bottom = pads[2];
    win.pad_right = pads[3];
    win.dilation_h = dilations[0];
    win.dilation_w = dilations[1];
  } else {  // 1-D: a 2-D window of height 1
    win.kernel_w = kernel[0];
    win.stride_w = strides[0];
    win.pad_left = pads[0];
    win.pad_right = pads[1];
    win.dilation_w = dilations[0];
  }
  return win;
}

// H and W of an [N,C,(H,)W] shape.
std::pair<int64_t, int64_t> SpatialHw(const Shape& s) {
  return s.size() == 4 ? std::make_pair(s[2], s[3]) : std::make_pair(int64_t{1}, s[2]);
}

}  // namespace

struct FloatExecutor::Impl {
  Graph graph;
  int64_t max_batch = 1;
  std::map<std::string, std::vector<float>> buffers;  // every non-constant tensor
  std::map<int64_t, ShapeMap> shape_cache;
  // Constant Gemm B with transB = 1, pre-transposed to [K, N] once.
  std::map<std::string, std::vector<float>> gemm_b_kn;
  std::vector<float> scratch, scratch2;
  std::set<std::string> valid;  // tensors written by the last run
  int64_t last_batch = 1;

  Result<const ShapeMap*> Shapes(int64_t batch) {
    auto it = shape_cache.find(batch);
    if (it == shape_cache.end()) {
      SIGNDPU_ASSIGN_OR_RETURN(ShapeMap shapes, graph.InferShapes(batch));
      it = shape_cache.emplace(batch, std::move(shapes)).first;
    }
    return &it->second;
  }

  const float* Data(const std::string& name) const {
    if (const Tensor* c = graph.FindConstant(name)) return c->data.data();
    auto it = buffers.find(graph.Resolve(name));
    return it == buffers.end() ? nullptr : it->second.data();
  }
  float* MutableData(const std::string& name) { return buffers.at(name).data(); }

  void Eval(const Node& node, const ShapeMap& shapes);
  Status Execute(const InputMap& inputs, const std::vector<bool>& needed, int64_t batch,
                 Observer* observer);
};

Result<FloatExecutor> FloatExecutor::Create(const Graph& graph, int64_t max_batch) {
  if (max_batch < 1) return InvalidArgument("FloatExecutor: max_batch " + std::to_string(max_batch) + " < 1");
  try {
    auto impl = std::make_unique<Impl>();
    impl->graph = graph;
    impl->max_batch = max_batch;
    SIGNDPU_ASSIGN_OR_RETURN(const ShapeMap* shapes, impl->Shapes(max_batch));
    int64_t total = 0;
    auto allocate = [&](const std::string& name) -> Status {
      const int64_t count = NumElements(shapes->at(name));
      if (count > kMaxTensorElements || (total += count) > kMaxTotalElements) {
        return OutOfRange(graph.label() + ": tensor '" + name + "' " +
                          ShapeToString(shapes->at(name)) + " at batch " +
                          std::to_string(max_batch) + " exceeds the executor's memory limit");
      }
      impl->buffers[name].assign(count, 0.0f);
      return Status::Ok();
    };
    for (const std::string& in : graph.inputs()) SIGNDPU_RETURN_IF_ERROR(allocate(in));
    for (const Node& node : graph.nodes()) {
      SIGNDPU_RETURN_IF_ERROR(allocate(node.outputs[0]));
      if (node.type == OpType::kGemm && node.attrs.GetInt("transB", 0) != 0) {
        if (const Tensor* b = graph.FindConstant(node.inputs[1])) {
          std::vector<float>& kn = impl->gemm_b_kn[node.name];
          kn.resize(b->data.size());
          kernels::Transpose(b->data.data(), b->shape, {1, 0}, kn.data());
        }
      }
    }
    return FloatExecutor(std::move(impl));
  } catch (const std::bad_alloc&) {
    return OutOfRange(graph.label() + ": out of memory allocating executor buffers for batch " +
                      std::to_string(max_batch));
  }
}

FloatExecutor::FloatExecutor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FloatExecutor::FloatExecutor(FloatExecutor&&) noexcept = default;
FloatExecutor& FloatExecutor::operator=(FloatExecutor&&) noexcept = default;
FloatExecutor::~FloatExecutor() = default;

const Graph& FloatExecutor::graph() const { return impl_->graph; }
int64_t FloatExecutor::max_batch() const { return impl_->max_batch; }

void FloatExecutor::Impl::Eval(const Node& node, const ShapeMap& shapes) {
  auto in = [&](size_t i) { return Data(node.inputs[i]); };
  auto in_shape = [&](size_t i) -> const Shape& { return shapes.at(node.inputs[i]); };
  const Shape& out_shape = shapes.at(node.outputs[0]);
  float* out = MutableData(node.outputs[0]);
  const int64_t count = NumElements(out_shape);

  switch (node.type) {
    case OpType::kConv: {
      const Shape& x = in_shape(0);
      const Shape& w = in_shape(1);
      const auto [h, wd] = SpatialHw(x);
      const auto [oh, ow] = SpatialHw(out_shape);
      kernels::Conv2d(in(0), x[0], x[1], h, wd, in(1), w[0], node.inputs.size() > 2 ? in(2) : nullptr,
                      node.attrs.GetInt("group", 1), MakeWindow(node, x, &w), oh, ow, out, &scratch);
      break;
    }
    case OpType::kMaxPool:
    case OpType::kAveragePool: {
      const Shape& x = in_shape(0);
      const auto [h, wd] = SpatialHw(x);
      const auto [oh, ow] = SpatialHw(out_shape);
      const auto win = MakeWindow(node, x, nullptr);
      if (node.type == OpType::kMaxPool) {
        kernels::MaxPool2d(in(0), x[0] * x[1], h, wd, win, oh, ow, out);
      } else {
        kernels::AveragePool2d(in(0), x[0] * x[1], h, wd, win,
                               node.attrs.GetInt("count_include_pad", 0) != 0, oh, ow, out);
      }
      break;
    }
    case OpType::kGlobalAveragePool: {
      const Shape& x = in_shape(0);
      kernels::GlobalAveragePool(in(0), x[0] * x[1], NumElements(x) / (x[0] * x[1]), out);
      break;
    }
    case OpType::kBatchNorm: {
      const Shape& x = in_shape(0);
      kernels::BatchNorm(in(0), x[0], x[1], NumElements(x) / (x[0] * x[1]), in(1), in(2), in(3),
                         in(4), node.attrs.GetFloat("epsilon", 1e-5f), out);
      break;
    }
    case OpType::kRelu:
      kernels::Relu(in(0), count, out);
      break;
    case OpType::kRelu6:
    case OpType::kClip:
      kernels::Clip(in(0), count, node.attrs.GetFloat("min", -std::numeric_limits<float>::infinity()),
                    node.attrs.GetFloat("max", std::numeric_limits<float>::infinity()), out);
      break;
    case OpType::kLeakyRelu:
      kernels::LeakyRelu(in(0), count, node.attrs.GetFloat("alpha", 0.01f), out);
      break;
    case OpType::kGemm: {
      const Shape& a_shape = in_shape(0);
      const Shape& b_shape = in_shape(1);
      const bool ta = node.attrs.GetInt("transA", 0) != 0;
      const bool tb = node.attrs.GetInt("transB", 0) != 0;
      const float alpha = node.attrs.GetFloat("alpha", 1.0f);
      const float beta = node.attrs.GetFloat("beta", 1.0f);
      const int64_t m = out_shape[0], n = out_shape[1];
      const int64_t k = ta ? a_shape[0] : a_shape[1];
      const float* a = in(0);
      if (ta) {
        scratch.resize(std::max(scratch.size(), static_cast<size_t>(m * k)));
        kernels::Transpose(a, a_shape, {1, 0}, scratch.data());
        a = scratch.data();
      }
      const float* b = in(1);
      if (tb) {
        auto it = gemm_b_kn.find(node.name);
        if (it != gemm_b_kn.end()) {
          b = it->second.data();
        } else {
          scratch2.resize(std::max(scratch2.size(), static_cast<size_t>(k * n)));
          kernels::Transpose(b, b_shape, {1, 0}, scratch2.data());
          b = scratch2.data();
        }
      }
      const bool has_c = node.inputs.size() > 2 && beta != 0.0f;
      if (has_c && alpha == 1.0f && beta == 1.0f) {
        // Common dense layer: start from the broadcast bias and accumulate.
        kernels::Broadcast(in(2), in_shape(2), out, out_shape);
        kernels::Gemm(m, n, k, a, k, b, n, out, n, /*accumulate=*/true);
        break;
      }
      kernels::Gemm(m, n, k, a, k, b, n, out, n, /*accumulate=*/false);
      if (alpha != 1.0f) {
        for (int64_t i = 0; i < count; ++i) out[i] *= alpha;
      }
      if (has_c) {
        scratch2.resize(std::max(scratch2.size(), static_cast<size_t>(count)));
        kernels::Broadcast(in(2), in_shape(2), scratch2.data(), out_shape);
        for (int64_t i = 0; i < count; ++i) out[i] += beta * scratch2[i];
      }
      break;
    }
    case OpType::kMatMul:
      kernels::MatMul(in(0), in_shape(0), in(1), in_shape(1), out, out_shape);
      break;
    case OpType::kAdd:
      kernels::AddBroadcast(in(0), in_shape(0), in(1), in_shape(1), out, out_shape);
      break;
    case OpType::kFlatten:
    case OpType::kReshape:
      std::memcpy(out, in(0), count * sizeof(float));
      break;
    case OpType::kTranspose:
      kernels::Transpose(in(0), in_shape(0), node.attrs.GetInts("perm"), out);
      break;
    case OpType::kSoftmax: {
      const Shape& x = in_shape(0);
      const int64_t axis = node.attrs.GetInt("axis", static_cast<int64_t>(x.size()) - 1);
      int64_t outer = 1, len = 1, inner = 1;
      for (int64_t d = 0; d < static_cast<int64_t>(x.size()); ++d) {
        if (d < axis) {
          outer *= x[d];
        } else if (d == axis || node.attrs.GetInt("coerce_2d", 0) != 0) {
          len *= x[d];  // opset < 13: everything from axis on is one row
        } else {
          inner *= x[d];
        }
      }
      kernels::Softmax(in(0), outer, len, inner, out);
      break;
    }
  }
}

Status FloatExecutor::Impl::Execute(const InputMap& inputs, const std::vector<bool>& needed,
                                    int64_t batch, Observer* observer) {
  if (batch < 1 || batch > max_batch) {
    return InvalidArgument(graph.label() + ": batch " + std::to_string(batch) +
                           " outside [1, " + std::to_string(max_batch) + "]");
  }
  if (batch != 1 && !graph.has_dynamic_batch()) {
    // Its shapes are fixed: running "batch" images would silently run one.
    return InvalidArgument(graph.label() + ": the graph has no dynamic batch dimension (inputs are "
                           "static); run it with batch 1, or call Graph::MakeBatchDynamic first");
  }
  SIGNDPU_ASSIGN_OR_RETURN(const ShapeMap* shapes, Shapes(batch));
  valid.clear();
  last_batch = batch;
  for (const auto& [name, data] : inputs) {
    auto it = buffers.find(name);
    if (it == buffers.end()) {
      return InvalidArgument(graph.label() + ": fed tensor '" + name + "' is not a graph input or node output" +
                             (graph.FindConstant(name) ? " (it is a constant)" : ""));
    }
    if (data == nullptr) return InvalidArgument(graph.label() + ": fed tensor '" + name + "' is null");
    const Shape& shape = shapes->at(name);
    std::memcpy(it->second.data(), data, NumElements(shape) * sizeof(float));
    valid.insert(name);
    if (observer != nullptr) observer->OnInput(name, it->second.data(), shape);
  }
  const auto& nodes = graph.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!needed[i]) continue;
    const Node& node = nodes[i];
    Eval(node, *shapes);
    valid.insert(node.outputs[0]);
    if (observer != nullptr) {
      observer->OnOutput(node, node.outputs[0], buffers.at(node.outputs[0]).data(),
                         shapes->at(node.outputs[0]));
    }
  }
  return Status::Ok();
}

Status FloatExecutor::Run(const InputMap& inputs, int64_t batch, Observer* observer) {
  for (const std::string& in : impl_->graph.inputs()) {
    if (inputs.count(in) == 0) {
      return NotFound(impl_->graph.label() + ": graph input '" + in + "' was not provided");
    }
  }
  for (const auto& [name, data] : inputs) {
    if (!impl_->graph.IsInput(name) || impl_->graph.Resolve(name) != name) {
      return InvalidArgument(impl_->graph.label() + ": '" + name +
                             "' is not a graph input (use RunSubset to feed intermediate tensors)");
    }
  }
  std::vector<bool> all(impl_->graph.nodes().size(), true);
  return impl_->Execute(inputs, all, batch, observer);
}

Result<TensorMap> FloatExecutor::RunSubset(const InputMap& inputs,
                                           const std::vector<std::string>& outputs,
                                           int64_t batch, Observer* observer) {
  const Graph& graph = impl_->graph;
  // Walk back from the requested outputs to fed tensors and constants.
  std::set<std::string> fed;
  for (const auto& [name, data] : inputs) fed.insert(graph.Resolve(name));
  std::vector<bool> needed(graph.nodes().size(), false);
  std::vector<std::string> stack;
  for (const std::string& out : outputs) {
    if (!graph.Contains(out)) return NotFound(graph.label() + ": no tensor named '" + out + "'");
    stack.push_back(graph.Resolve(out));
  }
  std::set<std::string> visited;
  while (!stack.empty()) {
    const std::string name = stack.back();
    stack.pop_back();
    if (!visited.insert(name).second || fed.count(name) || graph.FindConstant(name)) continue;
    const Node* producer = graph.FindProducer(name);
    if (producer == nullptr) {
      return NotFound(graph.label() + ": tensor '" + name +
                      "' is needed for the requested outputs but was not fed");
    }
    needed[producer - graph.nodes().data()] = true;
    for (const std::string& in : producer->inputs) stack.push_back(in);
  }
  InputMap resolved;
  for (const auto& [name, data] : inputs) resolved[graph.Resolve(name)] = data;
  SIGNDPU_RETURN_IF_ERROR(impl_->Execute(resolved, needed, batch, observer));
  TensorMap result;
  for (const std::string& out : outputs) {
    SIGNDPU_ASSIGN_OR_RETURN(result[out], CopyOutput(out));
  }
  return result;
}

const float* FloatExecutor::Output(const std::string& name) const {
  const std::string& resolved = impl_->graph.Resolve(name);
  if (const Tensor* c = impl_->graph.FindConstant(resolved)) {
    return c->dtype == DataType::kFloat32 ? c->data.data() : nullptr;
  }
  if (impl_->valid.count(resolved) == 0) return nullptr;
  return impl_->Data(resolved);
}

Result<Shape> FloatExecutor::OutputShape(const std::string& name) const {
  auto cached = impl_->shape_cache.find(impl_->last_batch);
  if (cached != impl_->shape_cache.end()) {
    auto it = cached->second.find(name);
    if (it != cached->second.end()) return it->second;
  }
  return impl_->graph.ShapeOf(name, impl_->last_batch);
}

Result<std::vector<float>> FloatExecutor::CopyOutput(const std::string& name) const {
  const float* data = Output(name);
  if (data == nullptr) {
    return NotFound(impl_->graph.label() + ": tensor '" + name + "' was not computed by the last run");
  }
  SIGNDPU_ASSIGN_OR_RETURN(Shape shape, OutputShape(name));
  return std::vector<float>(data, data + NumElements(shape));
}

}  // namespace signdpu::graph
