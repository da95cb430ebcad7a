// The float graph IR: tensors, constants, ops with normalised attributes, and
// concrete shape inference for a given batch.
//
// The IR is what the quantiser walks. It is framework-neutral: the ONNX
// importer (onnx_import.h) translates ONNX's op versions and attribute
// spellings into the normalised form documented per OpType below, so nothing
// downstream needs to know ONNX. Layout is ONNX's: activations NCHW, conv
// weights OIHW (the quantiser converts to NHWC/OHWI when it lowers to XIR).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"

namespace signdpu::graph {

// A shape dimension that takes the batch value at inference time (ONNX
// dim_param, or a dim_value of 0 or -1, in a graph input's dim 0).
inline constexpr int64_t kDynamicDim = -1;

enum class DataType {
  kFloat32,
  kInt64,  // only for constants that are shapes (Reshape); never an activation
};
const char* DataTypeName(DataType type);

struct Tensor {
  std::string name;
  Shape shape;  // declared shape; graph inputs may hold kDynamicDim in dim 0
  DataType dtype = DataType::kFloat32;
  std::vector<float> data;          // kFloat32 constants, row-major
  std::vector<int64_t> data_i64;    // kInt64 constants
  bool is_constant = false;
};

// Ops after import. Attribute names and meanings are the normalised ones
// listed here (not ONNX's raw ones); spatial attributes have one entry per
// spatial dimension (1 or 2), pads are [begin..., end...] as in ONNX.
enum class OpType {
  kConv,               // in: X [N,C,(H,)W], W [M,C/group,(kh,)kw], B [M] optional.
                       //   attrs: kernel_shape, strides, pads, dilations (explicit,
                       //   auto_pad resolved), group.
  kRelu,               // y = max(x, 0). Also Clip(min 0, no max).
  kRelu6,              // y = min(max(x, 0), 6): Clip with min 0 and max 6. attrs: min, max.
  kClip,               // y = min(max(x, min), max). attrs: min, max (floats, +-inf when absent).
  kLeakyRelu,          // y = x >= 0 ? x : alpha * x. attrs: alpha.
  kBatchNorm,          // inference only. in: X, scale, B, mean, var (all [C]). attrs: epsilon.
  kMaxPool,            // attrs: kernel_shape, strides, pads, dilations.
  kAveragePool,        // attrs: kernel_shape, strides, pads, count_include_pad.
  kGlobalAveragePool,  // mean over all spatial dims, output [N,C,1,(1)].
  kGemm,               // Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A.
                       //   in: A [M,K], B, C optional (unidirectional broadcast to [M,N]).
                       //   attrs: alpha, beta, transA, transB.
  kMatMul,             // numpy matmul, both operands rank >= 2, batch dims broadcast.
  kAdd,                // numpy broadcasting.
  kFlatten,            // attrs: axis (>= 0): [d0*..*d(axis-1), d(axis)*..].
  kReshape,            // in: data only. attrs: shape (ONNX rule: 0 copies the input
                       //   dim unless allowzero, -1 is inferred), allowzero.
  kTranspose,          // attrs: perm (explicit).
  kSoftmax,            // attrs: axis (>= 0), coerce_2d: 1 = opset < 13 semantics
                       //   (flatten to [prod(d<axis), prod(d>=axis)] and normalise
                       //   each row), 0 = normalise along `axis` only.
  kMul,                // numpy broadcasting.
  kConcat,             // attrs: axis (>= 0). Inputs agree on every other dim.
  kPad,                // in: data only. attrs: pads [begin..., end...] (>= 0, one pair
                       //   per dim), mode ("constant", "reflect", "edge"), value (float).
  kConvTranspose,      // in: X [N,C,H,W], W [C,M/group,kh,kw], B [M] optional. attrs: kernel_shape,
                       //   strides, pads, dilations, output_padding (explicit), group.
  kResize,             // Resize / Upsample, nearest. attrs: scales [sh,sw], sizes [OH,OW] (if
                       //   given), coordinate_transformation_mode, nearest_mode.
  kDepthToSpace,       // attrs: blocksize, mode ("DCR" or "CRD").
  kUpsample,           // ONNX Upsample (opset 7-9): kResize's attrs and evaluation.
};
const char* OpTypeName(OpType type);

class Attributes {
 public:
  using Value = std::variant<int64_t, float, std::vector<int64_t>, std::vector<float>, std::string>;

  void Set(const std::string& name, Value value) { values_[name] = std::move(value); }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  void Erase(const std::string& name) { values_.erase(name); }

  // Typed getters. A missing attribute gives the default; an attribute of the
  // wrong type is a programmer error (the importer normalises types), CHECKed.
  int64_t GetInt(const std::string& name, int64_t default_value = 0) const;
  float GetFloat(const std::string& name, float default_value = 0.0f) const;
  std::vector<int64_t> GetInts(const std::string& name,
                               std::vector<int64_t> default_value = {}) const;
  std::vector<float> GetFloats(const std::string& name,
                               std::vector<float> default_value = {}) const;
  std::string GetString(const std::string& name, std::string default_value = "") const;

