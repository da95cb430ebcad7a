// ONNX ModelProto -> graph::Graph. Translates each supported op version into
// the normalised attributes documented in graph.h; refuses everything else
// with a message naming the node, op type and opset (docs/onnx.md).
#include "signdpu/graph/onnx_import.h"

#include "signdpu/core/file_io.h"
#include "signdpu/graph/op_registry.h"

#include "import_context.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace signdpu::graph {

namespace {

using onnx::AttributeProto;
using onnx::ModelProto;
using onnx::NodeProto;
using onnx::TensorProto;

// Larger constants than this are refused rather than allocated (a corrupt
// dims field must not make us allocate terabytes).
constexpr int64_t kMaxConstantElements = int64_t{1} << 31;

const char* OnnxTypeName(int type) {
  switch (type) {
    case TensorProto::FLOAT: return "FLOAT";
    case TensorProto::UINT8: return "UINT8";
    case TensorProto::INT8: return "INT8";
    case TensorProto::UINT16: return "UINT16";
    case TensorProto::INT16: return "INT16";
    case TensorProto::INT32: return "INT32";
    case TensorProto::INT64: return "INT64";
    case TensorProto::STRING: return "STRING";
    case TensorProto::BOOL: return "BOOL";
    case TensorProto::FLOAT16: return "FLOAT16";
    case TensorProto::DOUBLE: return "DOUBLE";
    case TensorProto::UINT32: return "UINT32";
    case TensorProto::UINT64: return "UINT64";
    case TensorProto::BFLOAT16: return "BFLOAT16";
    default: return "UNDEFINED";
  }
}

bool ParseBytes(const std::string& bytes, google::protobuf::MessageLite* message) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT_MAX);
  return message->ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
}

Result<std::string> ReadFile(const std::string& path) {
  // Regular files only (a FIFO, /dev/zero or a symlink to a device is refused
  // before a byte is read), at most kMaxOnnxFileBytes.
  try {
    return ReadRegularFile(path, kMaxOnnxFileBytes, "ONNX file");
  } catch (const std::exception& e) {
    return IoError(path + ": read failed: " + e.what());
  }
}

}  // namespace

// TensorProto -> Tensor (FLOAT -> float32; INT64/INT32/BOOL -> int64).
Result<Tensor> ConvertTensor(const TensorProto& t, const std::string& what) {
  Tensor out;
  out.name = t.name();
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) return InvalidArgument(what + " has a negative dim");
    if (d > 0 && count > kMaxConstantElements / d) {
      return OutOfRange(what + " has more than " + std::to_string(kMaxConstantElements) +
                        " elements");
    }
    count *= d;
    out.shape.push_back(d);
  }
  if (t.data_location() == TensorProto::EXTERNAL || t.external_data_size() > 0) {
    return Unsupported(what + " uses external data (save the model with all tensors inside)");
  }
  if (t.has_segment()) return Unsupported(what + " is segmented");
  const bool raw = t.has_raw_data();
  const std::string& raw_data = t.raw_data();
  auto size_error = [&](size_t got, size_t elem_size) {
    return InvalidArgument(what + " " + ShapeToString(out.shape) + " holds " +
                           std::to_string(got) + (raw ? " bytes" : " values") + ", expected " +
                           std::to_string(raw ? count * elem_size : count));
  };
  switch (t.data_type()) {
    case TensorProto::FLOAT:
      out.dtype = DataType::kFloat32;
      if (raw) {
        if (raw_data.size() != static_cast<size_t>(count) * 4) return size_error(raw_data.size(), 4);
        out.data.resize(count);
        std::memcpy(out.data.data(), raw_data.data(), raw_data.size());  // little-endian host
      } else {
        if (t.float_data_size() != count) return size_error(t.float_data_size(), 4);
        out.data.assign(t.float_data().begin(), t.float_data().end());
      }
      return out;
    case TensorProto::INT64:
      out.dtype = DataType::kInt64;
      if (raw) {
        if (raw_data.size() != static_cast<size_t>(count) * 8) return size_error(raw_data.size(), 8);
        out.data_i64.resize(count);
        std::memcpy(out.data_i64.data(), raw_data.data(), raw_data.size());
      } else {
        if (t.int64_data_size() != count) return size_error(t.int64_data_size(), 8);
        out.data_i64.assign(t.int64_data().begin(), t.int64_data().end());
      }
      return out;
    case TensorProto::INT32:
    case TensorProto::BOOL: {
      // BOOL is stored in int32_data, or one byte per value in raw_data.
      const size_t elem = t.data_type() == TensorProto::BOOL ? 1 : 4;
      out.dtype = DataType::kInt64;
      out.data_i64.resize(count);
      if (raw) {
        if (raw_data.size() != static_cast<size_t>(count) * elem) return size_error(raw_data.size(), elem);
        for (int64_t i = 0; i < count; ++i) {
          if (elem == 1) {
            out.data_i64[i] = static_cast<uint8_t>(raw_data[i]) != 0;
          } else {
            int32_t v;
            std::memcpy(&v, raw_data.data() + 4 * i, 4);
            out.data_i64[i] = v;
          }
        }
      } else {
        if (t.int32_data_size() != count) return size_error(t.int32_data_size(), elem);
        for (int64_t i = 0; i < count; ++i) out.data_i64[i] = t.int32_data(static_cast<int>(i));
      }
      return out;
    }
    default:
      return Unsupported(what + " has element type " + OnnxTypeName(t.data_type()) +
                         "; only FLOAT (and INT64/INT32/BOOL for shapes and flags) are supported");
  }
}

