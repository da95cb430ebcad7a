// Internal to the graph library: what an op's import function (src/graph/ops)
// sees of the ONNX importer. Needs the ONNX protos, which stay private.
#pragma once

#include <onnx/onnx_pb.h>

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"

namespace signdpu::graph {

// One ONNX node's attributes, read with type checks.
class AttrReader {
 public:
  AttrReader(const onnx::NodeProto& node, std::string context) : context_(std::move(context)) {
    for (const onnx::AttributeProto& a : node.attribute()) attrs_[a.name()] = &a;
  }
  bool Has(const std::string& name) const { return attrs_.count(name) != 0; }
  std::set<std::string> Names() const {
    std::set<std::string> names;
    for (const auto& [name, a] : attrs_) names.insert(name);
    return names;
  }

  Result<int64_t> Int(const std::string& name, int64_t default_value) const {
    const onnx::AttributeProto* a = Find(name);
    if (a == nullptr) return default_value;
    if (!IsType(*a, onnx::AttributeProto::INT, a->has_i())) return TypeError(name, "INT");
    return a->i();
  }
  Result<float> Float(const std::string& name, float default_value) const {
    const onnx::AttributeProto* a = Find(name);
    if (a == nullptr) return default_value;
    if (!IsType(*a, onnx::AttributeProto::FLOAT, a->has_f())) return TypeError(name, "FLOAT");
    return a->f();
  }
  Result<std::vector<int64_t>> Ints(const std::string& name, std::vector<int64_t> default_value) const {
    const onnx::AttributeProto* a = Find(name);
    if (a == nullptr) return default_value;
    if (!IsType(*a, onnx::AttributeProto::INTS, a->ints_size() > 0)) return TypeError(name, "INTS");
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  Result<std::vector<float>> Floats(const std::string& name) const {
    const onnx::AttributeProto* a = Find(name);
    if (a == nullptr) return std::vector<float>{};
    if (!IsType(*a, onnx::AttributeProto::FLOATS, a->floats_size() > 0)) return TypeError(name, "FLOATS");
    return std::vector<float>(a->floats().begin(), a->floats().end());
  }
  Result<std::string> String(const std::string& name, std::string default_value) const {
    const onnx::AttributeProto* a = Find(name);
    if (a == nullptr) return default_value;
    if (!IsType(*a, onnx::AttributeProto::STRING, a->has_s())) return TypeError(name, "STRING");
    return a->s();
  }
  const onnx::AttributeProto* Find(const std::string& name) const {
    auto it = attrs_.find(name);
    return it == attrs_.end() ? nullptr : it->second;
  }

 private:
  // Old exporters (IR < 3) leave `type` unset; then the filled field decides.
  static bool IsType(const onnx::AttributeProto& a, onnx::AttributeProto::AttributeType type,
                     bool field_set) {
    return a.type() == type || (a.type() == onnx::AttributeProto::UNDEFINED && field_set);
  }
  Status TypeError(const std::string& name, const char* type) const {
    return InvalidArgument(context_ + ": attribute '" + name + "' is not of type " + type);
  }

  std::string context_;
  std::map<std::string, const onnx::AttributeProto*> attrs_;
};

// ONNX TensorProto -> Tensor (onnx_import.cc); `what` names it in errors.
Result<Tensor> ConvertTensor(const onnx::TensorProto& t, const std::string& what);

// The importer's state for one ONNX node, as an op's import function sees it.
class ImportContext {
 public:
  ImportContext(const std::string& label, Graph& graph, int opset, const onnx::NodeProto& proto,
                const AttrReader& attrs, const std::string& context,
                const std::set<std::string>& used)
      : label(label), graph(graph), opset(opset), proto(proto), attrs(attrs), context(context),
        used_(used) {}

  const std::string& label;      // the model, first in every message
  Graph& graph;                  // the graph built so far (earlier nodes, constants)
  const int opset;               // the model's default-domain opset
  const onnx::NodeProto& proto;
  const AttrReader& attrs;
  const std::string& context;    // "node 'x' (Conv, opset 13)"

  // The ONNX attributes this op understands; any other is refused.
  void Known(std::initializer_list<const char*> names) { known_.insert(names.begin(), names.end()); }
  const std::set<std::string>& known() const { return known_; }

  Status NodeError(const Node& node, const std::string& message) const {
    return InvalidArgument(label + ": " + node.Describe() + ": " + message);
  }
  Status NodeUnsupported(const Node& node, const std::string& message) const {
    return Unsupported(label + ": " + node.Describe() + ": " + message);
  }
  Result<Shape> ShapeOf(const std::string& name) const { return graph.ShapeOf(name, 1); }
  Result<int64_t> RankOf(const std::string& name) const {
    SIGNDPU_ASSIGN_OR_RETURN(Shape s, ShapeOf(name));
    return static_cast<int64_t>(s.size());
  }
  // Input count in [min, max], none of them omitted.
  Status RequireInputs(const Node& node, size_t min, size_t max) const;
  // A float scalar constant input (Clip's min/max).
  Result<float> ScalarConstant(const Node& node, const std::string& input, const char* role) const;
  // Outputs after the first must be unused (only one output is supported).
  Status CheckUnusedExtraOutputs() const;
  // Conv / MaxPool / AveragePool: explicit kernel_shape, strides, pads,
  // dilations; auto_pad resolved against the (static) spatial input dims
  // (src/graph/ops/window.cc).
  Status Window(Node* node, bool is_conv) const;

 private:
  Status CheckCeilModeChangesNothing(const Node& node, const Shape& x) const;

  const std::set<std::string>& used_;  // every tensor name some node or graph output reads
  std::set<std::string> known_ = {"consumed_inputs"};  // legacy (opset < 6) memory hint
};

}  // namespace signdpu::graph
