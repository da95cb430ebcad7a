// LoadXmodel on real xmodels and on hostile files: every bad file must give a
// Status naming the file, in-process (XIR itself would abort).
#include "signdpu/xmodel/xmodel_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "test_graphs.h"

namespace signdpu::xmodel {
namespace {

const std::string kMnist = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/zcu104_mnist_custom_op.xmodel";
const std::string kVoxelnet = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/voxelnet_quantized.xmodel";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(LoadXmodel, XilinxCompiledFixtureHasTwoDpuSubgraphs) {
  auto graph = LoadXmodel(kMnist);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_EQ((*graph)->get_name(), "functional_1");
  auto dpus = DpuSubgraphs(**graph);
  ASSERT_EQ(dpus.size(), 2u);
  EXPECT_EQ(dpus[0]->get_name(), "subgraph_quant_conv2d");
  EXPECT_EQ(dpus[1]->get_name(), "subgraph_quant_dense(TransferMatMulToConv2d)");
  EXPECT_EQ(SubgraphDevice(dpus[0]), "DPU");
}

TEST(LoadXmodel, QuantizerFixtureLoadsAndHasNoDpuSubgraph) {
  auto graph = LoadXmodel(kVoxelnet);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_TRUE(DpuSubgraphs(**graph).empty());
}

class CorruptFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = signdpu::testing::MakeTempDir("corrupt"); }
  // The file must be rejected with a message that names it.
  void ExpectRejected(const std::string& path) {
    auto graph = LoadXmodel(path);
    ASSERT_FALSE(graph.ok()) << path << " was accepted";
    EXPECT_NE(graph.status().message().find(path), std::string::npos) << graph.status().message();
  }
  std::string dir_;
};

TEST_F(CorruptFileTest, EmptyFile) {
  const std::string path = dir_ + "/empty.xmodel";
  WriteAll(path, "");
  ExpectRejected(path);
}

TEST_F(CorruptFileTest, MissingFileAndDirectory) {
  ExpectRejected(dir_ + "/does_not_exist.xmodel");
  auto missing = LoadXmodel(dir_ + "/does_not_exist.xmodel");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ExpectRejected(dir_);
}

TEST_F(CorruptFileTest, TextFiles) {
  const char* texts[] = {
      "hello world\n",
      "graph_name: \"functional_1\"\nop_node {\n  op_name: \"input_1\"\n}\n",  // xir dump_txt style
      "label,pixel1,pixel2\n3,0,255\n",
      "{\"model\": \"mnist\"}",
  };
  int i = 0;
  for (const char* text : texts) {
    const std::string path = dir_ + "/text" + std::to_string(i++) + ".xmodel";
    WriteAll(path, text);
    ExpectRejected(path);
  }
}

TEST_F(CorruptFileTest, RandomBytes) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20; ++i) {
    std::string bytes(1 + rng() % 4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string path = dir_ + "/random" + std::to_string(i) + ".xmodel";
    WriteAll(path, bytes);
    ExpectRejected(path);
  }
}

TEST_F(CorruptFileTest, TruncatedCopies) {
  const std::string full = ReadAll(kMnist);
  ASSERT_GT(full.size(), 1000u);
  for (size_t len : {size_t{1}, size_t{10}, size_t{100}, full.size() / 3, full.size() / 2, full.size() - 100,
                     full.size() - 1}) {
    const std::string path = dir_ + "/truncated" + std::to_string(len) + ".xmodel";
    WriteAll(path, full.substr(0, len));
    ExpectRejected(path);
  }
}

// Single-byte corruptions anywhere in a real xmodel: each load must return
// (accepted or rejected) instead of aborting the test process.
TEST_F(CorruptFileTest, SingleByteCorruptionsNeverAbort) {
  const std::string full = ReadAll(kMnist);
  const char* seed_env = std::getenv("SIGNDPU_CORRUPTION_SEED");
  std::mt19937 rng(seed_env != nullptr ? static_cast<uint32_t>(std::atoi(seed_env)) : 7u);
  int rejected = 0;
  // SIGNDPU_CORRUPTION_TRIALS=N (and SIGNDPU_CORRUPTION_SEED) run a longer
  // soak by hand.
  const char* env = std::getenv("SIGNDPU_CORRUPTION_TRIALS");
  const int kTrials = env != nullptr ? std::atoi(env) : 100;
  for (int i = 0; i < kTrials; ++i) {
    std::string bytes = full;
    const size_t pos = rng() % bytes.size();
    bytes[pos] = static_cast<char>(bytes[pos] ^ (1 + rng() % 255));
    auto graph = LoadXmodelFromBytes(bytes, "corruption " + std::to_string(i) + " at byte " + std::to_string(pos));
    if (!graph.ok()) ++rejected;
  }
  // Most bytes of this file are weights (any value is valid); structure bytes
  // are rarer. This only guards against "everything accepted".
  EXPECT_GT(rejected, 0);
}

// Well-formed protobuf, valid schema, but XIR's shape inference (which runs
// while loading) aborts on the attributes: only the child-process probe can
// catch this.
TEST(LoadXmodel, ChildProbeCatchesXirAbortsOnAttributes) {
  auto graph = LoadXmodel(kMnist);
  ASSERT_TRUE(graph.ok());
  (*graph)->get_op("quant_conv2d")->set_attr("pad", xir::any(std::vector<int>{0, 0, 0, -40}));
  std::string bytes;
  (*graph)->serialize_to_string(&bytes);
  EXPECT_TRUE(ValidateXmodelBytes(bytes, "edited").ok()) << "the schema checks cannot see this";
  auto loaded = LoadXmodelFromBytes(bytes, "edited.xmodel");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("edited.xmodel"), std::string::npos) << loaded.status().message();
  EXPECT_NE(loaded.status().message().find("XIR cannot load"), std::string::npos) << loaded.status().message();
  std::cout << "    message: " << loaded.status().message() << "\n";
}

TEST(LoadXmodel, ProbeCanBeTurnedOff) {
  LoadOptions options;
  options.probe_in_child_process = false;
  auto graph = LoadXmodel(kMnist, options);
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  EXPECT_EQ(DpuSubgraphs(**graph).size(), 2u);
}

TEST(ValidateXmodelBytes, NamesWhatFailed) {
  Status s = ValidateXmodelBytes(std::string("\x0a\x05hello", 7), "my.xmodel");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("my.xmodel"), std::string::npos);
  EXPECT_NE(s.message().find("no ops"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace signdpu::xmodel