namespace {

// PyTorch exports relu6 as Relu followed by Clip(max 6). On the Relu's
// non-negative output, Clip(lo <= 0, 6) equals Relu6, so the pair becomes one
// kRelu6 node (the DPU's relu_six) when nothing else reads the Relu output.
Result<Graph> FoldReluIntoRelu6(const Graph& in) {
  auto is_output = [&](const std::string& name) {
    for (const std::string& out : in.outputs()) {
      if (in.Resolve(out) == name) return true;
    }
    return false;
  };
  std::map<std::string, int> readers;
  for (const Node& node : in.nodes()) {
    for (const std::string& input : std::set<std::string>(node.inputs.begin(), node.inputs.end())) {
      ++readers[input];
    }
  }
  std::set<std::string> folded;  // outputs of the Relu nodes that disappear
  for (const Node& node : in.nodes()) {
    if (node.type != OpType::kClip && node.type != OpType::kRelu6) continue;
    const Node* relu = in.FindProducer(node.inputs[0]);
    if (relu == nullptr || relu->type != OpType::kRelu || node.attrs.GetFloat("min") > 0.0f ||
        node.attrs.GetFloat("max") != 6.0f || readers[node.inputs[0]] != 1 ||
        is_output(node.inputs[0])) {
      continue;
    }
    folded.insert(node.inputs[0]);
  }
  if (folded.empty()) return in;
  Graph out(in.label());
  for (const std::string& name : in.inputs()) SIGNDPU_RETURN_IF_ERROR(out.AddInput(name, in.InputShape(name)));
  for (const auto& [name, tensor] : in.constants()) SIGNDPU_RETURN_IF_ERROR(out.AddConstant(tensor));
  for (Node node : in.nodes()) {
    if (folded.count(node.outputs[0])) {
      SIGNDPU_RETURN_IF_ERROR(out.AddAlias(node.outputs[0], node.inputs[0]));
      continue;
    }
    if (node.type == OpType::kClip && folded.count(node.inputs[0])) {
      node.type = OpType::kRelu6;
      node.attrs.Set("min", 0.0f);
    }
    SIGNDPU_RETURN_IF_ERROR(out.AddNode(std::move(node)));
  }
  for (const auto& [alias, target] : in.aliases()) SIGNDPU_RETURN_IF_ERROR(out.AddAlias(alias, target));
  for (const std::string& name : in.outputs()) SIGNDPU_RETURN_IF_ERROR(out.AddOutput(name));
  return out;
}

class Importer {
 public:
  explicit Importer(std::string label) : label_(std::move(label)), graph_(label_) {}

  Result<Graph> Import(const ModelProto& model);

 private:
  Status ImportInitializers(const onnx::GraphProto& g);
  Status ImportInputs(const onnx::GraphProto& g);
  Result<std::vector<const NodeProto*>> SortNodes(const onnx::GraphProto& g);
  Status ImportNode(const NodeProto& proto, const std::string& name);
  Status ImportOutputs(const onnx::GraphProto& g);
  // NaN or Inf in a weight, bias or any other float constant a node reads is
  // refused, naming the node (issue 14: it quantised silently to garbage).
  Status CheckFiniteConstants() const;


