#include "graph_builders.h"

#include <utility>

#include <gtest/gtest.h>

namespace signdpu::quantize::test_graphs {

void AddConst(graph::Graph& g, const std::string& name, Shape shape, std::vector<float> data) {
  graph::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.data = std::move(data);
  t.is_constant = true;
  ASSERT_TRUE(g.AddConstant(t).ok()) << name;
}

void AddNode(graph::Graph& g, const std::string& name, graph::OpType type, std::vector<std::string> in,
             const std::string& out, graph::Attributes attrs) {
  graph::Node n;
  n.name = name;
  n.type = type;
  n.onnx_type = graph::OpTypeName(type);
  n.opset = 13;
  n.inputs = std::move(in);
  n.outputs = {out};
  n.attrs = std::move(attrs);
  Status s = g.AddNode(n);
  ASSERT_TRUE(s.ok()) << s.message();
}

}  // namespace signdpu::quantize::test_graphs
