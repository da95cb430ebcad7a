// ReadDpuSubgraph on the Xilinx-compiled MNIST fixture (weights from
// reg_id_to_parameter_value), and on malformed or unsupported subgraphs made
// by editing a loaded graph: every problem is a Status naming op and subgraph.
#include "signdpu/xmodel/dpu_subgraph_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

namespace signdpu::xmodel {
namespace {

const std::string kMnist = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel";

std::unique_ptr<xir::Graph> LoadMnist() {
  auto g = LoadXmodel(kMnist);
  EXPECT_TRUE(g.ok()) << g.status().message();
  return g.ok() ? std::move(g).value() : nullptr;
}

int CountKind(const FixGraph& g, FixOpKind kind) {
  return static_cast<int>(std::count_if(g.ops.begin(), g.ops.end(), [&](const FixOp& op) { return op.kind == kind; }));
}

bool AnyNonZero(const std::vector<int8_t>& v) {
  return std::any_of(v.begin(), v.end(), [](int8_t x) { return x != 0; });
}

const FixOp& Op(const FixGraph& g, const std::string& name) {
  for (const FixOp& op : g.ops)
    if (op.name == name) return op;
  ADD_FAILURE() << "no op " << name;
  return g.ops.front();
}

TEST(ReadDpuSubgraph, XilinxConvSubgraph) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
  ASSERT_TRUE(g.ok()) << g.status().message();
  // upload, 3 conv, 2 pool, download
  EXPECT_EQ(g->ops.size(), 7u);
  EXPECT_EQ(CountKind(*g, FixOpKind::kConv2d), 3);
  EXPECT_EQ(CountKind(*g, FixOpKind::kPool), 2);
  EXPECT_EQ(CountKind(*g, FixOpKind::kCopy), 2);
  std::vector<std::string> order;
  for (const FixOp& op : g->ops) order.push_back(op.name);
  EXPECT_EQ(order, (std::vector<std::string>{"input_1_upload_0", "quant_conv2d", "quant_conv2d_1",
                                             "quant_max_pooling2d_fix", "quant_conv2d_2", "quant_max_pooling2d_1_fix",
                                             "quant_max_pooling2d_1_fix_download_0"}));
  ASSERT_EQ(g->inputs.size(), 1u);
  const FixTensor& in = g->tensors[g->inputs[0]];
  EXPECT_EQ(in.name, "quant_input_1");
  EXPECT_EQ(in.shape, (Shape{1, 28, 28, 1}));
  EXPECT_EQ(in.fix_point, -2);  // real = 4q [docs/arithmetic.md section 1]
  ASSERT_EQ(g->outputs.size(), 1u);
  const FixTensor& out = g->tensors[g->outputs[0]];
  EXPECT_EQ(out.name, "quant_max_pooling2d_1_fix");
  EXPECT_EQ(out.shape, (Shape{1, 2, 2, 64}));
  EXPECT_EQ(out.fix_point, 3);

  const FixOp& c0 = Op(*g, "quant_conv2d");
  EXPECT_EQ(c0.Attrs<ConvAttrs>().out_channels, 32);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().kernel_h, 7);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().kernel_w, 7);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().fix_weights, 14);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().fix_bias, 7);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().activation, Activation::kNone);
  EXPECT_EQ(g->tensors[c0.output].fix_point, 5);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().weights.size(), 32u * 7 * 7 * 1);
  EXPECT_TRUE(AnyNonZero(c0.Attrs<ConvAttrs>().weights));
  // This conv's bias sits at ddr_addr 0 of REG_0, whose first bytes are
  // f3 fc 3d 29 (xir dump_txt of the fixture).
  ASSERT_EQ(c0.Attrs<ConvAttrs>().bias.size(), 32u);
  EXPECT_EQ(c0.Attrs<ConvAttrs>().bias[0], static_cast<int8_t>(0xf3));
  EXPECT_EQ(c0.Attrs<ConvAttrs>().bias[1], static_cast<int8_t>(0xfc));
  EXPECT_EQ(c0.Attrs<ConvAttrs>().bias[2], static_cast<int8_t>(0x3d));
  EXPECT_EQ(c0.Attrs<ConvAttrs>().bias[3], static_cast<int8_t>(0x29));
  const FixOp& c2 = Op(*g, "quant_conv2d_2");
  EXPECT_EQ(c2.Attrs<ConvAttrs>().weights.size(), 64u * 5 * 5 * 32);
  EXPECT_EQ(c2.Attrs<ConvAttrs>().fix_weights, 10);
  EXPECT_EQ(c2.Attrs<ConvAttrs>().fix_bias, 13);  // negative shift_bias: 4 + 10 - 13 = 1 ... (fi 4)
  EXPECT_TRUE(AnyNonZero(c2.Attrs<ConvAttrs>().weights));
  EXPECT_TRUE(AnyNonZero(c2.Attrs<ConvAttrs>().bias));
  const FixOp& p0 = Op(*g, "quant_max_pooling2d_fix");
  EXPECT_EQ(p0.Attrs<PoolAttrs>().type, PoolType::kMax);
  EXPECT_EQ(p0.Attrs<PoolAttrs>().kernel_h, 2);
  EXPECT_EQ(p0.Attrs<PoolAttrs>().stride_w, 2);
  auto ex = FixGraphExecutor::Create(*g, 2);
  EXPECT_TRUE(ex.ok()) << ex.status().message();
}