  std::string label_;
  Graph graph_;
  int opset_ = 0;
  std::set<std::string> used_;  // every tensor name some node or graph output reads
};

Result<Graph> Importer::Import(const ModelProto& model) {
  if (!model.has_graph()) {
    return InvalidArgument(label_ + ": not an ONNX model (no graph; truncated or not a .onnx file?)");
  }
  bool found_default = false;
  for (const auto& op : model.opset_import()) {
    if (op.domain().empty() || op.domain() == "ai.onnx") {
      opset_ = static_cast<int>(op.version());
      found_default = true;
    }
  }
  if (!found_default) {
    // IR version 1/2 models predate opset_import and mean opset 1.
    if (model.ir_version() >= 3 || model.ir_version() <= 0) {
      return InvalidArgument(label_ + ": model declares no default-domain opset (ir_version " +
                             std::to_string(model.ir_version()) + ")");
    }
    opset_ = 1;
  }
  if (opset_ < 1 || opset_ > kMaxOnnxOpset) {
    return Unsupported(label_ + ": opset " + std::to_string(opset_) + " is outside the supported 1.." +
                       std::to_string(kMaxOnnxOpset));
  }
  const onnx::GraphProto& g = model.graph();
  if (g.node_size() > kMaxGraphNodes) {
    return OutOfRange(label_ + ": " + std::to_string(g.node_size()) + " nodes, more than the " +
                      std::to_string(kMaxGraphNodes) + " a graph may have");
  }
  if (g.initializer_size() > 4 * kMaxGraphNodes || g.input_size() > kMaxGraphNodes ||
      g.output_size() > kMaxGraphNodes) {
    return OutOfRange(label_ + ": " + std::to_string(g.initializer_size()) + " initializers, " +
                      std::to_string(g.input_size()) + " inputs, " + std::to_string(g.output_size()) +
                      " outputs: more than a graph of at most " + std::to_string(kMaxGraphNodes) + " nodes may have");
  }
  for (const NodeProto& n : g.node()) {
    for (const std::string& in : n.input()) used_.insert(in);
  }
  for (const auto& out : g.output()) used_.insert(out.name());

  SIGNDPU_RETURN_IF_ERROR(ImportInitializers(g));
  SIGNDPU_RETURN_IF_ERROR(ImportInputs(g));
  SIGNDPU_ASSIGN_OR_RETURN(auto order, SortNodes(g));
  std::map<const NodeProto*, int> index_of;
  for (int i = 0; i < g.node_size(); ++i) index_of[&g.node(i)] = i;
  std::set<std::string> names;
  for (const NodeProto* proto : order) {
    // Node names are optional and need not be unique in ONNX; ours are both.
    std::string name = proto->name();
    const int index = index_of.at(proto);
    if (name.empty() || names.count(name)) name = proto->op_type() + "_" + std::to_string(index);
    while (names.count(name)) name += "_";
    names.insert(name);
    SIGNDPU_RETURN_IF_ERROR(ImportNode(*proto, name));
  }
  SIGNDPU_RETURN_IF_ERROR(ImportOutputs(g));
  SIGNDPU_RETURN_IF_ERROR(CheckFiniteConstants());
  return FoldReluIntoRelu6(graph_);
}

Status Importer::CheckFiniteConstants() const {
  std::set<std::string> checked;  // each constant scanned once
  for (const Node& node : graph_.nodes()) {
    for (const std::string& input : node.inputs) {
      const Tensor* c = graph_.FindConstant(input);
      if (c == nullptr || c->dtype != DataType::kFloat32 || !checked.insert(c->name).second) continue;
      for (size_t i = 0; i < c->data.size(); ++i) {
        const float v = c->data[i];
        if (std::isfinite(v)) continue;
        return InvalidArgument(label_ + ": " + node.Describe() + ": constant '" + c->name + "' element " +
                               std::to_string(i) + " is " + (std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf")) +
                               "; weights and biases must be finite");
      }
    }
  }
  return Status::Ok();
}

Status Importer::ImportInitializers(const onnx::GraphProto& g) {
  if (g.sparse_initializer_size() > 0) {
    return Unsupported(label_ + ": sparse initializers are not supported");
  }
  for (const TensorProto& t : g.initializer()) {
    SIGNDPU_ASSIGN_OR_RETURN(Tensor tensor, ConvertTensor(t, label_ + ": initializer '" + t.name() + "'"));
    SIGNDPU_RETURN_IF_ERROR(graph_.AddConstant(std::move(tensor)));
  }
  return Status::Ok();
}

Status Importer::ImportInputs(const onnx::GraphProto& g) {
  for (const auto& input : g.input()) {
    // Before IR 4 every initializer was also listed as an input; such an
    // input is the constant, not a runtime tensor.
    if (graph_.FindConstant(input.name()) != nullptr) continue;
    const std::string what = label_ + ": input '" + input.name() + "'";
    if (!input.type().has_tensor_type()) return Unsupported(what + " is not a tensor");
    const auto& tt = input.type().tensor_type();
    if (tt.elem_type() != TensorProto::FLOAT) {
      return Unsupported(what + " has element type " + OnnxTypeName(tt.elem_type()) +
                         "; only FLOAT inputs are supported");
    }
    if (!tt.has_shape()) return Unsupported(what + " has no shape");
    Shape shape;
    for (const auto& dim : tt.shape().dim()) {
      shape.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value() : kDynamicDim);
    }
    SIGNDPU_RETURN_IF_ERROR(graph_.AddInput(input.name(), shape));
  }
  return Status::Ok();
}

Result<std::vector<const NodeProto*>> Importer::SortNodes(const onnx::GraphProto& g) {
  // ONNX requires topological order, but sorting costs little and accepts
  // hand-edited files; it also finds inputs nothing defines. Kahn's algorithm,
  // lowest file index first, so an already sorted file keeps its order; O(n
  // log n) so that a hostile file with many nodes cannot stall the import.
  std::set<std::string> available = {""};  // "" = an omitted optional input
  for (const auto& [name, t] : graph_.constants()) available.insert(name);
  for (const std::string& in : graph_.inputs()) available.insert(in);
  const int count = g.node_size();
  std::vector<int> missing(count, 0);                    // inputs not yet available
  std::map<std::string, std::vector<int>> waiting;       // tensor -> nodes reading it
  std::set<int> ready;
  for (int i = 0; i < count; ++i) {
    std::set<std::string> unique(g.node(i).input().begin(), g.node(i).input().end());
    for (const std::string& in : unique) {
      if (available.count(in)) continue;
      ++missing[i];
      waiting[in].push_back(i);
    }
    if (missing[i] == 0) ready.insert(i);
  }
  std::vector<const NodeProto*> order;
  while (!ready.empty()) {
    const int i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(&g.node(i));
    for (const std::string& out : g.node(i).output()) {
      if (out.empty() || !available.insert(out).second) continue;
      auto it = waiting.find(out);
      if (it == waiting.end()) continue;
      for (int j : it->second) {
        if (--missing[j] == 0) ready.insert(j);
      }
    }
  }
  if (static_cast<int>(order.size()) < count) {
    std::set<std::string> produced;
    for (const NodeProto& n : g.node()) produced.insert(n.output().begin(), n.output().end());
    for (int i = 0; i < count; ++i) {
      if (missing[i] == 0) continue;
      const NodeProto& n = g.node(i);
      const std::string desc = "node '" + n.name() + "' (" + n.op_type() + ", opset " + std::to_string(opset_) + ")";
      for (const std::string& in : n.input()) {
        if (available.count(in) || produced.count(in)) continue;
        return NotFound(label_ + ": " + desc + ": input '" + in +
                        "' is not a graph input, initializer or node output (missing initializer?)");
      }
    }
    for (int i = 0; i < count; ++i) {
      if (missing[i] == 0) continue;
      const NodeProto& n = g.node(i);
      return InvalidArgument(label_ + ": node '" + n.name() + "' (" + n.op_type() + ", opset " +
                             std::to_string(opset_) + ") is part of a cycle");
    }
  }
  return order;
}

}  // namespace

