// The float op registry: one entry per ONNX op type, each defined in its own
// file under src/graph/ops/ (docs/onnx.md "Adding an ONNX op").
//
// An entry owns everything the float side knows about its op:
//   import       ONNX NodeProto -> normalised graph::Node (onnx_import.cc
//                calls it; ONNX protos stay private to the graph library, so
//                ImportContext is only forward-declared here),
//   infer_shape  output shape from the input shapes (Graph::AddNode,
//                Graph::InferShapes, InferNodeShape),
//   prepare      optional per-node precomputation for the executor,
//   eval_float   the float reference evaluation (FloatExecutor).
// The DPU lowering (src/quantize/lower.cc) keeps its own table keyed by the
// same OpType; tests/quantize/lower_test.cc checks that it covers every type
// this registry defines.
//
// The registry is an explicit list (src/graph/ops/registry.cc), not static
// self-registration, which a static library's linker would silently drop.
#pragma once

#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"

namespace signdpu::graph {

class ImportContext;  // src/graph/onnx/import_context.h (needs the ONNX protos)

// What the float executor hands an op's evaluation.
struct FloatEvalArgs {
  const Node& node;
  std::vector<const float*> in;        // node.inputs' data (constants included)
  std::vector<const Shape*> in_shape;  // node.inputs' shapes at this batch
  float* out;
  const Shape& out_shape;
  const std::vector<float>* prepared;  // what `prepare` returned for this node, or nullptr
  std::vector<float>* scratch;         // executor-owned scratch buffers, reused across nodes
  std::vector<float>* scratch2;
};

struct OpDef {
  // How the importer treats the ONNX node: most become one graph Node; some
  // become a constant (Constant) or another name for their input (Identity).
  enum class ImportKind { kNode, kConstant, kAlias };

  const char* onnx_type;       // "Conv", "BatchNormalization", ...
  ImportKind import_kind = ImportKind::kNode;
  std::vector<OpType> types;   // graph op types this entry infers and evaluates
  // Fills `node` (type, inputs, normalised attrs) from ctx's ONNX node and
  // declares the ONNX attributes it understands (ctx.Known). For kConstant /
  // kAlias it adds the constant or alias itself.
  Status (*import)(ImportContext& ctx, Node* node) = nullptr;
  Result<Shape> (*infer_shape)(const Node& node, const std::vector<Shape>& in) = nullptr;
  // Optional: data computed once per node when the executor is created (e.g.
  // a constant Gemm B transposed); empty = nothing.
  std::vector<float> (*prepare)(const Graph& graph, const Node& node) = nullptr;
  void (*eval_float)(const FloatEvalArgs& args) = nullptr;
};

// Every supported ONNX op, in the order of the importer's "supported:" list.
const std::vector<const OpDef*>& OnnxOps();
// nullptr when the ONNX op type is not supported.
const OpDef* FindOnnxOp(const std::string& onnx_type);
// The entry that infers and evaluates `type`; nullptr if none (a bug the
// registry test catches).
const OpDef* FindOpDef(OpType type);
// "Conv, Relu, ..., Constant": the supported ONNX op types, for messages.
std::string SupportedOnnxOpList();
// Every OpType value (the enum has no iteration of its own).
const std::vector<OpType>& AllOpTypes();

}  // namespace signdpu::graph
