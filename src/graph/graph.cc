#include "signdpu/graph/graph.h"

#include "ops/op_util.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace signdpu::graph {

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float32";
    case DataType::kInt64: return "int64";
  }
  return "unknown";
}

const char* OpTypeName(OpType type) {
  switch (type) {
    case OpType::kConv: return "Conv";
    case OpType::kRelu: return "Relu";
    case OpType::kRelu6: return "Relu6";
    case OpType::kClip: return "Clip";
    case OpType::kLeakyRelu: return "LeakyRelu";
    case OpType::kBatchNorm: return "BatchNorm";
    case OpType::kMaxPool: return "MaxPool";
    case OpType::kAveragePool: return "AveragePool";
    case OpType::kGlobalAveragePool: return "GlobalAveragePool";
    case OpType::kGemm: return "Gemm";
    case OpType::kMatMul: return "MatMul";
    case OpType::kAdd: return "Add";
    case OpType::kFlatten: return "Flatten";
    case OpType::kReshape: return "Reshape";
    case OpType::kTranspose: return "Transpose";
    case OpType::kSoftmax: return "Softmax";
    case OpType::kMul: return "Mul";
    case OpType::kConcat: return "Concat";
    case OpType::kPad: return "Pad";
    case OpType::kConvTranspose: return "ConvTranspose";
    case OpType::kResize: return "Resize";
    case OpType::kDepthToSpace: return "DepthToSpace";
    case OpType::kUpsample: return "Upsample";
  }
  return "unknown";
}

// ---- Attributes ----------------------------------------------------------------

namespace {

template <typename T>
const T* GetTyped(const std::map<std::string, Attributes::Value>& values, const std::string& name,
                  const char* type_name) {
  auto it = values.find(name);
  if (it == values.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  SIGNDPU_CHECK(v != nullptr) << "attribute '" << name << "' is not of type " << type_name;
  return v;
}

template <typename T>
std::string ListToString(const std::vector<T>& v) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? "," : "") << v[i];
  s << "]";
  return s.str();
}

}  // namespace

int64_t Attributes::GetInt(const std::string& name, int64_t default_value) const {
  const int64_t* v = GetTyped<int64_t>(values_, name, "int");
  return v ? *v : default_value;
}

float Attributes::GetFloat(const std::string& name, float default_value) const {
  const float* v = GetTyped<float>(values_, name, "float");
  return v ? *v : default_value;
}

std::vector<int64_t> Attributes::GetInts(const std::string& name,
                                         std::vector<int64_t> default_value) const {
  const auto* v = GetTyped<std::vector<int64_t>>(values_, name, "int list");
  return v ? *v : default_value;
}

std::vector<float> Attributes::GetFloats(const std::string& name,
                                         std::vector<float> default_value) const {
  const auto* v = GetTyped<std::vector<float>>(values_, name, "float list");
  return v ? *v : default_value;
}

std::string Attributes::GetString(const std::string& name, std::string default_value) const {
  const auto* v = GetTyped<std::string>(values_, name, "string");
  return v ? *v : default_value;
}

std::string Attributes::ToString() const {
  std::ostringstream s;
  bool first = true;
  for (const auto& [name, value] : values_) {
    s << (first ? "" : " ") << name << "=";
    first = false;
    if (auto* i = std::get_if<int64_t>(&value)) s << *i;
    if (auto* f = std::get_if<float>(&value)) s << *f;
    if (auto* il = std::get_if<std::vector<int64_t>>(&value)) s << ListToString(*il);
    if (auto* fl = std::get_if<std::vector<float>>(&value)) s << ListToString(*fl);
    if (auto* str = std::get_if<std::string>(&value)) s << "'" << *str << "'";
  }
  return s.str();
}

std::string Node::Describe() const {
  std::ostringstream s;
  s << "node '" << name << "' (" << (onnx_type.empty() ? OpTypeName(type) : onnx_type.c_str());
  if (opset > 0) s << ", opset " << opset;
  s << ")";
  return s.str();
}