TEST(ReadDpuSubgraph, XilinxDenseHardSigmoidSubgraph) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(1));
  ASSERT_TRUE(g.ok()) << g.status().message();
  // upload, conv (dense), hard-sigmoid, reshape, download
  EXPECT_EQ(g->ops.size(), 5u);
  EXPECT_EQ(CountKind(*g, FixOpKind::kConv2d), 1);
  EXPECT_EQ(CountKind(*g, FixOpKind::kHardSigmoid), 1);
  EXPECT_EQ(CountKind(*g, FixOpKind::kCopy), 3);
  const FixTensor& in = g->tensors.at(g->inputs.at(0));
  EXPECT_EQ(in.name, "quant_custom_layer");
  EXPECT_EQ(in.shape, (Shape{1, 2, 2, 64}));
  EXPECT_EQ(in.fix_point, 3);
  const FixTensor& out = g->tensors.at(g->outputs.at(0));
  EXPECT_EQ(out.name, "quant_dense_sigmoid_sigmoid_fix");
  EXPECT_EQ(out.shape, (Shape{1, 10}));
  EXPECT_EQ(out.fix_point, 7);
  const FixOp& dense = Op(*g, "quant_dense(TransferMatMulToConv2d)");
  EXPECT_EQ(dense.Attrs<ConvAttrs>().kernel_h, 2);
  EXPECT_EQ(dense.Attrs<ConvAttrs>().out_channels, 10);
  EXPECT_EQ(dense.Attrs<ConvAttrs>().fix_weights, 9);
  EXPECT_EQ(dense.Attrs<ConvAttrs>().weights.size(), 10u * 2 * 2 * 64);
  EXPECT_TRUE(AnyNonZero(dense.Attrs<ConvAttrs>().weights));
  const FixOp& hs = Op(*g, "quant_dense_sigmoid_sigmoid(MoveReshape)");
  EXPECT_EQ(hs.Attrs<HardSigmoidAttrs>().hsigmoid_in, 2);
  EXPECT_EQ(hs.Attrs<HardSigmoidAttrs>().shift_hsigmoid, 9);
}

TEST(ReadDpuSubgraph, RejectsNonDpuSubgraphs) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  EXPECT_FALSE(ReadDpuSubgraph(nullptr).ok());
  const xir::Subgraph* root = xg->get_root_subgraph();
  auto s = ReadDpuSubgraph(root);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("root"), std::string::npos) << s.status().message();
  for (const xir::Subgraph* child : root->get_children()) {
    if (SubgraphDevice(child) != "CPU") continue;
    auto c = ReadDpuSubgraph(child);
    EXPECT_EQ(c.status().code(), StatusCode::kUnsupported) << c.status().message();
    EXPECT_NE(c.status().message().find(child->get_name()), std::string::npos);
  }
}

