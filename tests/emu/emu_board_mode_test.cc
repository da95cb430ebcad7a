// The emulator's board mode (include/signdpu/emu/board_mode.h) through the
// real libvart: the plugin is dlopen()ed by libvart, never linked here.
//   SIGNDPU_EMU_FINGERPRINT  execute_async refuses a mismatching model with an
//                            error status (VART 2.5 aborts in execute)
//   SIGNDPU_EMU_SYNC=1       the job runs inside execute_async, wait returns at once
//   SIGNDPU_EMU_STALL_MS=N   every job sleeps N ms (an injectable hang)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vart/runner.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "emu_test_util.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Vitis AI 2.5 compile for the ZCU104: dpu_fingerprint 0x101000016010407.
const std::string kVai25 = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/vai25_zcu104_mnist_custom_op.xmodel";
constexpr const char* kFp25 = "0x101000016010407";
constexpr const char* kFp30 = "0x101000056010407";
constexpr int kWaitTimeout = -2;  // signdpu::emu::kWaitTimeout

// Sets the board-mode variables for one test and clears them afterwards.
class BoardModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Clear();
    auto g = xmodel::LoadXmodel(kVai25);
    ASSERT_TRUE(g.ok()) << g.status().message();
    graph_ = std::move(g).value();
    subgraph_ = xmodel::DpuSubgraphs(*graph_).at(0);
  }
  void TearDown() override { Clear(); }
  static void Clear() {
    ::unsetenv("SIGNDPU_EMU_FINGERPRINT");
    ::unsetenv("SIGNDPU_EMU_SYNC");
    ::unsetenv("SIGNDPU_EMU_STALL_MS");
  }
  std::unique_ptr<vart::Runner> Runner() { return CreateEmuRunner(subgraph_); }
  std::vector<std::vector<int8_t>> Inputs(vart::Runner* r) {
    std::vector<std::vector<int8_t>> in;
    for (const xir::Tensor* t : r->get_input_tensors()) {
      std::vector<int8_t> v(static_cast<size_t>(t->get_element_num() / t->get_shape()[0]));
      for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int8_t>((i * 37) % 256 - 128);
      in.push_back(std::move(v));
    }
    return in;
  }

  std::unique_ptr<xir::Graph> graph_;
  const xir::Subgraph* subgraph_ = nullptr;
};

TEST_F(BoardModeTest, FingerprintMismatchIsAnErrorStatusNotAnAbort) {
  ::setenv("SIGNDPU_EMU_FINGERPRINT", kFp30, 1);  // a Vitis AI 3.0 board, a 2.5 model
  auto runner = Runner();
  ASSERT_NE(runner, nullptr) << "VART creates the runner; the check happens at execute time";
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), 1);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), 1);
  auto job = runner->execute_async(in.raw(), out.raw());
  EXPECT_NE(job.second, 0) << "a mismatching model must be refused";
}

TEST_F(BoardModeTest, MatchingOrZeroFingerprintRunsAndGivesTheSameOutput) {
  auto plain = Runner();
  ASSERT_NE(plain, nullptr);
  const auto inputs = Inputs(plain.get());
  const auto expected = RunJob(plain.get(), inputs, 1);
  ASSERT_FALSE(expected.empty());
  for (const char* fp : {kFp25, "0"}) {  // 0: the check is off, as in VART
    ::setenv("SIGNDPU_EMU_FINGERPRINT", fp, 1);
    auto runner = Runner();
    ASSERT_NE(runner, nullptr) << fp;
    EXPECT_EQ(RunJob(runner.get(), inputs, 1), expected) << fp;
  }
}

TEST_F(BoardModeTest, MalformedFingerprintRefusesTheRunner) {
  ::setenv("SIGNDPU_EMU_FINGERPRINT", "0x10zz", 1);
  EXPECT_EQ(Runner(), nullptr);
  ::setenv("SIGNDPU_EMU_FINGERPRINT", "-5", 1);
  EXPECT_EQ(Runner(), nullptr);
  ::unsetenv("SIGNDPU_EMU_FINGERPRINT");
  ::setenv("SIGNDPU_EMU_SYNC", "2", 1);
  EXPECT_EQ(Runner(), nullptr);
}

TEST_F(BoardModeTest, SyncRunsTheJobInsideExecuteAsyncAndWaitReturnsAtOnce) {
  auto plain = Runner();
  ASSERT_NE(plain, nullptr);
  const auto inputs = Inputs(plain.get());
  const auto expected = RunJob(plain.get(), inputs, 1);

  ::setenv("SIGNDPU_EMU_SYNC", "1", 1);
  ::setenv("SIGNDPU_EMU_STALL_MS", "300", 1);
  auto runner = Runner();
  ASSERT_NE(runner, nullptr);
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), 1);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), 1);
  std::copy(inputs[0].begin(), inputs[0].end(), in.data(0));
  const auto t0 = Clock::now();
  auto job = runner->execute_async(in.raw(), out.raw());
  const auto t1 = Clock::now();
  ASSERT_EQ(job.second, 0);
  EXPECT_GE(t1 - t0, milliseconds(280)) << "the job (with its stall) ran inside execute_async";
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), 0), 0) << "already done: wait(0) succeeds";
  EXPECT_LT(Clock::now() - t1, milliseconds(100));
  EXPECT_EQ(std::vector<int8_t>(out.data(0), out.data(0) + expected[0].size()), expected[0]) << "same result as async";
}

TEST_F(BoardModeTest, StallDelaysEveryJobAndDoesNotBlockTheDestructor) {
  ::setenv("SIGNDPU_EMU_STALL_MS", "400", 1);
  auto runner = Runner();
  ASSERT_NE(runner, nullptr);
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), 1);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), 1);
  const auto t0 = Clock::now();
  auto job = runner->execute_async(in.raw(), out.raw());
  ASSERT_EQ(job.second, 0);
  EXPECT_LT(Clock::now() - t0, milliseconds(200)) << "asynchronous by default";
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), 50), kWaitTimeout) << "stalled";
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), -1), 0);
  EXPECT_GE(Clock::now() - t0, milliseconds(380));

  // A hang (one hour) while the runner is destroyed: the destructor returns.
  ::setenv("SIGNDPU_EMU_STALL_MS", "3600000", 1);
  auto hung = Runner();
  ASSERT_NE(hung, nullptr);
  HostBuffers in2 = MakeBuffers(hung->get_input_tensors(), 1);
  HostBuffers out2 = MakeBuffers(hung->get_output_tensors(), 1);
  ASSERT_EQ(hung->execute_async(in2.raw(), out2.raw()).second, 0);
  const auto t2 = Clock::now();
  hung.reset();
  EXPECT_LT(Clock::now() - t2, milliseconds(2000));
}

}  // namespace
}  // namespace signdpu::testing