// ---- shape inference -------------------------------------------------------------

int64_t WindowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                         int64_t pad_end, int64_t dilation) {
  const int64_t span = dilation * (kernel - 1) + 1;
  const int64_t room = in + pad_begin + pad_end - span;
  if (room < 0) return 0;
  return room / stride + 1;
}

namespace {

Status NodeError(const Node& node, const std::string& message) {
  return InvalidArgument(node.Describe() + ": " + message);
}

bool ShapeTooLarge(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return true;
    if (d > 0 && count > kMaxShapeElements / d) return true;
    count *= d;
  }
  return false;
}

}  // namespace

static Result<Shape> InferNodeShapeUnchecked(const Node& node, const std::vector<Shape>& in);

Result<Shape> InferNodeShape(const Node& node, const std::vector<Shape>& in) {
  for (const Shape& s : in) {
    if (ShapeTooLarge(s)) return NodeError(node, "input shape " + ShapeToString(s) + " is too large");
  }
  SIGNDPU_ASSIGN_OR_RETURN(Shape out, InferNodeShapeUnchecked(node, in));
  if (ShapeTooLarge(out)) {
    return NodeError(node, "output shape " + ShapeToString(out) + " is too large (over 2^40 elements)");
  }
  return out;
}

// The op's own shape inference (src/graph/ops/, through the registry).
static Result<Shape> InferNodeShapeUnchecked(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_CHECK_EQ(in.size(), node.inputs.size());
  if (node.outputs.size() != 1) return NodeError(node, "must have exactly one output");
  const OpDef* def = FindOpDef(node.type);
  if (def == nullptr || def->infer_shape == nullptr) return NodeError(node, "unknown op type");
  return def->infer_shape(node, in);
}

// ---- Graph ---------------------------------------------------------------------

Status Graph::CheckNewName(const std::string& name, const std::string& what) const {
  if (name.empty()) return InvalidArgument(label_ + ": " + what + " has an empty name");
  if (Contains(name)) {
    return InvalidArgument(label_ + ": " + what + " '" + name + "' is defined twice");
  }
  return Status::Ok();
}

Status Graph::AddInput(const std::string& name, const Shape& shape) {
  SIGNDPU_RETURN_IF_ERROR(CheckNewName(name, "input"));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == kDynamicDim && i == 0) continue;
    if (shape[i] < 1) {
      return Unsupported(label_ + ": input '" + name + "' " + ShapeToString(shape) + " dim " +
                         std::to_string(i) +
                         " is dynamic or empty; only the batch dimension (dim 0) may be dynamic");
    }
  }
  Shape batch1_check = shape;
  if (!batch1_check.empty() && batch1_check[0] == kDynamicDim) batch1_check[0] = 1;
  if (ShapeTooLarge(batch1_check)) {
    return InvalidArgument(label_ + ": input '" + name + "' " + ShapeToString(shape) + " is too large");
  }
  if (!shape.empty() && shape[0] == kDynamicDim) has_dynamic_batch_ = true;
  inputs_.push_back(name);
  input_shapes_[name] = shape;
  Shape batch1 = shape;
  if (!batch1.empty() && batch1[0] == kDynamicDim) batch1[0] = 1;
  shapes_batch1_[name] = batch1;
  return Status::Ok();
}

Status Graph::AddConstant(Tensor tensor) {
  SIGNDPU_RETURN_IF_ERROR(CheckNewName(tensor.name, "constant"));
  for (int64_t d : tensor.shape) {
    if (d < 0) {
      return InvalidArgument(label_ + ": constant '" + tensor.name + "' has negative dim in " +
                             ShapeToString(tensor.shape));
    }
  }
  const size_t expected = static_cast<size_t>(NumElements(tensor.shape));
  const size_t got = tensor.dtype == DataType::kFloat32 ? tensor.data.size() : tensor.data_i64.size();
  if (got != expected) {
    return InvalidArgument(label_ + ": constant '" + tensor.name + "' " +
                           ShapeToString(tensor.shape) + " holds " + std::to_string(got) +
                           " values, expected " + std::to_string(expected));
  }
  tensor.is_constant = true;
  shapes_batch1_[tensor.name] = tensor.shape;
  std::string name = tensor.name;
  constants_.emplace(name, std::move(tensor));
  return Status::Ok();
}

