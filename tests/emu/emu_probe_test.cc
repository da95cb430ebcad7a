// The emulator's C++ API for applications that link the plugin library:
// ProbeSubgraph (a Status instead of a nullptr + log line), ResolveOptions
// and CreateRunner.
#include "signdpu/emu/emu_runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vart/runner.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>

#include "emu_test_util.h"
#include "reference_eval.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "test_graphs.h"

namespace signdpu::emu {
namespace {

const std::string kMnist = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel";

TEST(ProbeSubgraph, AcceptsBothFixtureDpuSubgraphs) {
  auto xg = xmodel::LoadXmodel(kMnist);
  ASSERT_TRUE(xg.ok());
  for (const xir::Subgraph* sg : xmodel::DpuSubgraphs(**xg)) {
    Status s = ProbeSubgraph(sg);
    EXPECT_TRUE(s.ok()) << s.message();
  }
}

TEST(ProbeSubgraph, RejectsWithAStatusNamingOpAndSubgraph) {
  EXPECT_EQ(ProbeSubgraph(nullptr).code(), StatusCode::kInvalidArgument);
  auto xg = xmodel::LoadXmodel(kMnist);
  ASSERT_TRUE(xg.ok());
  for (const xir::Subgraph* child : (*xg)->get_root_subgraph()->get_children()) {
    if (xmodel::SubgraphDevice(child) == "CPU") {
      Status s = ProbeSubgraph(child);
      EXPECT_EQ(s.code(), StatusCode::kUnsupported) << s.message();
    }
  }
  (*xg)->get_op("quant_max_pooling2d_fix")->set_attr("type", xir::any(std::string("MIN")));
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(**xg).at(0);
  Status s = ProbeSubgraph(sg);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("quant_max_pooling2d_fix"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(sg->get_name()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("MIN"), std::string::npos) << s.message();
  auto runner = CreateRunner(sg, RunnerOptions());
  EXPECT_FALSE(runner.ok());
}

TEST(ResolveOptions, DefaultsEnvironmentAndAttrs) {
  ::unsetenv("SIGNDPU_EMU_BATCH");
  ::unsetenv("SIGNDPU_EMU_THREADS");
  ::unsetenv("SIGNDPU_EMU_DELAY_MS");
  auto d = ResolveOptions(nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->batch, kDefaultBatch);
  EXPECT_EQ(d->num_threads, kDefaultThreads);
  EXPECT_EQ(d->delay_ms, 0);
  EXPECT_EQ(d->kernel_path, BestKernelPath());
  ::setenv("SIGNDPU_EMU_THREADS", "3", 1);
  ::setenv("SIGNDPU_REFERENCE_KERNELS", "1", 1);
  auto attrs = xir::Attrs::create();
  attrs->set_attr<int>("signdpu_emu_batch", 16);
  auto e = ResolveOptions(attrs.get());
  ::unsetenv("SIGNDPU_EMU_THREADS");
  ::unsetenv("SIGNDPU_REFERENCE_KERNELS");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->batch, 16);
  EXPECT_EQ(e->num_threads, 3);
  EXPECT_EQ(e->kernel_path, KernelPath::kReference);
  for (const char* bad : {"", "x", "-1", "2000", "4x"}) {
    ::setenv("SIGNDPU_EMU_BATCH", bad, 1);
    auto r = ResolveOptions(nullptr);
    if (bad[0] == '\0') {
      EXPECT_TRUE(r.ok()) << "empty = unset";
    } else {
      EXPECT_FALSE(r.ok()) << bad;
    }
  }
  ::unsetenv("SIGNDPU_EMU_BATCH");
}

TEST(CreateRunner, CppApiRunsWithReferenceKernels) {
  auto xg = xmodel::LoadXmodel(kMnist);
  ASSERT_TRUE(xg.ok());
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(**xg).at(0);
  RunnerOptions options;
  options.batch = 2;
  options.kernel_path = KernelPath::kReference;
  auto runner = CreateRunner(sg, options);
  ASSERT_TRUE(runner.ok()) << runner.status().message();
  auto fg = xmodel::ReadDpuSubgraph(sg);
  ASSERT_TRUE(fg.ok());
  const std::vector<std::vector<int8_t>> inputs = {signdpu::testing::RandomInt8(2 * 28 * 28, 77)};
  EXPECT_EQ(signdpu::testing::RunJob(runner->get(), inputs, 2), signdpu::testing::EvalReference(*fg, inputs, 2));
  options.batch = 0;
  EXPECT_FALSE(CreateRunner(sg, options).ok());
}

}  // namespace
}  // namespace signdpu::emu
