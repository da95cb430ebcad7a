#include "signdpu/graph/graph.h"

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

// Numpy (multidirectional) broadcasting of two shapes.
Result<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return InvalidArgument("shapes " + ShapeToString(a) + " and " + ShapeToString(b) +
                             " do not broadcast (dim " + std::to_string(i) + ")");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Tensors above this many elements are refused during shape inference, so a
// hostile file cannot make the products of its dims overflow int64.
constexpr int64_t kMaxShapeElements = int64_t{1} << 40;

// Window attributes (kernel, stride, dilation, pad) above this are refused,
// which keeps dilation * (kernel - 1) and friends far from overflow.
constexpr int64_t kMaxWindowAttr = int64_t{1} << 24;

bool ShapeTooLarge(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return true;
    if (d > 0 && count > kMaxShapeElements / d) return true;
    count *= d;
  }
  return false;
}

Status CheckInputCount(const Node& node, size_t min, size_t max) {
  if (node.inputs.size() < min || node.inputs.size() > max) {
    return NodeError(node, "has " + std::to_string(node.inputs.size()) + " inputs, expected " +
                               (min == max ? std::to_string(min)
                                           : std::to_string(min) + " to " + std::to_string(max)));
  }
  return Status::Ok();
}

// Validates the spatial attributes of Conv/MaxPool/AveragePool against the
// input X [N,C,spatial...] and returns the output spatial dims.
Result<Shape> WindowSpatialOut(const Node& node, const Shape& x) {
  const size_t spatial = x.size() - 2;
  const auto kernel = node.attrs.GetInts("kernel_shape");
  const auto strides = node.attrs.GetInts("strides", std::vector<int64_t>(spatial, 1));
  const auto pads = node.attrs.GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  const auto dilations = node.attrs.GetInts("dilations", std::vector<int64_t>(spatial, 1));
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial ||
      dilations.size() != spatial) {
    return NodeError(node, "kernel_shape/strides/pads/dilations (" + node.attrs.ToString() +
                               ") do not match " + std::to_string(spatial) +
                               " spatial dims of input " + ShapeToString(x));
  }
  Shape out(spatial);
  for (size_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[i + spatial] < 0 || kernel[i] > kMaxWindowAttr || strides[i] > kMaxWindowAttr ||
        dilations[i] > kMaxWindowAttr || pads[i] > kMaxWindowAttr ||
        pads[i + spatial] > kMaxWindowAttr) {
      return NodeError(node, "invalid window attributes " + node.attrs.ToString());
    }
    out[i] = WindowOutputSize(x[2 + i], kernel[i], strides[i], pads[i], pads[i + spatial],
                              dilations[i]);
    if (out[i] < 1) {
      return NodeError(node, "window (" + node.attrs.ToString() + ") does not fit input " +
                                 ShapeToString(x));
    }
  }
  return out;
}