// Edits one op of the loaded fixture and expects ReadDpuSubgraph to fail with
// `code` and a message naming the op and the subgraph.
void ExpectEditRejected(const std::string& op_name, const std::string& key, const xir::any& value, StatusCode code,
                        const std::string& expect_in_message) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  xir::Op* op = xg->get_op(op_name);
  ASSERT_NE(op, nullptr) << op_name;
  op->set_attr(key, value);
  const xir::Subgraph* dpu = DpuSubgraphs(*xg).at(0);
  auto g = ReadDpuSubgraph(dpu);
  ASSERT_FALSE(g.ok()) << key;
  EXPECT_EQ(g.status().code(), code) << g.status().message();
  const std::string& m = g.status().message();
  EXPECT_NE(m.find(op_name), std::string::npos) << m;
  EXPECT_NE(m.find(dpu->get_name()), std::string::npos) << m;
  EXPECT_NE(m.find(expect_in_message), std::string::npos) << m;
}

TEST(ReadDpuSubgraph, MalformedAndUnsupportedAttributes) {
  ExpectEditRejected("quant_conv2d", "nonlinear", xir::any(std::string("HSWISH")), StatusCode::kUnsupported, "HSWISH");
  ExpectEditRejected("quant_conv2d", "kernel", xir::any(std::vector<int>{7}), StatusCode::kInvalidArgument, "kernel");
  ExpectEditRejected("quant_conv2d", "kernel", xir::any(std::string("7x7")), StatusCode::kInvalidArgument, "type");
  ExpectEditRejected("quant_conv2d", "stride", xir::any(std::vector<int>{0, 1}), StatusCode::kInvalidArgument,
                     "stride");
  ExpectEditRejected("quant_conv2d", "pad", xir::any(std::vector<int>{1, 1}), StatusCode::kInvalidArgument, "pad");
  ExpectEditRejected("quant_conv2d", "group", xir::any(2), StatusCode::kUnsupported, "group");
  ExpectEditRejected("quant_max_pooling2d_fix", "type", xir::any(std::string("MIN")), StatusCode::kUnsupported, "MIN");
  // The kernel no longer matches the weights' shape.
  ExpectEditRejected("quant_conv2d", "kernel", xir::any(std::vector<int>{5, 5}), StatusCode::kInvalidArgument,
                     "weights shape");
}

TEST(ReadDpuSubgraph, BadConstantLocations) {
  auto edit_weights_tensor = [](const std::string& key, const xir::any& value, const std::string& expect) {
    auto xg = LoadMnist();
    ASSERT_NE(xg, nullptr);
    xg->get_op("quant_conv2d_2_weights")->get_output_tensor()->set_attr(key, value);
    auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.status().message().find("quant_conv2d_2_weights"), std::string::npos) << g.status().message();
    EXPECT_NE(g.status().message().find(expect), std::string::npos) << g.status().message();
  };
  edit_weights_tensor("ddr_addr", xir::any(120000), "exceed REG_0");
  edit_weights_tensor("ddr_addr", xir::any(-1), "ddr_addr");
  edit_weights_tensor("reg_id", xir::any(7), "REG_7");
  edit_weights_tensor("fix_point", xir::any(99), "fix_point");
  // A data attr of the wrong size.
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  xg->get_op("quant_conv2d_bias")->set_attr("data", xir::any(std::vector<char>(5, 1)));
  auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("5 bytes"), std::string::npos) << g.status().message();
}

TEST(ReadDpuSubgraph, UnsupportedOpTypeIsNamed) {
  // An op type the emulator cannot run, in our own host xmodel: build one and
  // swap in an XIR op type signdpu does not know.
  FixGraph fg = signdpu::testing::TinyClassifier(1);
  auto built = BuildHostGraph(fg, signdpu::testing::InfoFor("tiny"));
  ASSERT_TRUE(built.ok()) << built.status().message();
  xir::Graph* xg = built->get();
  xir::Op* pool = xg->get_op("pool1");
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::vector<int>>("kernel", {2, 2});
  attrs->set_attr<std::vector<int>>("stride", {2, 2});
  attrs->set_attr<std::string>("pad_mode", "FLOOR");
  // Replace pool1 by XIR's float maxpool2d (never on a DPU) with the same input.
  xir::Op* up = xg->add_op("pool1_up", "maxpool2d", std::move(attrs),
                           {{"input", {pool->get_input_op("input")}}}, xir::DataType("XINT8"),
                           xg->get_leaf_subgraph(pool));
  (void)up;
  auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported) << g.status().message();
  EXPECT_NE(g.status().message().find("pool1_up"), std::string::npos) << g.status().message();
  EXPECT_NE(g.status().message().find("op type maxpool2d is not supported"), std::string::npos)
      << g.status().message();
}

