// `signdpu inspect FILE --against OTHER` (app/inspect_against.h): the rows,
// markers and counts, and the quantiser side's fix points read from the fix
// ops after each op (QuantizerOpInfo::out_fix, in_fix_points). The CLI on the
// PointPillars pair: tests/app/fixtures_e2e.sh inspect_against.
#include "signdpu/app/inspect_against.h"

#include <gtest/gtest.h>

#include <cstring>
#include <xir/graph/graph.hpp>

#include "signdpu/app/inspect_int.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu::app {
namespace {

const std::string kVoxelnet = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/voxelnet_quantized.xmodel";

SideOp Op(const std::string& name, const std::string& tensor, int fp, std::vector<int> ins) {
  SideOp o;
  o.name = name;
  o.type = "conv2d-fix";
  o.tensor = tensor;
  o.has_fix = true;
  o.fix_point = fp;
  o.in_fix_points = std::move(ins);
  return o;
}

InspectSide Side(const std::string& path, std::vector<SideOp> ops) {
  InspectSide s;
  s.path = path;
  s.format = "compiled";
  SideSubgraph sg;
  sg.name = "subgraph_" + path;
  sg.device = "DPU";
  sg.op_count = static_cast<long long>(ops.size());
  for (const auto& o : ops) sg.keys.push_back(o.name);
  sg.dpu_ops = std::move(ops);
  s.subgraphs.push_back(std::move(sg));
  return s;
}

TEST(InspectAgainst, MarksDifferingAndUnmatchedOpsAndCountsThem) {
  const InspectSide a = Side("a", {Op("c1", "c1_fix", 4, {6}), Op("c2", "c2_fix", 5, {4}), Op("c3", "t", 3, {5}),
                                   Op("only_a", "x", 1, {1})});
  // c2: output fix differs; c3: found by its tensor name "t" under another op name; c1: input fix differs.
  const InspectSide b = Side("b", {Op("c1", "c1_fix", 4, {7}), Op("c2", "c2_fix", 4, {4}), Op("renamed", "t", 3, {5}),
                                   Op("only_b", "y", 2, {2})});
  AgainstCounts n;
  const std::string text = FormatAgainst(a, b, &n);
  EXPECT_EQ(n.matched, 3);
  EXPECT_EQ(n.equal, 1);
  EXPECT_EQ(n.differing, 2);
  EXPECT_EQ(n.unmatched, 2);
  EXPECT_NE(text.find("! conv2d-fix c1  out 4 | 4  in 6 | 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("! conv2d-fix c2  out 5 | 4  in 4 | 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("= conv2d-fix c3  out 3 | 3  in 5 | 5  other conv2d-fix renamed\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- conv2d-fix only_a  out 1 | -  in 1 | -  (no counterpart in other)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("- conv2d-fix only_b  out - | 2  in - | 2  (only in other)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  subgraph 0 subgraph_a  device DPU  ops 4  other: subgraph 0 subgraph_b\n"), std::string::npos)
      << text;
  const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_EQ(last, "3 matched, 1 equal fix points, 2 differing, 2 unmatched\n");
}

// vai_q_pytorch's PointPillars: a conv's output fix is its fused relu's fix;
// the deconvs feeding the concat have no fix of their own and take the
// concat's (fix point 4), as vai_c_xir's compile shows.
TEST(InspectAgainst, QuantizerOpsTakeTheFixAfterThem) {
  auto g = xmodel::LoadXmodel(kVoxelnet);
  ASSERT_TRUE(g.ok()) << g.status().message();
  auto r = InspectQuantizerGraph(**g, "DPUCZDX8G_ISA1_B4096");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const std::string p = "VoxelNet__VoxelNet_RPN_rpn__";
  int checked = 0;
  for (const auto& op : r->ops) {
    if (op.name == p + "SequentialModule_block1__DefaultArgLayer_1__input_5") {
      EXPECT_EQ(op.out_fix, p + "SequentialModule_block1__ReLU_3__input_7_fix");
      EXPECT_EQ(op.out_fix_point, 4);
      EXPECT_EQ(op.in_fix_points, std::vector<int>{5});
      ++checked;
    } else if (op.name == p + "Cat_cat__input") {
      EXPECT_EQ(op.out_fix, p + "Cat_cat__input_fix");
      EXPECT_EQ(op.in_fix_points, (std::vector<int>{4, 4, 4}));
      ++checked;
    } else if (op.type == "fix" || op.type == "const" || op.type == "data") {
      EXPECT_TRUE(op.out_fix.empty()) << op.name;
    }
  }
  EXPECT_EQ(checked, 2);
}

xir::Op* AddFix(xir::Graph* g, const std::string& name, xir::Op* in, int fp) {
  auto a = xir::Attrs::create();
  a->set_attr<int>("fix_point", fp);
  a->set_attr<int>("bit_width", 8);
  a->set_attr<bool>("if_signed", true);
  a->set_attr<std::string>("round_mode", "DPU_ROUND");
  return g->add_op(name, "fix", std::move(a), {{"input", {in}}}, xir::DataType("FLOAT32"));
}

xir::Op* AddConst(xir::Graph* g, const std::string& name, std::vector<int> shape) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  std::vector<char> bytes(static_cast<size_t>(n) * 4, 0);
  auto a = xir::Attrs::create();
  a->set_attr<std::vector<int>>("shape", shape);
  a->set_attr<std::string>("data_type", "float32");
  a->set_attr<std::vector<char>>("data", bytes);
  return g->add_op(name, "const", std::move(a), {}, xir::DataType("FLOAT32"));
}

// data -> fix 5 -> conv2d -> relu -> fix 4 -> hard-swish: a quantiser-format
// file the compile refuses (hard-swish is not lowered).
std::string RefusedQuantizerFile() {
  auto g = xir::Graph::create("refused");
  auto da = xir::Attrs::create();
  da->set_attr<std::vector<int>>("shape", {1, 8, 8, 4});
  da->set_attr<std::string>("data_type", "FLOAT32");
  xir::Op* in = AddFix(g.get(), "input_fix", g->add_op("input", "data", std::move(da), {}, xir::DataType("FLOAT32")), 5);
  auto ca = xir::Attrs::create();
  ca->set_attr<std::vector<int>>("kernel", {3, 3});
  ca->set_attr<std::vector<int>>("stride", {1, 1});
  ca->set_attr<std::vector<int>>("pad", {1, 1, 1, 1});
  ca->set_attr<std::vector<int>>("dilation", {1, 1});
  ca->set_attr<std::string>("pad_mode", "FLOOR");
  xir::Op* conv = g->add_op("conv", "conv2d", std::move(ca),
                            {{"input", {in}},
                             {"weights", {AddFix(g.get(), "w_fix", AddConst(g.get(), "w", {8, 3, 3, 4}), 6)}},
                             {"bias", {AddFix(g.get(), "b_fix", AddConst(g.get(), "b", {8}), 7)}}},
                            xir::DataType("FLOAT32"));
  xir::Op* act = g->add_op("act", "relu", xir::Attrs::create(), {{"input", {conv}}}, xir::DataType("FLOAT32"));
  g->add_op("hs", "hard-swish", xir::Attrs::create(), {{"input", {AddFix(g.get(), "act_fix", act, 4)}}},
            xir::DataType("FLOAT32"));
  const std::string path = ::testing::TempDir() + "/inspect_against_refused_int.xmodel";
  g->serialize(path);
  return path;
}

// A quantiser-format file the compile refuses is still shown (unpartitioned,
// with the compile's reason), not an error.
TEST(InspectAgainst, RefusedQuantizerFileIsShownUnpartitioned) {
  auto side = ReadInspectSide(RefusedQuantizerFile(), "DPUCZDX8G_ISA1_B4096");
  ASSERT_TRUE(side.ok()) << side.status().message();
  EXPECT_NE(side->format.find("not partitioned: "), std::string::npos) << side->format;
  EXPECT_NE(side->format.find("hard-swish"), std::string::npos) << side->format;
  ASSERT_EQ(side->subgraphs.size(), 1u);
  ASSERT_FALSE(side->subgraphs[0].dpu_ops.empty());
  const SideOp& conv = side->subgraphs[0].dpu_ops[0];
  EXPECT_EQ(conv.name, "conv");
  EXPECT_EQ(conv.tensor, "act_fix");
  EXPECT_EQ(conv.fix_point, 4);
  EXPECT_EQ(conv.in_fix_points, std::vector<int>{5});
  EXPECT_EQ(side->subgraphs[0].dpu_ops.size(), 1u);  // the relu is fused into the conv's row
}

TEST(InspectAgainst, CorruptFileIsAnErrorNamingIt) {
  auto side = ReadInspectSide("/nonexistent/dir/x.xmodel", "DPUCZDX8G_ISA1_B4096");
  ASSERT_FALSE(side.ok());
  EXPECT_NE(side.status().message().find("/nonexistent/dir/x.xmodel"), std::string::npos);
}

}  // namespace
}  // namespace signdpu::app
