// Needs a ZCU104 with the DPU: the same Xilinx-compiled subgraph in mode
// "run" (libvart-dpu-runner.so, the real DPU) and in the emulator must give
// identical int8 outputs. Mode "run" aborts the process on a machine without
// a DPU (docs/emulator.md section 1), so this only runs when
// SIGNDPU_HAVE_DPU=1 is set on the board; everywhere else it is reported as
// skipped (not run). ctest label: target.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vart/runner.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "emu_test_util.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "test_graphs.h"

namespace signdpu::testing {

bool HaveDpu() {
  const char* v = std::getenv("SIGNDPU_HAVE_DPU");
  return v != nullptr && std::strcmp(v, "1") == 0;
}

namespace {

TEST(Board, RealDpuAndEmulatorGiveIdenticalOutputs) {
  if (!HaveDpu()) GTEST_SKIP() << "needs a ZCU104 DPU (set SIGNDPU_HAVE_DPU=1 on the board)";
  const std::string path = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel";
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  for (const xir::Subgraph* sg : xmodel::DpuSubgraphs(**xg)) {
    auto dpu = vart::Runner::create_runner(sg, "run");
    auto emu = CreateEmuRunner(sg);
    ASSERT_NE(dpu, nullptr);
    ASSERT_NE(emu, nullptr);
    const int batch = dpu->get_input_tensors()[0]->get_shape()[0];
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      std::vector<std::vector<int8_t>> inputs;
      for (const xir::Tensor* t : dpu->get_input_tensors())
        inputs.push_back(RandomInt8(static_cast<size_t>(t->get_element_num()), seed));
      // the emulator with the same batch as the board's runner
      auto emu_b = CreateEmuRunner(sg, {{"signdpu_emu_batch", batch}});
      EXPECT_EQ(RunJob(dpu.get(), inputs, batch), RunJob(emu_b.get(), inputs, batch)) << sg->get_name() << " seed " << seed;
    }
  }
}

}  // namespace
}  // namespace signdpu::testing

// Exit code 77 when the DPU test could not run, so ctest reports it as
// "Not Run" (SKIP_RETURN_CODE) rather than passed.
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  return rc == 0 && !signdpu::testing::HaveDpu() ? 77 : rc;
}
