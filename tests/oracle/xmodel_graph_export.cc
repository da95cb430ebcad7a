// xmodel_graph_export MODEL.xmodel OUT_DIR
//
// The oracle's only C++ part (docs/testing.md, "The oracle"): writes an
// xmodel's whole graph as plain data for tests/oracle/oracle.py, using libxir
// alone (plus signdpu's core JSON writer and atomic file write). It shares no
// code with src/kernels, src/ir or src/xmodel: nothing here interprets an op.
//
// OUT_DIR/graph.json:
//   {"name", "graph_attrs": {...}, "ops": [...], "subgraphs": [...]}
//   ops in XIR's topological order, each {"name", "type", "inputs":
//   {"<arg>": [tensor names]}, "output", "shape", "data_type", "attrs",
//   "tensor_attrs", "data" (const / const-fix: a file name in OUT_DIR with
//   the raw `data` bytes, little-endian as XIR stores them)};
//   subgraphs: every leaf subgraph {"name", "device", "ops", "inputs",
//   "outputs"} (tensor names; inputs/outputs as get_sorted_*_tensors()).
// Attribute values of kinds the oracle does not need (maps, bytes other than
// const data) are written as {"unsupported_kind": "<type>"}.
#include <any>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <typeinfo>
#include <vector>

#include <nlohmann/json.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"

namespace {

using nlohmann::ordered_json;

template <typename T>
bool Put(const xir::any& v, ordered_json* out) {
  if (v.type() != typeid(T)) return false;
  *out = std::any_cast<T>(v);
  return true;
}

ordered_json AttrValue(const xir::any& v) {
  ordered_json j;
  if (Put<int>(v, &j) || Put<bool>(v, &j) || Put<float>(v, &j) || Put<double>(v, &j) ||
      Put<std::string>(v, &j) || Put<std::vector<int>>(v, &j) || Put<std::vector<float>>(v, &j) ||
      Put<std::vector<double>>(v, &j) || Put<std::vector<std::string>>(v, &j) || Put<int64_t>(v, &j) ||
      Put<std::vector<int64_t>>(v, &j) || Put<uint32_t>(v, &j) || Put<std::vector<bool>>(v, &j))
    return j;
  return ordered_json{{"unsupported_kind", v.type().name()}};
}

ordered_json Attrs(const xir::Attrs* attrs, const std::vector<std::string>& skip) {
  ordered_json j = ordered_json::object();
  if (attrs == nullptr) return j;
  for (const std::string& key : attrs->get_keys()) {
    bool skipped = false;
    for (const std::string& s : skip) skipped = skipped || s == key;
    if (!skipped) j[key] = AttrValue(attrs->get_attr(key));
  }
  return j;
}

std::string FileStem(size_t index) { return "const_" + std::to_string(index) + ".bin"; }

ordered_json OpJson(const xir::Op* op, size_t index, const std::filesystem::path& dir, std::string* error) {
  ordered_json j;
  j["name"] = op->get_name();
  j["type"] = op->get_type();
  ordered_json ins = ordered_json::object();
  for (const auto& [arg, ops] : op->get_input_ops()) {
    std::vector<std::string> names;
    for (const xir::Op* in : ops) names.push_back(in->get_output_tensor()->get_name());
    ins[arg] = names;
  }
  j["inputs"] = ins;
  const xir::Tensor* t = op->get_output_tensor();
  j["output"] = t->get_name();
  j["shape"] = t->get_shape();
  j["data_type"] = t->get_data_type().to_string();
  auto op_attrs = op->get_attrs();
  j["attrs"] = Attrs(op_attrs.get(), {"data"});
  auto t_attrs = t->get_attrs();
  j["tensor_attrs"] = Attrs(t_attrs.get(), {});
  if (op->has_attr("data") && op->get_attr("data").type() == typeid(std::vector<char>)) {
    const auto bytes = op->get_attr<std::vector<char>>("data");
    const std::string file = FileStem(index);
    const signdpu::Status s =
        signdpu::WriteFileAtomic((dir / file).string(), std::string_view(bytes.data(), bytes.size()));
    if (!s.ok()) *error = s.ToString();
    j["data"] = file;
  }
  return j;
}

ordered_json SubgraphJson(const xir::Subgraph* sg) {
  ordered_json j;
  j["name"] = sg->get_name();
  j["device"] = sg->has_attr("device") ? sg->get_attr<std::string>("device") : std::string();
  std::vector<std::string> ops, ins, outs;
  for (const xir::Op* op : sg->topological_sort()) ops.push_back(op->get_name());
  for (const xir::Tensor* t : sg->get_sorted_input_tensors()) ins.push_back(t->get_name());
  for (const xir::Tensor* t : sg->get_sorted_output_tensors()) outs.push_back(t->get_name());
  j["ops"] = ops;
  j["inputs"] = ins;
  j["outputs"] = outs;
  return j;
}

int Export(const std::string& model, const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  std::unique_ptr<xir::Graph> graph = xir::Graph::deserialize(model);
  ordered_json root;
  root["name"] = graph->get_name();
  auto g_attrs = graph->get_attrs();
  root["graph_attrs"] = Attrs(g_attrs.get(), {});
  ordered_json ops = ordered_json::array();
  std::string error;
  size_t index = 0;
  for (const xir::Op* op : graph->topological_sort()) {
    ops.push_back(OpJson(op, index++, out_dir, &error));
    if (!error.empty()) {
      std::fprintf(stderr, "xmodel_graph_export: %s\n", error.c_str());
      return 1;
    }
  }
  root["ops"] = ops;
  ordered_json subgraphs = ordered_json::array();
  const xir::Subgraph* top = graph->get_root_subgraph();
  if (!top->is_leaf())
    for (const xir::Subgraph* sg : top->children_topological_sort()) subgraphs.push_back(SubgraphJson(sg));
  root["subgraphs"] = subgraphs;
  const signdpu::Status s =
      signdpu::WriteFileAtomic((std::filesystem::path(out_dir) / "graph.json").string(), signdpu::DumpJson(root, 1));
  if (!s.ok()) {
    std::fprintf(stderr, "xmodel_graph_export: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: xmodel_graph_export MODEL.xmodel OUT_DIR\n");
    return 2;
  }
  try {
    return Export(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xmodel_graph_export: %s: %s\n", argv[1], e.what());
    return 1;
  }
}