  const std::map<std::string, Value>& values() const { return values_; }
  std::string ToString() const;  // "axis=1 perm=[0,2,3,1]" for messages and dumps

 private:
  std::map<std::string, Value> values_;
};

struct Node {
  std::string name;       // unique; the ONNX node name, or "<op>_<index>" if it had none
  OpType type = OpType::kRelu;
  std::string onnx_type;  // the source op, e.g. "Clip" for a kRelu6
  int opset = 0;          // the model's default-domain opset version
  std::vector<std::string> inputs;   // resolved names (aliases already followed)
  std::vector<std::string> outputs;  // exactly one
  Attributes attrs;

  std::string Describe() const;  // "node 'conv1' (Conv, opset 13)"
};

using ShapeMap = std::map<std::string, Shape>;

// Limit (a contract, docs/testing.md "Limits"): a graph holds at most this
// many nodes. Real models for this board have tens to a few hundred; a
// hostile file with thousands would only cost time and memory. The ONNX
// importer checks it before it looks at any node; AddNode refuses more.
inline constexpr int kMaxGraphNodes = 4096;

class Graph {
 public:
  Graph() = default;
  explicit Graph(std::string label) : label_(std::move(label)) {}

  // ---- building (used by the importer and by tests) ------------------------
  // Each call validates at once and returns a Status naming the node/tensor.
  // Only dim 0 of an input may be kDynamicDim.
  Status AddInput(const std::string& name, const Shape& shape);
  Status AddConstant(Tensor tensor);
  // Appends a node; its inputs must already exist (nodes are kept in
  // topological order). Infers its output shape for batch 1, which validates
  // ranks, channel counts and attribute consistency.
  Status AddNode(Node node);
  // `alias` is another name for the existing tensor `target` (how Identity
  // and inference-mode Dropout are removed).
  Status AddAlias(const std::string& alias, const std::string& target);
  Status AddOutput(const std::string& name);
  // For models exported with a fixed batch of 1: makes dim 0 of every graph
  // input the dynamic batch dim. Fails (and changes nothing) when an input's
  // dim 0 is not 1 or the graph does not infer for batch 2, e.g. a Reshape to
  // a fixed [1, 3136].
  Status MakeBatchDynamic();

  // ---- queries -------------------------------------------------------------
  const std::string& label() const { return label_; }
  const std::vector<std::string>& inputs() const { return inputs_; }    // runtime inputs
  const std::vector<std::string>& outputs() const { return outputs_; }  // as declared (may be aliases)
  const std::vector<Node>& nodes() const { return nodes_; }             // topological order
  const std::map<std::string, Tensor>& constants() const { return constants_; }
  const std::map<std::string, std::string>& aliases() const { return aliases_; }  // alias -> target

  // Follows aliases; returns `name` itself when it is not an alias.
  const std::string& Resolve(const std::string& name) const;
  // nullptr when `name` (after Resolve) is not a constant.
  const Tensor* FindConstant(const std::string& name) const;
  // The node producing `name` (after Resolve), or nullptr.
  const Node* FindProducer(const std::string& name) const;
  std::vector<const Node*> Consumers(const std::string& name) const;
  bool IsInput(const std::string& name) const;
  // True when some tensor exists under this name (input, constant, node output, alias).
  bool Contains(const std::string& name) const;
  // Declared shape of a graph input (with kDynamicDim).
  Shape InputShape(const std::string& name) const;
  bool has_dynamic_batch() const { return has_dynamic_batch_; }

  // Concrete shapes of every tensor for `batch` (substituted into dynamic
  // dims; a graph without dynamic dims has the same shapes for every batch).
  Result<ShapeMap> InferShapes(int64_t batch) const;
  Result<Shape> ShapeOf(const std::string& name, int64_t batch = 1) const;

  std::string ToString() const;  // one line per input/node/output, for logs and tests

 private:
  Status CheckNewName(const std::string& name, const std::string& what) const;

  std::string label_;
  std::vector<std::string> inputs_;
  std::map<std::string, Shape> input_shapes_;
  std::vector<std::string> outputs_;
  std::vector<Node> nodes_;
  std::map<std::string, Tensor> constants_;
  std::map<std::string, std::string> aliases_;
  std::map<std::string, size_t> producer_;  // output name -> index in nodes_
  std::map<std::string, std::vector<size_t>> consumers_;  // input name -> readers' indices, in order
  ShapeMap shapes_batch1_;
  bool has_dynamic_batch_ = false;
};

// Output shape of one node given its input shapes (constants included), or a
// Status naming the node. Shared by Graph::AddNode, Graph::InferShapes and the
// executor.
Result<Shape> InferNodeShape(const Node& node, const std::vector<Shape>& input_shapes);

// Output spatial size of a window op, floor rounding (ceil_mode 0):
// floor((in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1.
int64_t WindowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin,
                         int64_t pad_end, int64_t dilation);

}  // namespace signdpu::graph
