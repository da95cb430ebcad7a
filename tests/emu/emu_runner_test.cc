// The emulator plugin through Debian's real libvart (no mocks). This
// executable does NOT link libvart-signdpu-emu-runner.so: libvart dlopen()s
// it by name and finds it through this executable's DT_RPATH
// (${CMAKE_BINARY_DIR}/lib), as an application would.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <unistd.h>
#include <xir/attrs/attrs.hpp>
#include <vart/runner.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "emu_test_util.h"
#include "reference_eval.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

namespace signdpu::testing {
namespace {

const std::string kMnist = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel";
constexpr int kWaitTimeout = -2;  // signdpu::emu::kWaitTimeout (this test does not link the plugin)

std::unique_ptr<xir::Graph> LoadMnist() {
  auto g = xmodel::LoadXmodel(kMnist);
  EXPECT_TRUE(g.ok()) << g.status().message();
  return g.ok() ? std::move(g).value() : nullptr;
}

std::vector<std::vector<int8_t>> RandomInputs(const FixGraph& g, int count, uint32_t seed) {
  std::vector<std::vector<int8_t>> inputs;
  for (int id : g.inputs)
    inputs.push_back(RandomInt8(static_cast<size_t>(g.tensors[id].per_image_size() * count), seed++));
  return inputs;
}

// ---- 0. the plugin is found through DT_RPATH, not DT_RUNPATH ------------------

TEST(EmuPlugin, ExecutableHasRpathToThePluginDirectory) {
  if (std::system("command -v readelf > /dev/null 2>&1") != 0) GTEST_SKIP() << "readelf not installed";
  char self[4096];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(len, 0);
  self[len] = '\0';
  FILE* pipe = ::popen((std::string("readelf -d '") + self + "' 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  EXPECT_NE(out.find("(RPATH)"), std::string::npos) << out;
  EXPECT_EQ(out.find("(RUNPATH)"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string(SIGNDPU_BINARY_DIR) + "/lib"), std::string::npos) << out;
  EXPECT_EQ(out.find("libvart-signdpu-emu-runner"), std::string::npos) << "the test must not link the plugin:\n" << out;
}

// ---- 1. Xilinx-compiled fixture through create_runner_with_attrs + lib ---------

TEST(EmuPlugin, XilinxFixtureBothDpuSubgraphsMatchReferenceKernels) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto dpus = xmodel::DpuSubgraphs(*xg);
  ASSERT_EQ(dpus.size(), 2u);
  uint32_t seed = 100;
  for (const xir::Subgraph* sg : dpus) {
    SCOPED_TRACE(sg->get_name());
    auto runner = CreateEmuRunner(sg);
    ASSERT_NE(runner, nullptr);
    // Tensors mirror the DPU runner: sorted subgraph inputs/outputs, attrs kept, dim 0 = batch (1).
    auto ins = runner->get_input_tensors();
    auto outs = runner->get_output_tensors();
    auto sorted_in = sg->get_sorted_input_tensors();
    auto sorted_out = sg->get_sorted_output_tensors();
    ASSERT_EQ(ins.size(), sorted_in.size());
    ASSERT_EQ(outs.size(), sorted_out.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      EXPECT_EQ(ins[i]->get_name(), sorted_in[i]->get_name());
      EXPECT_EQ(ins[i]->get_shape(), sorted_in[i]->get_shape());
      EXPECT_EQ(ins[i]->get_attr<int>("fix_point"), sorted_in[i]->get_attr<int>("fix_point"));
      EXPECT_TRUE(ins[i]->has_attr("round_mode"));
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      EXPECT_EQ(outs[i]->get_name(), sorted_out[i]->get_name());
      EXPECT_EQ(outs[i]->get_attr<int>("fix_point"), sorted_out[i]->get_attr<int>("fix_point"));
    }
    EXPECT_EQ(runner->get_tensor_format(), vart::Runner::TensorFormat::NHWC);
    auto fg = xmodel::ReadDpuSubgraph(sg);
    ASSERT_TRUE(fg.ok()) << fg.status().message();
    for (int trial = 0; trial < 3; ++trial) {
      const auto inputs = RandomInputs(*fg, 1, seed += 10);
      const auto expected = EvalReference(*fg, inputs, 1);
      const auto got = RunJob(runner.get(), inputs, 1);
      ASSERT_EQ(got, expected) << "trial " << trial;
    }
  }
}

TEST(EmuPlugin, EngineBatchAttrAndSmallerInputBatch) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(0);
  auto runner = CreateEmuRunner(sg, {{"signdpu_emu_batch", 4}});
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(runner->get_input_tensors()[0]->get_shape()[0], 4);
  EXPECT_EQ(runner->get_output_tensors()[0]->get_shape()[0], 4);
  auto fg = xmodel::ReadDpuSubgraph(sg);
  ASSERT_TRUE(fg.ok());
  for (int count : {4, 3, 1}) {
    const auto inputs = RandomInputs(*fg, count, 500 + count);
    EXPECT_EQ(RunJob(runner.get(), inputs, count), EvalReference(*fg, inputs, count)) << "count " << count;
  }
}

TEST(EmuPlugin, BatchFromEnvironment) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(1);
  ::setenv("SIGNDPU_EMU_BATCH", "8", 1);
  auto runner = CreateEmuRunner(sg);
  ::setenv("SIGNDPU_EMU_BATCH", "0", 1);  // out of range: creation fails cleanly
  auto bad = CreateEmuRunner(sg);
  ::unsetenv("SIGNDPU_EMU_BATCH");
  ASSERT_NE(runner, nullptr);
  EXPECT_EQ(runner->get_input_tensors()[0]->get_shape()[0], 8);
  EXPECT_EQ(bad, nullptr);
  // attrs win over the environment
  ::setenv("SIGNDPU_EMU_BATCH", "8", 1);
  auto two = CreateEmuRunner(sg, {{"signdpu_emu_batch", 2}});
  ::unsetenv("SIGNDPU_EMU_BATCH");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->get_input_tensors()[0]->get_shape()[0], 2);
}

