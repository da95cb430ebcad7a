// Internal to the graph library: helpers shared by the op files in
// src/graph/ops/ and the list of their registry entries.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/graph/float_ops.h"
#include "signdpu/graph/graph.h"
#include "signdpu/graph/op_registry.h"

namespace signdpu::graph {

// Tensors above this many elements are refused during shape inference, so a
// hostile file cannot make the products of its dims overflow int64.
inline constexpr int64_t kMaxShapeElements = int64_t{1} << 40;

// Window attributes (kernel, stride, dilation, pad) above this are refused,
// which keeps dilation * (kernel - 1) and friends far from overflow.
inline constexpr int64_t kMaxWindowAttr = int64_t{1} << 24;

namespace ops {

// "node 'x' (Conv, opset 13): message" (shape inference has no model label).
Status NodeError(const Node& node, const std::string& message);
Status CheckInputCount(const Node& node, size_t min, size_t max);
// Numpy (multidirectional) broadcasting of two shapes.
Result<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Add and Mul (opset 7+): two inputs, numpy broadcasting. The import (the
// legacy `axis` refused) and the shape inference they share.
Status ImportBroadcastBinary(ImportContext& ctx, Node* node, OpType type);
Result<Shape> InferBroadcastBinary(const Node& node, const std::vector<Shape>& in);
// Shape inference of the element-wise ops: one input, same shape out.
Result<Shape> SameShapeAsInput(const Node& node, const std::vector<Shape>& in);

// ---- window ops (Conv, MaxPool, AveragePool; window.cc) ----------------------
Status CheckSpatialRank(const Node& node, const Shape& x);
// Validates the spatial attributes against the input X [N,C,spatial...] and
// returns the output spatial dims.
Result<Shape> WindowSpatialOut(const Node& node, const Shape& x);
// The node's window as the float kernels take it (1-D: height 1).
kernels::Window2d MakeWindow(const Node& node, const Shape& x, const Shape* weight);
// H and W of an [N,C,(H,)W] shape.
std::pair<int64_t, int64_t> SpatialHw(const Shape& s);

// ---- the registry entries, one per file ---------------------------------------
const OpDef& ConvOp();
const OpDef& ReluOp();
const OpDef& LeakyReluOp();
const OpDef& ClipOp();
const OpDef& BatchNormalizationOp();
const OpDef& MaxPoolOp();
const OpDef& AveragePoolOp();
const OpDef& GlobalAveragePoolOp();
const OpDef& GemmOp();
const OpDef& MatMulOp();
const OpDef& AddOp();
const OpDef& FlattenOp();
const OpDef& ReshapeOp();
const OpDef& TransposeOp();
const OpDef& SoftmaxOp();
const OpDef& DropoutOp();
const OpDef& IdentityOp();
const OpDef& ConstantOp();
const OpDef& MulOp();
const OpDef& ConcatOp();
const OpDef& PadOp();
const OpDef& ConvTransposeOp();   // conv_transpose.cc
const OpDef& ResizeOp();          // resize.cc (Resize, opset 10+)
const OpDef& UpsampleOp();        // resize.cc (Upsample, opset 7-9)
const OpDef& DepthToSpaceOp();    // depth_to_space.cc

}  // namespace ops
}  // namespace signdpu::graph