Status ImportContext::RequireInputs(const Node& node, size_t min, size_t max) const {
  if (node.inputs.size() < min || node.inputs.size() > max) {
    return NodeError(node, "has " + std::to_string(node.inputs.size()) + " inputs, expected " +
                               std::to_string(min) + (min == max ? "" : " to " + std::to_string(max)));
  }
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) return NodeUnsupported(node, "omitted input " + std::to_string(i));
  }
  return Status::Ok();
}

Status ImportContext::CheckUnusedExtraOutputs() const {
  for (int i = 1; i < proto.output_size(); ++i) {
    if (!proto.output(i).empty() && used_.count(proto.output(i))) {
      return Unsupported(label + ": " + context + ": output " + std::to_string(i) + " ('" +
                         proto.output(i) + "') is used, but only the first output is supported");
    }
  }
  return Status::Ok();
}

Result<float> ImportContext::ScalarConstant(const Node& node, const std::string& input,
                                            const char* role) const {
  const Tensor* t = graph.FindConstant(input);
  if (t == nullptr) {
    return NodeUnsupported(node, std::string(role) + " '" + input +
                                     "' must be a constant (initializer or Constant node)");
  }
  if (t->dtype != DataType::kFloat32 || t->data.size() != 1) {
    return NodeError(node, std::string(role) + " '" + input + "' must be a float scalar, got " +
                               DataTypeName(t->dtype) + " " + ShapeToString(t->shape));
  }
  return t->data[0];
}