Status CheckSpatialRank(const Node& node, const Shape& x) {
  if (x.size() != 3 && x.size() != 4) {
    return NodeError(node, "input '" + node.inputs[0] + "' has rank " +
                               std::to_string(x.size()) + " " + ShapeToString(x) +
                               ", expected 3 or 4 (N,C,(H,)W)");
  }
  return Status::Ok();
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

static Result<Shape> InferNodeShapeUnchecked(const Node& node, const std::vector<Shape>& in) {
  SIGNDPU_CHECK_EQ(in.size(), node.inputs.size());
  if (node.outputs.size() != 1) return NodeError(node, "must have exactly one output");
  switch (node.type) {
    case OpType::kRelu:
    case OpType::kRelu6:
    case OpType::kClip:
    case OpType::kLeakyRelu:
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      return in[0];

    case OpType::kConv: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 3));
      const Shape& x = in[0];
      const Shape& w = in[1];
      SIGNDPU_RETURN_IF_ERROR(CheckSpatialRank(node, x));
      if (w.size() != x.size()) {
        return NodeError(node, "weight '" + node.inputs[1] + "' " + ShapeToString(w) +
                                   " has a different rank than input " + ShapeToString(x));
      }
      const int64_t group = node.attrs.GetInt("group", 1);
      if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1]) {
        return NodeError(node, "weight " + ShapeToString(w) + " with group " +
                                   std::to_string(group) + " does not fit input " +
                                   ShapeToString(x) + " (expects W[1] * group == C)");
      }
      const auto kernel = node.attrs.GetInts("kernel_shape");
      if (!std::equal(kernel.begin(), kernel.end(), w.begin() + 2, w.end()) ||
          kernel.size() != w.size() - 2) {
        return NodeError(node, "kernel_shape " + ShapeToString(kernel) +
                                   " does not match weight " + ShapeToString(w));
      }
      if (in.size() == 3 && in[2] != Shape{w[0]}) {
        return NodeError(node, "bias '" + node.inputs[2] + "' " + ShapeToString(in[2]) +
                                   " is not [" + std::to_string(w[0]) + "]");
      }
      SIGNDPU_ASSIGN_OR_RETURN(Shape spatial, WindowSpatialOut(node, x));
      Shape out = {x[0], w[0]};
      out.insert(out.end(), spatial.begin(), spatial.end());
      return out;
    }

    case OpType::kMaxPool:
    case OpType::kAveragePool: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      SIGNDPU_RETURN_IF_ERROR(CheckSpatialRank(node, in[0]));
      SIGNDPU_ASSIGN_OR_RETURN(Shape spatial, WindowSpatialOut(node, in[0]));
      Shape out = {in[0][0], in[0][1]};
      out.insert(out.end(), spatial.begin(), spatial.end());
      return out;
    }

    case OpType::kGlobalAveragePool: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      if (in[0].size() < 3) {
        return NodeError(node, "input " + ShapeToString(in[0]) + " has rank < 3");
      }
      Shape out = in[0];
      std::fill(out.begin() + 2, out.end(), 1);
      return out;
    }

    case OpType::kBatchNorm: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 5, 5));
      if (in[0].size() < 2) return NodeError(node, "input " + ShapeToString(in[0]) + " has rank < 2");
      for (size_t i = 1; i < 5; ++i) {
        if (in[i] != Shape{in[0][1]}) {
          return NodeError(node, "parameter '" + node.inputs[i] + "' " + ShapeToString(in[i]) +
                                     " is not [C] = [" + std::to_string(in[0][1]) + "]");
        }
      }
      return in[0];
    }

    case OpType::kGemm: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 3));
      if (in[0].size() != 2 || in[1].size() != 2) {
        return NodeError(node, "A " + ShapeToString(in[0]) + " and B " + ShapeToString(in[1]) +
                                   " must both have rank 2");
      }
      const bool ta = node.attrs.GetInt("transA", 0) != 0;
      const bool tb = node.attrs.GetInt("transB", 0) != 0;
      const int64_t m = ta ? in[0][1] : in[0][0];
      const int64_t k = ta ? in[0][0] : in[0][1];
      const int64_t kb = tb ? in[1][1] : in[1][0];
      const int64_t n = tb ? in[1][0] : in[1][1];
      if (k != kb) {
        return NodeError(node, "inner dimensions differ: A " + ShapeToString(in[0]) + " B " +
                                   ShapeToString(in[1]) + " (transA " + std::to_string(ta) +
                                   ", transB " + std::to_string(tb) + ")");
      }
      Shape out = {m, n};
      if (in.size() == 3) {
        auto b = BroadcastShapes(in[2], out);
        if (!b.ok() || *b != out) {
          return NodeError(node, "C " + ShapeToString(in[2]) + " does not broadcast to " +
                                     ShapeToString(out));
        }
      }
      return out;
    }

    case OpType::kMatMul: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 2));
      const Shape& a = in[0];
      const Shape& b = in[1];
      if (a.size() < 2 || b.size() < 2) {
        return NodeError(node, "operands " + ShapeToString(a) + " and " + ShapeToString(b) +
                                   " must have rank >= 2 (1-D MatMul is not supported)");
      }
      if (a.back() != b[b.size() - 2]) {
        return NodeError(node, "inner dimensions differ: " + ShapeToString(a) + " x " +
                                   ShapeToString(b));
      }
      auto batch = BroadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
      if (!batch.ok()) return NodeError(node, batch.status().message());
      Shape out = *batch;
      out.push_back(a[a.size() - 2]);
      out.push_back(b.back());
      return out;
    }

    case OpType::kAdd: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 2, 2));
      auto out = BroadcastShapes(in[0], in[1]);
      if (!out.ok()) return NodeError(node, out.status().message());
      return out;
    }

    case OpType::kFlatten: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      const int64_t axis = node.attrs.GetInt("axis", 1);
      if (axis < 0 || axis > static_cast<int64_t>(in[0].size())) {
        return NodeError(node, "axis " + std::to_string(axis) + " outside [0, " +
                                   std::to_string(in[0].size()) + "]");
      }
      int64_t outer = 1, inner = 1;
      for (size_t i = 0; i < in[0].size(); ++i) {
        (static_cast<int64_t>(i) < axis ? outer : inner) *= in[0][i];
      }
      return Shape{outer, inner};
    }

    case OpType::kReshape: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      const auto spec = node.attrs.GetInts("shape");
      const bool allowzero = node.attrs.GetInt("allowzero", 0) != 0;
      Shape out(spec.size());
      int infer_at = -1;
      int64_t known = 1;
      for (size_t i = 0; i < spec.size(); ++i) {
        if (spec[i] == -1) {
          if (infer_at >= 0) return NodeError(node, "shape " + ShapeToString(spec) + " has two -1");
          infer_at = static_cast<int>(i);
          continue;
        }
        if (spec[i] < -1) return NodeError(node, "shape " + ShapeToString(spec) + " has a dim < -1");
        if (spec[i] > kMaxShapeElements) return NodeError(node, "shape " + ShapeToString(spec) + " is too large");
        if (spec[i] == 0 && !allowzero) {
          if (i >= in[0].size()) {
            return NodeError(node, "shape " + ShapeToString(spec) + " copies dim " +
                                       std::to_string(i) + " that input " +
                                       ShapeToString(in[0]) + " does not have");
          }
          out[i] = in[0][i];
        } else {
          out[i] = spec[i];
        }
        if (out[i] > 0 && known > kMaxShapeElements / out[i]) {
          return NodeError(node, "shape " + ShapeToString(spec) + " is too large");
        }
        known *= out[i];
      }
      const int64_t total = NumElements(in[0]);
      if (infer_at >= 0) {
        if (known == 0 || total % known != 0) {
          return NodeError(node, "cannot reshape " + ShapeToString(in[0]) + " to " +
                                     ShapeToString(spec));
        }
        out[infer_at] = total / known;
      }
      if (NumElements(out) != total) {
        return NodeError(node, "cannot reshape " + ShapeToString(in[0]) + " (" +
                                   std::to_string(total) + " elements) to " +
                                   ShapeToString(spec) + " -> " + ShapeToString(out));
      }
      return out;
    }

    case OpType::kTranspose: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      const auto perm = node.attrs.GetInts("perm");
      std::vector<bool> seen(in[0].size(), false);
      if (perm.size() != in[0].size()) {
        return NodeError(node, "perm " + ShapeToString(perm) + " does not match input rank " +
                                   std::to_string(in[0].size()));
      }
      Shape out(perm.size());
      for (size_t i = 0; i < perm.size(); ++i) {
        if (perm[i] < 0 || perm[i] >= static_cast<int64_t>(perm.size()) || seen[perm[i]]) {
          return NodeError(node, "perm " + ShapeToString(perm) + " is not a permutation");
        }
        seen[perm[i]] = true;
        out[i] = in[0][perm[i]];
      }
      return out;
    }

    case OpType::kSoftmax: {
      SIGNDPU_RETURN_IF_ERROR(CheckInputCount(node, 1, 1));
      const int64_t axis = node.attrs.GetInt("axis", -1);
      if (axis < 0 || axis >= static_cast<int64_t>(std::max<size_t>(in[0].size(), 1))) {
        return NodeError(node, "axis " + std::to_string(axis) + " outside input rank " +
                                   std::to_string(in[0].size()));
      }
      return in[0];
    }
  }
  return NodeError(node, "unknown op type");
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
