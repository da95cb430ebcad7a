// Test helper for tests/app/hostile_res_e2e.sh: small files that declare
// huge or many things (issue 14, resources).
//   make_hostile_models OUT_DIR [OPS]
// writes
//   huge_input.xmodel  host xmodel (< 64 KB) whose DPU subgraph takes a
//                      12288x12288x1 input (one 1x1 conv-fix)
//   deep.xmodel        12 chained 1x1 conv-fix on a 2048x2048x1 input
//   many_ops.xmodel    5000 data ops (copied in the protobuf: XIR's own API
//                      is quadratic and takes minutes for that many)
//   huge_input.onnx    a Conv on a declared 1x1x12288x12288 input
//   many_nodes.onnx    5000 chained Relu nodes
//   nan_weights.onnx   a Conv whose weight holds a NaN
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <onnx/onnx_pb.h>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>

#include "fix_ops.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace {

bool Save(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) std::fprintf(stderr, "make_hostile_models: cannot write %s\n", path.c_str());
  return static_cast<bool>(f);
}

bool HugeInputXmodel(const std::string& path) {
  signdpu::FixGraph g;
  g.name = "huge";
  g.tensors = {{"input", {1, 12288, 12288, 1}, 6}, {"conv", {1, 12288, 12288, 1}, 4}};
  g.inputs = {0};
  g.ops = {signdpu::testing::ConvOp("conv", 0, 1, 1, 1, 1, 0, 7, 7, signdpu::Activation::kNone, 1)};
  g.outputs = {1};
  signdpu::xmodel::HostModelInfo info;
  info.model_name = "huge";
  info.softmax = false;
  signdpu::Status s = signdpu::xmodel::WriteHostXmodel(g, info, path);
  if (!s.ok()) std::fprintf(stderr, "make_hostile_models: %s\n", s.message().c_str());
  return s.ok();
}

// input [1,2048,2048,1] -> 12 chained 1x1 conv-fix: 4 MiB per tensor, 52 MiB
// per image; within the app's budget for its buffers, over it for an
// emulator that holds every tensor for batch x worker threads.
bool DeepXmodel(const std::string& path) {
  signdpu::FixGraph g;
  g.name = "deep";
  g.tensors.push_back({"input", {1, 2048, 2048, 1}, 6});
  for (int i = 0; i < 12; ++i) {
    g.tensors.push_back({"c" + std::to_string(i), {1, 2048, 2048, 1}, 6});
    g.ops.push_back(signdpu::testing::ConvOp("c" + std::to_string(i), i, i + 1, 1, 1, 1, 0, 7, 7,
                                             signdpu::Activation::kNone, static_cast<uint32_t>(i + 1)));
  }
  g.inputs = {0};
  g.outputs = {12};
  signdpu::xmodel::HostModelInfo info;
  info.model_name = "deep";
  info.softmax = false;
  signdpu::Status s = signdpu::xmodel::WriteHostXmodel(g, info, path);
  if (!s.ok()) std::fprintf(stderr, "make_hostile_models: %s\n", s.message().c_str());
  return s.ok();
}