// concat-fix in our own host xmodel, edited after building: the axis is read
// (negative from the end), shapes are checked, inputs may have other fix
// points than the output.
TEST(ReadDpuSubgraph, ConcatFixAxisAndFixPoints) {
  const FixGraph fg = signdpu::testing::ConcatGraph(3);
  auto build = [&]() -> std::unique_ptr<xir::Graph> {
    auto built = BuildHostGraph(fg, signdpu::testing::InfoFor("concat"));
    EXPECT_TRUE(built.ok()) << built.status().message();
    return built.ok() ? std::move(built).value() : nullptr;
  };
  auto xg = build();
  ASSERT_NE(xg, nullptr);
  auto g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(CountKind(*g, FixOpKind::kConcat), 1);
  const FixOp& cat = Op(*g, "cat");
  EXPECT_EQ(cat.Attrs<ConcatAttrs>().axis, 3);
  ASSERT_EQ(cat.inputs.size(), 2u);
  EXPECT_EQ(g->tensors[cat.inputs[0]].name, "left");
  EXPECT_EQ(g->tensors[cat.inputs[1]].name, "right");
  EXPECT_EQ(g->tensors[cat.output].fix_point, 4);

  xg->get_op("cat")->set_attr("axis", xir::any(-1));
  g = ReadDpuSubgraph(DpuSubgraphs(*xg).at(0));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(Op(*g, "cat").Attrs<ConcatAttrs>().axis, 3) << "stored non-negative";

  auto expect_rejected = [&](const std::function<void(xir::Graph*)>& edit, StatusCode code,
                             const std::string& expect_in_message) {
    auto edited = build();
    ASSERT_NE(edited, nullptr);
    edit(edited.get());
    const xir::Subgraph* dpu = DpuSubgraphs(*edited).at(0);
    auto r = ReadDpuSubgraph(dpu);
    ASSERT_FALSE(r.ok()) << expect_in_message;
    EXPECT_EQ(r.status().code(), code) << r.status().message();
    const std::string& m = r.status().message();
    EXPECT_NE(m.find("subgraph " + dpu->get_name() + ": "), std::string::npos) << m;
    EXPECT_NE(m.find("cat (concat-fix)"), std::string::npos) << m;
    EXPECT_NE(m.find(expect_in_message), std::string::npos) << m;
  };
  // Other axes are read as they are (FixGraph::Validate then checks shapes:
  // here the channels differ off the axis).
  for (int axis : {0, 1, 2, -2})
    expect_rejected([&](xir::Graph* x) { x->get_op("cat")->set_attr("axis", xir::any(axis)); },
                    StatusCode::kInvalidArgument, "differs from the output");
  expect_rejected([](xir::Graph* x) { x->get_op("cat")->set_attr("axis", xir::any(4)); },
                  StatusCode::kInvalidArgument, "axis 4 is out of range");
  expect_rejected([](xir::Graph* x) { x->get_op("cat")->set_attr("axis", xir::any(std::string("C"))); },
                  StatusCode::kInvalidArgument, "'axis' has type");
  // Inputs at other fix points than the output are read (requantised when run).
  auto edited = build();
  ASSERT_NE(edited, nullptr);
  edited->get_op("right")->get_output_tensor()->set_attr("fix_point", xir::any(3));
  g = ReadDpuSubgraph(DpuSubgraphs(*edited).at(0));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->tensors[Op(*g, "cat").inputs[1]].fix_point, 3);
}

