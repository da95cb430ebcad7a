// `signdpu inspect FILE --against OTHER` (app/inspect_against.h): the rows,
// markers and counts, and the quantiser side's fix points read from the fix
// ops after each op (QuantizerOpInfo::out_fix, in_fix_points). The CLI on the
// PointPillars pair: tests/app/fixtures_e2e.sh inspect_against.
#include "signdpu/app/inspect_against.h"

#include <gtest/gtest.h>

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

TEST(InspectAgainst, CorruptFileIsAnErrorNamingIt) {
  auto side = ReadInspectSide("/nonexistent/dir/x.xmodel", "DPUCZDX8G_ISA1_B4096");
  ASSERT_FALSE(side.ok());
  EXPECT_NE(side.status().message().find("/nonexistent/dir/x.xmodel"), std::string::npos);
}

}  // namespace
}  // namespace signdpu::app
