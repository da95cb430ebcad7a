// Small FixGraphs shared by the xmodel and emu tests, and a field-by-field
// comparison that prints the first difference.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/kernels/fix_graph.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "fix_ops.h"  // RandomInt8, ConvOp, Concat2DGraph (tests/kernels)

namespace signdpu::testing {

// input [1,8,8,1] fp 6 -> conv1 3x3 pad 1, 4 ch, RELU (fp 4) -> maxpool 2x2
// (fp 4) -> conv2 3x3 pad 1, 8 ch (fp 3) -> dense as conv 4x4 -> 5 (fp 2)
// -> reshape [1,5]. Random int8 weights from `seed`.
FixGraph TinyClassifier(uint32_t seed);

// Every op kind the reader and writers support: conv RELU6, depthwise
// LEAKYRELU, eltwise ADD+RELU, AVG pool, conv without bias, hard-sigmoid,
// reshape.
FixGraph AllOpsGraph(uint32_t seed);

// Channel concatenation as vai_q + vai_c make it: input [1,6,6,3] fp 5 ->
// left 3x3 pad 1, 4 ch, RELU (weights fp 7) and right 1x1, 2 ch, RELU
// (weights fp 6), both output fp 4 -> concat-fix "cat" [1,6,6,6] fp 4
// (concat_axis 3) -> head 1x1, 3 ch (fp 3).
FixGraph ConcatGraph(uint32_t seed);

xmodel::HostModelInfo InfoFor(const std::string& model_name);

// Empty string when equal; else the first difference. Compares what the
// writer stores (names, shapes, fix points, attributes, weights).
std::string DiffFixGraphs(const FixGraph& expected, const FixGraph& actual);


// A fresh directory under the test temp dir.
std::string MakeTempDir(const std::string& tag);

}  // namespace signdpu::testing
