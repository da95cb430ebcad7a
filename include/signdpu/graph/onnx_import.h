// ONNX import: ModelProto -> graph::Graph, using Debian's libonnx protobuf
// classes. Model files are untrusted input: every failure (truncated or
// corrupt file, unsupported op or attribute, missing initializer, bad shapes)
// returns a Status naming the file, node, op type and opset; protobuf and
// other exceptions are caught here and never escape.
//
// Supported: default-domain opsets up to kMaxOnnxOpset (the target range is
// 11..17; older opsets are accepted where our ops' semantics are the same,
// which lets ONNX's opset-6 pytorch-converted conformance cases run). See
// docs/onnx.md for the op table, the normalised attributes and what is refused.
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"

namespace signdpu::graph {

inline constexpr int kMaxOnnxOpset = 17;

// Limit (a contract, docs/testing.md "Limits"): an ONNX file (model or
// TensorProto) is a regular file of at most 512 MiB, read with
// ReadRegularFile; the models this project quantises are a few MB. Graphs
// hold at most kMaxGraphNodes nodes (graph.h).
inline constexpr uint64_t kMaxOnnxFileBytes = uint64_t{512} << 20;

// Reads the whole file into memory and imports it; the label in messages is the path.
Result<Graph> ImportOnnxFile(const std::string& path);
// Imports a serialised ModelProto; `label` prefixes every message.
Result<Graph> ImportOnnxBytes(const std::string& bytes, const std::string& label);

// A serialised TensorProto (ONNX test data input_*.pb / output_*.pb). FLOAT
// becomes kFloat32; INT64, INT32 and BOOL become kInt64.
Result<Tensor> ParseOnnxTensor(const std::string& bytes, const std::string& label);
Result<Tensor> ReadOnnxTensorFile(const std::string& path);

}  // namespace signdpu::graph