TEST(EmuPlugin, AbsoluteLibraryPathInTheLibOverride) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>("mode", "ref");
  attrs->set_attr<std::map<std::string, std::string>>(
      "lib", {{"DPU", std::string(SIGNDPU_BINARY_DIR) + "/lib/libvart-signdpu-emu-runner.so"}});
  EXPECT_NE(vart::Runner::create_runner_with_attrs(xmodel::DpuSubgraphs(*xg).at(0), attrs.get()), nullptr);
}

// ---- 2. our own host xmodel through the runner attribute, mode "ref" ------------

TEST(EmuPlugin, OwnHostXmodelThroughRunnerAttribute) {
  const FixGraph fg = TinyClassifier(21);
  const std::string path = MakeTempDir("emu_host") + "/tiny.xmodel";
  Status s = xmodel::WriteHostXmodel(fg, InfoFor("tiny"), path);
  ASSERT_TRUE(s.ok()) << s.message();
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(**xg).at(0);
  std::unique_ptr<vart::Runner> runner = vart::Runner::create_runner(sg, "ref");
  ASSERT_NE(runner, nullptr);
  ASSERT_EQ(runner->get_input_tensors().size(), 1u);
  EXPECT_EQ(runner->get_input_tensors()[0]->get_name(), "input");
  EXPECT_EQ(runner->get_input_tensors()[0]->get_attr<int>("fix_point"), 6);
  EXPECT_EQ(runner->get_output_tensors()[0]->get_name(), "logits");
  EXPECT_EQ(runner->get_output_tensors()[0]->get_shape(), (std::vector<int32_t>{1, 5}));
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const auto inputs = RandomInputs(fg, 1, seed);
    EXPECT_EQ(RunJob(runner.get(), inputs, 1), EvalReference(fg, inputs, 1)) << "seed " << seed;
  }
  // "sim" names the emulator too.
  EXPECT_NE(vart::Runner::create_runner(sg, "sim"), nullptr);
}

TEST(EmuPlugin, AllOpKindsThroughTheRunner) {
  const FixGraph fg = AllOpsGraph(22);
  const std::string path = MakeTempDir("emu_allops") + "/allops.xmodel";
  ASSERT_TRUE(xmodel::WriteHostXmodel(fg, InfoFor("allops"), path).ok());
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok());
  auto runner = vart::Runner::create_runner(xmodel::DpuSubgraphs(**xg).at(0), "ref");
  ASSERT_NE(runner, nullptr);
  const auto inputs = RandomInputs(fg, 1, 9);
  EXPECT_EQ(RunJob(runner.get(), inputs, 1), EvalReference(fg, inputs, 1));
}

TEST(EmuPlugin, ConcatFixThroughTheRunner) {
  // Two convs of one input at the same output fix point -> concat-fix -> conv.
  const FixGraph fg = ConcatGraph(23);
  const std::string path = MakeTempDir("emu_concat") + "/concat.xmodel";
  Status s = xmodel::WriteHostXmodel(fg, InfoFor("concat"), path);
  ASSERT_TRUE(s.ok()) << s.message();
  auto xg = xmodel::LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(**xg).at(0);
  auto runner = vart::Runner::create_runner(sg, "ref");
  ASSERT_NE(runner, nullptr);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const auto inputs = RandomInputs(fg, 1, 40 + seed);
    EXPECT_EQ(RunJob(runner.get(), inputs, 1), EvalReference(fg, inputs, 1)) << "seed " << seed;
  }
  // Engine batch 3 (attribute), jobs of 3 and 2 images.
  auto batched = CreateEmuRunner(sg, {{"signdpu_emu_batch", 3}});
  ASSERT_NE(batched, nullptr);
  for (int count : {3, 2}) {
    const auto inputs = RandomInputs(fg, count, 60 + count);
    EXPECT_EQ(RunJob(batched.get(), inputs, count), EvalReference(fg, inputs, count)) << "count " << count;
  }
}

