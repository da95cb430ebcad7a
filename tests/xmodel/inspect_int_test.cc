// `signdpu inspect` on quantiser-format _int.xmodels: vai_q_pytorch's
// (tests/data/xmodels/voxelnet_quantized.xmodel) and ours.
#include "signdpu/app/inspect_int.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <xir/graph/graph.hpp>

#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

namespace signdpu::app {
namespace {

const std::string kVoxelnet = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/voxelnet_quantized.xmodel";
const std::string kCompiled = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/vai25_zcu104_mnist_custom_op.xmodel";
const std::string kSigndpu = std::string(SIGNDPU_BINARY_DIR) + "/bin/signdpu";

// The CLI checks start bin/signdpu with popen: not under qemu-user in a cross
// build (the child would not be emulated).
#ifdef SIGNDPU_TEST_CROSSCOMPILING
constexpr bool kCli = false;
#else
constexpr bool kCli = true;
#endif

struct CliRun {
  int rc = -1;
  std::string out, err;
};

CliRun Signdpu(const std::string& args) {
  CliRun r;
  const std::string err_file = testing::MakeTempDir("inspect_err") + "/err";
  FILE* p = ::popen((kSigndpu + " " + args + " 2>" + err_file).c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  return r;
}

TEST(InspectInt, VaiQPytorchVoxelnet) {
  auto g = xmodel::LoadXmodel(kVoxelnet);
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(IsQuantizerFormat(**g));
  auto r = InspectQuantizerGraph(**g, "DPUCZDX8G_ISA1_B4096");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->graph_name, "VoxelNet");
  EXPECT_EQ(r->ops.size(), 166u);
  int fixes = 0;
  for (const auto& op : r->ops) fixes += op.is_fix;
  EXPECT_EQ(fixes, 70);
  // The PFN conv's weights: fix_point 3 (xir dump_txt of the fixture).
  bool seen = false;
  for (const auto& op : r->ops)
    if (op.name == "VoxelNet__voxel_feature_extractor_pfn_layers_0_conv_weight_fix") {
      seen = true;
      EXPECT_TRUE(op.is_fix);
      EXPECT_EQ(op.fix_point, 3);
      EXPECT_EQ(op.bit_width, 8);
      EXPECT_TRUE(op.if_signed);
      EXPECT_EQ(op.shape, (std::vector<int32_t>{64, 1, 1, 4}));
    }
  EXPECT_TRUE(seen);
  // 17 conv2d (PFN + RPN blocks) + 3 heads + 3 transposed-conv2d (RPN
  // deblocks); vai_c_xir 2.5 compiled this file (vai25_zcu104_pointpillars.xmodel),
  // so none breaks a limit (the transposed ones: check_transposed_kernel).
  EXPECT_EQ(r->layers.size(), 23u);
  int transposed = 0;
  for (const auto& x : r->layers) transposed += x.kind == target::LayerKind::kTransposedConv;
  EXPECT_EQ(transposed, 3);
  int relu = 0;
  for (const auto& x : r->layers) relu += x.nonlinear == "relu";
  EXPECT_GE(relu, 16);
  EXPECT_TRUE(r->violations.empty());
  EXPECT_EQ(r->unchecked.size(), 1u);  // 1 reduction_max
  if (!kCli) return;

  const CliRun cli = Signdpu("inspect '" + kVoxelnet + "'");
  EXPECT_EQ(cli.rc, 0) << cli.err;
  EXPECT_NE(cli.out.find("quantiser format"), std::string::npos);
  EXPECT_NE(cli.out.find("op conv2d VoxelNet__VoxelNet_RPN_rpn__SequentialModule_block1__DefaultArgLayer_1__input_5"),
            std::string::npos)
      << cli.out;
  EXPECT_NE(cli.out.find("fix_point 3  bit_width 8  if_signed true"), std::string::npos);
  EXPECT_NE(cli.out.find("dpu-limits DPUCZDX8G_ISA1_B4096 (fingerprint 0x0101000016010407): 23 layers checked, 0 violations"),
            std::string::npos)
      << cli.out;
}

TEST(InspectInt, OurInt8XmodelAndAViolation) {
  // AllOpsGraph has a depthwise conv with leaky_relu: the B4096 ALU has no
  // leaky_relu (DW_LKRL is off in its fingerprint), so exactly that layer is
  // reported, naming the limit.
  const FixGraph g = testing::AllOpsGraph(3);
  const std::string path = testing::MakeTempDir("inspect") + "/" + xmodel::QuantizerXmodelFileName(g.name);
  ASSERT_TRUE(xmodel::WriteQuantizerXmodel(g, testing::InfoFor(g.name), path).ok());
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  auto r = InspectQuantizerGraph(**xg, "DPUCZDX8G_ISA1_B4096");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> names;
  for (const auto& x : r->layers) names.push_back(x.name + ":" + target::LayerKindName(x.kind) + ":" + x.nonlinear);
  // The avgpool's and hard-sigmoid's scale muls are not eltwise layers.
  EXPECT_EQ(names, (std::vector<std::string>{"a:conv2d:relu_six", "dw:depthwise-conv2d:leaky_relu", "sum:add:relu",
                                             "avg_i0:avgpool2d:", "proj:conv2d:", "hsig_i0:hard-sigmoid:"}));
  ASSERT_EQ(r->violations.size(), 1u);
  EXPECT_EQ(r->violations[0].layer, "dw");
  EXPECT_NE(r->violations[0].what.find("alu_engine.nonlinear (relu, relu_six)"), std::string::npos);
  if (!kCli) return;

  const CliRun cli = Signdpu("inspect '" + path + "'");
  EXPECT_EQ(cli.rc, 1);
  EXPECT_NE(cli.out.find("violation layer dw: activation leaky_relu not among alu_engine.nonlinear"), std::string::npos)
      << cli.out;
  EXPECT_NE(cli.err.find("signdpu: error: " + path + ": 1 layer limit violation for DPUCZDX8G_ISA1_B4096"),
            std::string::npos)
      << cli.err;
  // Fix points of our fix ops.
  EXPECT_NE(cli.out.find("op fix dw_fix  shape 1x6x6x4  fix_point 4  bit_width 8  if_signed true"), std::string::npos)
      << cli.out;
  // Another target: unknown name is one error line, no abort.
  const CliRun bad_target = Signdpu("inspect --dpu-target NO_SUCH_DPU '" + path + "'");
  EXPECT_EQ(bad_target.rc, 1);
  EXPECT_NE(bad_target.err.find("NO_SUCH_DPU"), std::string::npos) << bad_target.err;
}

TEST(InspectInt, CompiledXmodelsKeepTheSubgraphListing) {
  auto g = xmodel::LoadXmodel(kCompiled);
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(IsQuantizerFormat(**g));
  if (!kCli) return;
  const CliRun cli = Signdpu("inspect '" + kCompiled + "'");
  EXPECT_EQ(cli.rc, 0) << cli.err;
  EXPECT_NE(cli.out.find("dpu_fingerprint 0x0101000016010407"), std::string::npos) << cli.out;
  EXPECT_EQ(cli.out.find("quantiser format"), std::string::npos);
  // Not an xmodel: one error line, exit 1.
  const std::string junk = testing::MakeTempDir("inspect_junk") + "/junk_int.xmodel";
  std::ofstream(junk) << "not a model";
  const CliRun bad = Signdpu("inspect '" + junk + "'");
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("signdpu: error: " + junk), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace signdpu::app