Status Graph::AddNode(Node node) {
  if (node.outputs.size() != 1) {
    return InvalidArgument(label_ + ": " + node.Describe() + " must have exactly one output");
  }
  if (nodes_.size() >= static_cast<size_t>(kMaxGraphNodes)) {
    return OutOfRange(label_ + ": more than " + std::to_string(kMaxGraphNodes) + " nodes (the limit of a graph)");
  }
  std::vector<Shape> in_shapes;
  for (std::string& input : node.inputs) {
    input = Resolve(input);
    auto it = shapes_batch1_.find(input);
    if (it == shapes_batch1_.end()) {
      return NotFound(label_ + ": " + node.Describe() + ": input '" + input +
                      "' is not a graph input, initializer or earlier node output");
    }
    if (auto c = constants_.find(input); c != constants_.end() && c->second.dtype != DataType::kFloat32) {
      return Unsupported(label_ + ": " + node.Describe() + ": input '" + input + "' is " +
                         DataTypeName(c->second.dtype) + ", expected float32");
    }
    in_shapes.push_back(it->second);
  }
  SIGNDPU_RETURN_IF_ERROR(CheckNewName(node.outputs[0], node.Describe() + " output"));
  auto out = InferNodeShape(node, in_shapes);
  if (!out.ok()) return out.status().WithContext(label_);
  shapes_batch1_[node.outputs[0]] = *out;
  producer_[node.outputs[0]] = nodes_.size();
  // Reader index: Consumers() is called per node by the lowering passes, so
  // a scan of every node there made them quadratic (issue 14).
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (std::find(node.inputs.begin(), node.inputs.begin() + static_cast<std::ptrdiff_t>(i), node.inputs[i]) !=
        node.inputs.begin() + static_cast<std::ptrdiff_t>(i))
      continue;  // the same tensor twice: one reader
    consumers_[node.inputs[i]].push_back(nodes_.size());
  }
  nodes_.push_back(std::move(node));
  return Status::Ok();
}

Status Graph::AddAlias(const std::string& alias, const std::string& target) {
  SIGNDPU_RETURN_IF_ERROR(CheckNewName(alias, "alias"));
  const std::string& resolved = Resolve(target);
  if (!Contains(resolved)) {
    return NotFound(label_ + ": '" + alias + "' refers to unknown tensor '" + target + "'");
  }
  aliases_[alias] = resolved;
  return Status::Ok();
}

Status Graph::AddOutput(const std::string& name) {
  if (!Contains(name)) return NotFound(label_ + ": graph output '" + name + "' is never produced");
  if (std::find(outputs_.begin(), outputs_.end(), name) != outputs_.end()) {
    return InvalidArgument(label_ + ": graph output '" + name + "' listed twice");
  }
  outputs_.push_back(name);
  return Status::Ok();
}

Status Graph::MakeBatchDynamic() {
  if (has_dynamic_batch_) return Status::Ok();
  for (const std::string& in : inputs_) {
    const Shape& s = input_shapes_.at(in);
    if (s.empty() || s[0] != 1) {
      return InvalidArgument(label_ + ": input '" + in + "' " + ShapeToString(s) +
                             " has no batch dim of 1 to make dynamic");
    }
  }
  for (const std::string& in : inputs_) input_shapes_[in][0] = kDynamicDim;
  has_dynamic_batch_ = true;
  if (auto shapes = InferShapes(2); !shapes.ok()) {
    for (const std::string& in : inputs_) input_shapes_[in][0] = 1;
    has_dynamic_batch_ = false;
    return shapes.status().WithContext("cannot make the batch dynamic");
  }
  return Status::Ok();
}