// ---- 3. thread safety ------------------------------------------------------------

struct Case {
  std::vector<std::vector<int8_t>> inputs;
  std::vector<std::vector<int8_t>> expected;
};

std::vector<Case> MakeCases(vart::Runner* runner, const FixGraph& fg, int n) {
  std::vector<Case> cases;
  for (int i = 0; i < n; ++i) {
    Case c;
    c.inputs = RandomInputs(fg, 1, 1000 + i);
    c.expected = RunJob(runner, c.inputs, 1);  // single-threaded
    cases.push_back(std::move(c));
  }
  return cases;
}

// `jobs` jobs from this thread, submitted in groups of 5 before waiting.
void SubmitAndCheck(vart::Runner* runner, const std::vector<Case>& cases, int thread, int jobs,
                    std::atomic<int>* mismatches, std::atomic<int>* failures) {
  constexpr int kGroup = 5;
  for (int j = 0; j < jobs; j += kGroup) {
    std::vector<HostBuffers> ins, outs;
    std::vector<std::pair<uint32_t, int>> ids;
    std::vector<int> which;
    for (int k = 0; k < kGroup && j + k < jobs; ++k) {
      const int c = (thread * 7 + j + k) % static_cast<int>(cases.size());
      ins.push_back(MakeBuffers(runner->get_input_tensors(), 1));
      outs.push_back(MakeBuffers(runner->get_output_tensors(), 1));
      for (size_t i = 0; i < cases[c].inputs.size(); ++i)
        std::memcpy(ins.back().data(i), cases[c].inputs[i].data(), cases[c].inputs[i].size());
      ids.push_back(runner->execute_async(ins.back().raw(), outs.back().raw()));
      which.push_back(c);
    }
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k].second != 0 || runner->wait(static_cast<int>(ids[k].first), -1) != 0) {
        ++*failures;
        continue;
      }
      for (size_t i = 0; i < outs[k].buffers.size(); ++i)
        if (std::memcmp(outs[k].data(i), cases[which[k]].expected[i].data(), outs[k].bytes(i)) != 0) ++*mismatches;
    }
  }
}

TEST(EmuPlugin, FourThreadsFiftyJobsOnOneRunner) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(0);
  auto fg = xmodel::ReadDpuSubgraph(sg);
  ASSERT_TRUE(fg.ok());
  auto runner = CreateEmuRunner(sg, {{"signdpu_emu_threads", 2}});
  ASSERT_NE(runner, nullptr);
  const auto cases = MakeCases(runner.get(), *fg, 8);
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back(SubmitAndCheck, runner.get(), std::cref(cases), t, 50, &mismatches, &failures);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(EmuPlugin, TwoRunnersOnOneSubgraphConcurrently) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(0);
  auto fg = xmodel::ReadDpuSubgraph(sg);
  ASSERT_TRUE(fg.ok());
  auto a = CreateEmuRunner(sg);
  auto b = CreateEmuRunner(sg);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const auto cases = MakeCases(a.get(), *fg, 6);
  std::atomic<int> mismatches{0}, failures{0};
  std::thread ta(SubmitAndCheck, a.get(), std::cref(cases), 0, 30, &mismatches, &failures);
  std::thread tb(SubmitAndCheck, b.get(), std::cref(cases), 1, 30, &mismatches, &failures);
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

// ---- 4. wait honours its timeout ---------------------------------------------

TEST(EmuPlugin, WaitTimeout) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto runner = CreateEmuRunner(xmodel::DpuSubgraphs(*xg).at(1), {{"signdpu_emu_delay_ms", 300}});
  ASSERT_NE(runner, nullptr);
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), 1);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), 1);
  auto job = runner->execute_async(in.raw(), out.raw());
  ASSERT_EQ(job.second, 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), 20), kWaitTimeout);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(15));
  EXPECT_LT(waited, std::chrono::milliseconds(250));
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), 0), kWaitTimeout);
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), -1), 0);
  EXPECT_NE(runner->wait(static_cast<int>(job.first), -1), 0) << "a finished job is waited for once";
  EXPECT_NE(runner->wait(123456, 0), 0) << "unknown job id";
}

// ---- 5. bad buffers return errors ------------------------------------------------

