// Float-graph builders shared by the quantiser's unit tests (lower_test,
// quantizer_steps_test, dpu_limits_test): one constant, one ONNX-style node
// (opset 13). Each ASSERTs that the graph accepted it.
#pragma once

#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/graph/graph.h"

namespace signdpu::quantize::test_graphs {

void AddConst(graph::Graph& g, const std::string& name, Shape shape, std::vector<float> data);
void AddNode(graph::Graph& g, const std::string& name, graph::OpType type, std::vector<std::string> in,
             const std::string& out, graph::Attributes attrs = {});

}  // namespace signdpu::quantize::test_graphs