const std::string& Graph::Resolve(const std::string& name) const {
  auto it = aliases_.find(name);
  return it == aliases_.end() ? name : it->second;
}

const Tensor* Graph::FindConstant(const std::string& name) const {
  auto it = constants_.find(Resolve(name));
  return it == constants_.end() ? nullptr : &it->second;
}

const Node* Graph::FindProducer(const std::string& name) const {
  auto it = producer_.find(Resolve(name));
  return it == producer_.end() ? nullptr : &nodes_[it->second];
}

std::vector<const Node*> Graph::Consumers(const std::string& name) const {
  const std::string& resolved = Resolve(name);
  std::vector<const Node*> out;
  auto it = consumers_.find(resolved);
  if (it == consumers_.end()) return out;
  out.reserve(it->second.size());
  for (size_t i : it->second) out.push_back(&nodes_[i]);
  return out;
}

bool Graph::IsInput(const std::string& name) const {
  return input_shapes_.count(Resolve(name)) != 0;
}

bool Graph::Contains(const std::string& name) const {
  return shapes_batch1_.count(name) != 0 || aliases_.count(name) != 0;
}

Shape Graph::InputShape(const std::string& name) const {
  auto it = input_shapes_.find(Resolve(name));
  return it == input_shapes_.end() ? Shape{} : it->second;
}

Result<ShapeMap> Graph::InferShapes(int64_t batch) const {
  if (batch < 1) return InvalidArgument(label_ + ": batch " + std::to_string(batch) + " < 1");
  if (batch == 1 || !has_dynamic_batch_) {
    ShapeMap shapes = shapes_batch1_;
    for (const auto& [alias, target] : aliases_) shapes[alias] = shapes.at(target);
    return shapes;
  }
  ShapeMap shapes;
  for (const auto& [name, shape] : input_shapes_) {
    Shape s = shape;
    if (!s.empty() && s[0] == kDynamicDim) s[0] = batch;
    shapes[name] = s;
  }
  for (const auto& [name, tensor] : constants_) shapes[name] = tensor.shape;
  for (const Node& node : nodes_) {
    std::vector<Shape> in;
    for (const std::string& input : node.inputs) in.push_back(shapes.at(input));
    auto out = InferNodeShape(node, in);
    if (!out.ok()) {
      return out.status().WithContext(label_ + " (batch " + std::to_string(batch) + ")");
    }
    shapes[node.outputs[0]] = *out;
  }
  for (const auto& [alias, target] : aliases_) shapes[alias] = shapes.at(target);
  return shapes;
}

Result<Shape> Graph::ShapeOf(const std::string& name, int64_t batch) const {
  if (batch == 1 || !has_dynamic_batch_) {
    auto it = shapes_batch1_.find(Resolve(name));
    if (it == shapes_batch1_.end()) return NotFound(label_ + ": no tensor named '" + name + "'");
    return it->second;
  }
  SIGNDPU_ASSIGN_OR_RETURN(ShapeMap shapes, InferShapes(batch));
  auto it = shapes.find(name);
  if (it == shapes.end()) return NotFound(label_ + ": no tensor named '" + name + "'");
  return it->second;
}

std::string Graph::ToString() const {
  std::ostringstream s;
  for (const std::string& in : inputs_) {
    s << "input " << in << " " << ShapeToString(input_shapes_.at(in)) << "\n";
  }
  for (const Node& node : nodes_) {
    s << OpTypeName(node.type) << " " << node.name << " (";
    for (size_t i = 0; i < node.inputs.size(); ++i) s << (i ? ", " : "") << node.inputs[i];
    s << ") -> " << node.outputs[0] << " " << ShapeToString(shapes_batch1_.at(node.outputs[0]));
    const std::string attrs = node.attrs.ToString();
    if (!attrs.empty()) s << " {" << attrs << "}";
    s << "\n";
  }
  for (const std::string& out : outputs_) {
    s << "output " << out;
    if (Resolve(out) != out) s << " = " << Resolve(out);
    s << "\n";
  }
  return s.str();
}

}  // namespace signdpu::graph
