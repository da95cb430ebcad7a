#include "signdpu/graph/float_executor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <set>

#include "signdpu/graph/float_gemm.h"
#include "signdpu/graph/float_ops.h"
#include "signdpu/graph/op_registry.h"

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

}  // namespace

struct FloatExecutor::Impl {
  Graph graph;
  int64_t max_batch = 1;
  std::map<std::string, std::vector<float>> buffers;  // every non-constant tensor
  std::map<int64_t, ShapeMap> shape_cache;
  // Node name -> what its op's `prepare` computed (e.g. a constant Gemm B
  // with transB = 1, pre-transposed to [K, N] once).
  std::map<std::string, std::vector<float>> prepared;
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
      const OpDef* def = FindOpDef(node.type);
      if (def == nullptr || def->eval_float == nullptr) {
        return Unsupported(graph.label() + ": " + node.Describe() + ": no float evaluation");
      }
      if (def->prepare != nullptr) {
        std::vector<float> data = def->prepare(graph, node);
        if (!data.empty()) impl->prepared[node.name] = std::move(data);
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

// The op's own evaluation (src/graph/ops/, through the registry); Create
// checked that every node has one.
void FloatExecutor::Impl::Eval(const Node& node, const ShapeMap& shapes) {
  FloatEvalArgs args{node, {}, {}, MutableData(node.outputs[0]), shapes.at(node.outputs[0]),
                     nullptr, &scratch, &scratch2};
  args.in.reserve(node.inputs.size());
  args.in_shape.reserve(node.inputs.size());
  for (const std::string& input : node.inputs) {
    args.in.push_back(Data(input));
    args.in_shape.push_back(&shapes.at(input));
  }
  auto it = prepared.find(node.name);
  if (it != prepared.end()) args.prepared = &it->second;
  FindOpDef(node.type)->eval_float(args);
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