// Weight groups as the xmodel writers emit them (a conv2d-fix per group on
// one input with one geometry and activation, each read only by one
// concat-fix) read back as ONE grouped conv op, in the reader alone; written
// again it is the same XIR ops, and it computes the same bytes.
TEST(ReadDpuSubgraph, WeightGroupsReadBackAsOneGroupedConv) {
  FixGraph g;
  g.name = "groups";
  g.tensors = {{"in", {1, 9, 9, 20}, 5},  {"g0", {1, 9, 9, 3}, 3},   {"g1", {1, 9, 9, 17}, 3},
               {"g2", {1, 9, 9, 6}, 3},   {"cat", {1, 9, 9, 26}, 3}, {"head", {1, 9, 9, 4}, 2}};
  g.inputs = {0};
  const int channels[3] = {3, 17, 6}, fw[3] = {4, 7, 9}, fb[3] = {3, 6, 8};
  for (int k = 0; k < 3; ++k)
    g.ops.push_back(testing::ConvOp("g" + std::to_string(k), 0, 1 + k, channels[k], 20, 3, 1, fw[k], fb[k],
                                    Activation::kRelu, 40 + 10 * k));
  g.ops.push_back(testing::ConcatOp("cat", {1, 2, 3}, 4, 3));
  g.ops.push_back(testing::ConvOp("head", 4, 5, 4, 26, 1, 0, 7, 6, Activation::kNone, 98));
  g.outputs = {5};
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().message();
  const std::string path = testing::MakeTempDir("groups") + "/groups.xmodel";
  ASSERT_TRUE(WriteHostXmodel(g, testing::InfoFor(g.name), path).ok());
  auto xg = LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  auto back = ReadDpuSubgraph(DpuSubgraphs(**xg).at(0));
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->ops.size(), 2u);
  const FixOp& grouped = back->ops[0];
  EXPECT_EQ(grouped.kind, FixOpKind::kGroupedConv2d);
  EXPECT_EQ(grouped.name, "cat");
  EXPECT_EQ(back->tensors[grouped.output].name, "cat");
  ASSERT_EQ(grouped.inputs.size(), 1u);
  EXPECT_EQ(back->tensors[grouped.inputs[0]].name, "in");
  const std::vector<ConvGroup>& groups = grouped.Attrs<GroupedConvAttrs>().groups;
  ASSERT_EQ(groups.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(groups[k].name, "g" + std::to_string(k));
    EXPECT_EQ(back->tensors[groups[k].tensor].name, "g" + std::to_string(k));
    EXPECT_EQ(back->tensors[groups[k].tensor].fix_point, 3);
    EXPECT_EQ(groups[k].conv.out_channels, channels[k]);
    EXPECT_EQ(groups[k].conv.fix_weights, fw[k]);
    EXPECT_EQ(groups[k].conv.fix_bias, fb[k]);
    EXPECT_EQ(groups[k].conv.weights, g.ops[k].Attrs<ConvAttrs>().weights);
    EXPECT_EQ(groups[k].conv.bias, g.ops[k].Attrs<ConvAttrs>().bias);
  }
  EXPECT_EQ(back->ops[1].name, "head");
  EXPECT_EQ(testing::DiffFixGraphs(g, *back), "");
  // Written again: the same XIR ops, in the same order.
  auto x1 = BuildHostGraph(g, testing::InfoFor(g.name));
  auto x2 = BuildHostGraph(*back, testing::InfoFor(g.name));
  ASSERT_TRUE(x1.ok() && x2.ok());
  auto ops_of = [](xir::Graph& x) {
    std::vector<std::string> ops;
    for (const xir::Op* op : x.topological_sort()) ops.push_back(op->get_type() + " " + op->get_name());
    return ops;
  };
  EXPECT_EQ(ops_of(**x1), ops_of(**x2));
  // The same bytes on the best path and on the reference path.
  const std::vector<int8_t> in = testing::RandomInt8(9 * 9 * 20 * 2, 5);
  std::vector<int8_t> want(9 * 9 * 4 * 2), got(want.size(), 0x5A), got_ref(want.size(), 0x5A);
  auto ea = FixGraphExecutor::Create(g, 2, KernelPath::kReference);
  auto eb = FixGraphExecutor::Create(*back, 2);
  auto ec = FixGraphExecutor::Create(*back, 2, KernelPath::kReference);
  ASSERT_TRUE(ea.ok() && eb.ok() && ec.ok());
  (*ea)->Run({in.data()}, {want.data()}, 2);
  (*eb)->Run({in.data()}, {got.data()}, 2);
  (*ec)->Run({in.data()}, {got_ref.data()}, 2);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got_ref, want);
}

}  // namespace
}  // namespace signdpu::xmodel