namespace {

// The generic part of importing one node; the op's registry entry
// (src/graph/ops/) does the rest.
Status Importer::ImportNode(const NodeProto& proto, const std::string& name) {
  const std::string& op = proto.op_type();
  Node node;
  node.name = name;
  node.onnx_type = op;
  node.opset = opset_;
  const std::string context = node.Describe();
  if (!proto.domain().empty() && proto.domain() != "ai.onnx") {
    return Unsupported(label_ + ": " + context + ": op domain '" + proto.domain() +
                       "' is not supported (only the default ONNX domain)");
  }
  if (proto.output_size() < 1 || proto.output(0).empty()) {
    return InvalidArgument(label_ + ": " + context + ": has no output");
  }
  AttrReader attrs(proto, label_ + ": " + context);
  ImportContext ctx(label_, graph_, opset_, proto, attrs, context, used_);
  const OpDef* def = FindOnnxOp(op);
  if (def != nullptr && def->import_kind == OpDef::ImportKind::kConstant) return def->import(ctx, &node);

  // Inputs; trailing omitted optional inputs ("") dropped.
  for (const std::string& in : proto.input()) node.inputs.push_back(graph_.Resolve(in));
  while (!node.inputs.empty() && node.inputs.back().empty()) node.inputs.pop_back();
  node.outputs = {proto.output(0)};
  if (def != nullptr && def->import_kind == OpDef::ImportKind::kAlias) return def->import(ctx, &node);

  SIGNDPU_RETURN_IF_ERROR(ctx.CheckUnusedExtraOutputs());
  if (def == nullptr) {
    return Unsupported(label_ + ": " + context + ": op type '" + op +
                       "' is not supported (supported: " + SupportedOnnxOpList() + ")");
  }
  SIGNDPU_RETURN_IF_ERROR(def->import(ctx, &node));
  for (const std::string& a : attrs.Names()) {
    if (!ctx.known().count(a) && a != "is_test") {
      return ctx.NodeUnsupported(node, "attribute '" + a + "' is not supported");
    }
  }
  return graph_.AddNode(std::move(node));
}

Status Importer::ImportOutputs(const onnx::GraphProto& g) {
  if (g.output_size() == 0) return InvalidArgument(label_ + ": graph has no outputs");
  for (const auto& out : g.output()) {
    const std::string what = label_ + ": output '" + out.name() + "'";
    if (out.type().has_tensor_type()) {
      const int type = out.type().tensor_type().elem_type();
      if (type != TensorProto::FLOAT && type != TensorProto::UNDEFINED) {
        return Unsupported(what + " has element type " + OnnxTypeName(type) +
                           "; only FLOAT outputs are supported");
      }
    } else if (out.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
      return Unsupported(what + " is not a tensor");
    }
    SIGNDPU_RETURN_IF_ERROR(graph_.AddOutput(out.name()));
  }
  return Status::Ok();
}

}  // namespace

Result<Graph> ImportOnnxBytes(const std::string& bytes, const std::string& label) {
  try {
    if (bytes.empty()) return InvalidArgument(label + ": empty file");
    ModelProto model;
    if (!ParseBytes(bytes, &model)) {
      return InvalidArgument(label + ": not a valid ONNX model (protobuf parse failed after " +
                             std::to_string(bytes.size()) + " bytes; truncated or corrupt?)");
    }
    Importer importer(label);
    return importer.Import(model);
  } catch (const std::exception& e) {
    return Internal(label + ": ONNX import failed: " + e.what());
  } catch (...) {
    return Internal(label + ": ONNX import failed with an unknown exception");
  }
}

Result<Graph> ImportOnnxFile(const std::string& path) {
  SIGNDPU_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ImportOnnxBytes(bytes, path);
}

Result<Tensor> ParseOnnxTensor(const std::string& bytes, const std::string& label) {
  try {
    TensorProto proto;
    if (bytes.empty() || !ParseBytes(bytes, &proto)) {
      return InvalidArgument(label + ": not a valid ONNX TensorProto");
    }
    return ConvertTensor(proto, label);
  } catch (const std::exception& e) {
    return Internal(label + ": TensorProto parse failed: " + e.what());
  }
}

Result<Tensor> ReadOnnxTensorFile(const std::string& path) {
  SIGNDPU_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ParseOnnxTensor(bytes, path);
}

}  // namespace signdpu::graph