// A TensorBuffer that reports whatever address and size it is given.
class FakeBuffer : public vart::TensorBuffer {
 public:
  FakeBuffer(const xir::Tensor* t, uint64_t addr, size_t size) : vart::TensorBuffer(t), addr_(addr), size_(size) {}
  std::pair<uint64_t, size_t> data(const std::vector<int32_t> /*idx*/) override { return {addr_, size_}; }

 private:
  uint64_t addr_;
  size_t size_;
};

TEST(EmuPlugin, BadBuffersAreRejected) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  auto runner = CreateEmuRunner(xmodel::DpuSubgraphs(*xg).at(0));
  ASSERT_NE(runner, nullptr);
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), 1);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), 1);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(runner->execute_async({}, out.raw()).second, -1) << "no inputs";
  EXPECT_EQ(runner->execute_async(in.raw(), {}).second, -1) << "no outputs";
  EXPECT_EQ(runner->execute_async({nullptr}, out.raw()).second, -1) << "null input";
  EXPECT_EQ(runner->execute_async(in.raw(), {nullptr}).second, -1) << "null output";
  EXPECT_EQ(runner->execute_async({in.raw()[0], in.raw()[0]}, out.raw()).second, -1) << "two inputs";
  // Wrong shape: the output buffer passed as the input.
  EXPECT_EQ(runner->execute_async(out.raw(), out.raw()).second, -1) << "shape";
  // Batch larger than the engine's.
  HostBuffers in2 = MakeBuffers(runner->get_input_tensors(), 2);
  HostBuffers out2 = MakeBuffers(runner->get_output_tensors(), 2);
  EXPECT_EQ(runner->execute_async(in2.raw(), out2.raw()).second, -1) << "batch 2 > 1";
  // Wrong element type.
  auto float_tensor = xir::Tensor::create(runner->get_input_tensors()[0]->get_name(),
                                          runner->get_input_tensors()[0]->get_shape(), xir::DataType("FLOAT32"));
  std::vector<float> floats(28 * 28);
  FakeBuffer float_buffer(float_tensor.get(), reinterpret_cast<uint64_t>(floats.data()), floats.size() * 4);
  EXPECT_EQ(runner->execute_async({&float_buffer}, out.raw()).second, -1) << "float input";
  // Too small and null memory.
  std::vector<int8_t> small(100);
  FakeBuffer small_buffer(runner->get_input_tensors()[0], reinterpret_cast<uint64_t>(small.data()), small.size());
  EXPECT_EQ(runner->execute_async({&small_buffer}, out.raw()).second, -1) << "100 bytes";
  FakeBuffer null_buffer(runner->get_input_tensors()[0], 0, 784);
  EXPECT_EQ(runner->execute_async({&null_buffer}, out.raw()).second, -1) << "null address";
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("execute_async rejected"), std::string::npos) << log;
  EXPECT_NE(log.find("100 bytes"), std::string::npos) << log;
  // The runner still works afterwards.
  auto job = runner->execute_async(in.raw(), out.raw());
  EXPECT_EQ(job.second, 0);
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), -1), 0);
}

// ---- 6. an op the emulator cannot run: clear error at creation, no abort ----------

TEST(EmuPlugin, UnsupportedOpFailsAtCreationWithoutAbort) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  xg->get_op("quant_conv2d_1")->set_attr("nonlinear", xir::any(std::string("HSWISH")));
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(0);
  ::testing::internal::CaptureStderr();
  auto runner = CreateEmuRunner(sg);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(runner, nullptr) << "libvart hands our nullptr back as an empty unique_ptr";
  EXPECT_NE(log.find("signdpu-emu"), std::string::npos) << log;
  EXPECT_NE(log.find("quant_conv2d_1"), std::string::npos) << log;
  EXPECT_NE(log.find(sg->get_name()), std::string::npos) << log;
  EXPECT_NE(log.find("HSWISH"), std::string::npos) << log;
  // The other subgraph of the same graph is unaffected.
  EXPECT_NE(CreateEmuRunner(xmodel::DpuSubgraphs(*xg).at(1)), nullptr);
}

TEST(EmuPlugin, MalformedRunnerAttrsFailCleanly) {
  auto xg = LoadMnist();
  ASSERT_NE(xg, nullptr);
  const xir::Subgraph* sg = xmodel::DpuSubgraphs(*xg).at(1);
  EXPECT_EQ(CreateEmuRunner(sg, {{"signdpu_emu_batch", 0}}), nullptr);
  EXPECT_EQ(CreateEmuRunner(sg, {{"signdpu_emu_threads", 1000}}), nullptr);
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>("mode", "ref");
  attrs->set_attr<std::map<std::string, std::string>>("lib", {{"DPU", kEmuLibrary}});
  attrs->set_attr<std::string>("signdpu_emu_batch", "four");
  EXPECT_EQ(vart::Runner::create_runner_with_attrs(sg, attrs.get()), nullptr);
}

}  // namespace
}  // namespace signdpu::testing