bool ManyOpsXmodel(const std::string& path, int ops) {
  auto graph = xir::Graph::create("many_ops");
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::vector<int>>("shape", {1, 4});
  attrs->set_attr<std::string>("data_type", "FLOAT32");
  graph->add_op("d0", "data", std::move(attrs), {});
  std::string one;
  graph->serialize_to_string(&one);
  namespace pb = google::protobuf;
  const pb::Descriptor* desc = pb::DescriptorPool::generated_pool()->FindMessageTypeByName("serial_v2.Graph");
  if (desc == nullptr) return false;
  pb::DynamicMessageFactory factory(pb::DescriptorPool::generated_pool());
  std::unique_ptr<pb::Message> m(factory.GetPrototype(desc)->New());
  if (!m->ParseFromString(one)) return false;
  const pb::Reflection* r = m->GetReflection();
  const pb::FieldDescriptor* op_node = desc->FindFieldByName("op_node");
  for (int i = 1; i < ops; ++i) {
    pb::Message* op = r->AddMessage(m.get(), op_node);
    op->CopyFrom(r->GetRepeatedMessage(*m, op_node, 0));
    op->GetReflection()->SetString(op, op->GetDescriptor()->FindFieldByName("op_name"), "d" + std::to_string(i));
    pb::Message* t = op->GetReflection()->MutableMessage(op, op->GetDescriptor()->FindFieldByName("output_tensor"));
    t->GetReflection()->SetString(t, t->GetDescriptor()->FindFieldByName("tensor_name"), "d" + std::to_string(i));
  }
  // Listed in the root subgraph too, so that the file is valid but for its size.
  const pb::FieldDescriptor* root_field = desc->FindFieldByName("subg_root");
  if (r->HasField(*m, root_field)) {
    pb::Message* root = r->MutableMessage(m.get(), root_field);
    const pb::FieldDescriptor* names = root->GetDescriptor()->FindFieldByName("op_name");
    for (int i = 1; i < ops; ++i) root->GetReflection()->AddString(root, names, "d" + std::to_string(i));
  }
  std::string bytes;
  return m->SerializeToString(&bytes) && Save(path, bytes);
}

onnx::ModelProto Model() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  return m;
}

void Input(onnx::GraphProto* g, const std::string& name, std::initializer_list<int64_t> dims) {
  auto* vi = g->add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

void Output(onnx::GraphProto* g, const std::string& name) {
  auto* vi = g->add_output();
  vi->set_name(name);
  vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

// input [1,1,h,w] -> Conv 3x3 (4 channels, pad 1) -> y
onnx::ModelProto ConvModel(int64_t h, int64_t w, float poison) {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  g->set_name("conv");
  Input(g, "input", {1, 1, h, w});
  auto* t = g->add_initializer();
  t->set_name("conv1.weight");
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {4, 1, 3, 3}) t->add_dims(d);
  for (int i = 0; i < 36; ++i) t->add_float_data(i == 7 ? poison : 0.05f * static_cast<float>(i % 5));
  auto* n = g->add_node();
  n->set_op_type("Conv");
  n->set_name("conv1");
  n->add_input("input");
  n->add_input("conv1.weight");
  n->add_output("y");
  auto* a = n->add_attribute();
  a->set_name("kernel_shape");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(3);
  a->add_ints(3);
  auto* p = n->add_attribute();
  p->set_name("pads");
  p->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) p->add_ints(1);
  Output(g, "y");
  return m;
}

onnx::ModelProto ChainModel(int nodes) {
  onnx::ModelProto m = Model();
  auto* g = m.mutable_graph();
  g->set_name("chain");
  Input(g, "x", {1, 1, 28, 28});
  std::string prev = "x";
  for (int i = 0; i < nodes; ++i) {
    auto* n = g->add_node();
    n->set_op_type("Relu");
    n->set_name("r" + std::to_string(i));
    n->add_input(prev);
    prev = "r" + std::to_string(i);
    n->add_output(prev);
  }
  Output(g, prev);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: make_hostile_models OUT_DIR [OPS (default 5000)]\n");
    return 2;
  }
  const std::string out = argv[1];
  bool ok = HugeInputXmodel(out + "/huge_input.xmodel");
  const int ops = argc == 3 ? std::atoi(argv[2]) : 5000;
  ok = ManyOpsXmodel(out + "/many_ops.xmodel", ops) && ok;
  ok = DeepXmodel(out + "/deep.xmodel") && ok;
  ok = Save(out + "/huge_input.onnx", ConvModel(12288, 12288, 0.1f).SerializeAsString()) && ok;
  ok = Save(out + "/many_nodes.onnx", ChainModel(ops).SerializeAsString()) && ok;
  ok = Save(out + "/nan_weights.onnx", ConvModel(28, 28, std::nanf("")).SerializeAsString()) && ok;
  return ok ? 0 : 1;
}
