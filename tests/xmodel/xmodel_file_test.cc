// LoadXmodel on real xmodels and on hostile files: every bad file must give a
// Status naming the file, in-process (XIR itself would abort).
#include "signdpu/xmodel/xmodel_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_writer.h"
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

// ---- issue 14: resources -----------------------------------------------------

// A graph of more ops than kMaxXmodelOps is refused on the protobuf, before
// XIR (whose loader and passes are quadratic in the op count) sees it.
TEST(LoadXmodel, OpCountLimit) {
  // One data op made by XIR, copied 4999 times in the protobuf (adding 5000
  // ops through XIR's API alone takes minutes: it is quadratic too).
  auto graph = xir::Graph::create("many_ops");
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::vector<int>>("shape", {1, 4});
  attrs->set_attr<std::string>("data_type", "FLOAT32");
  graph->add_op("d0", "data", std::move(attrs), {});
  std::string one;
  graph->serialize_to_string(&one);
  namespace pb = google::protobuf;
  const pb::Descriptor* desc = pb::DescriptorPool::generated_pool()->FindMessageTypeByName("serial_v2.Graph");
  ASSERT_NE(desc, nullptr);
  pb::DynamicMessageFactory factory(pb::DescriptorPool::generated_pool());
  std::unique_ptr<pb::Message> m(factory.GetPrototype(desc)->New());
  ASSERT_TRUE(m->ParseFromString(one));
  const pb::Reflection* r = m->GetReflection();
  const pb::FieldDescriptor* op_node = desc->FindFieldByName("op_node");
  ASSERT_EQ(r->FieldSize(*m, op_node), 1);
  for (int i = 1; i < 5000; ++i) {
    pb::Message* op = r->AddMessage(m.get(), op_node);
    op->CopyFrom(r->GetRepeatedMessage(*m, op_node, 0));
    op->GetReflection()->SetString(op, op->GetDescriptor()->FindFieldByName("op_name"), "d" + std::to_string(i));
    pb::Message* t = op->GetReflection()->MutableMessage(op, op->GetDescriptor()->FindFieldByName("output_tensor"));
    t->GetReflection()->SetString(t, t->GetDescriptor()->FindFieldByName("tensor_name"), "d" + std::to_string(i));
  }
  std::string bytes;
  ASSERT_TRUE(m->SerializeToString(&bytes));
  Status s = ValidateXmodelBytes(bytes, "many.xmodel");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_NE(s.message().find("many.xmodel: 5000 ops, more than the 4096 an xmodel may have"), std::string::npos)
      << s.message();
  const std::string path = signdpu::testing::MakeTempDir("many_ops") + "/many.xmodel";
  WriteAll(path, bytes);
  auto loaded = LoadXmodel(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(path + ": 5000 ops"), std::string::npos) << loaded.status().message();
}

// Devices, FIFOs and symlinks to them are refused before a byte is read.
TEST(LoadXmodel, DevicesAndFifosAreNotRead) {
  const std::string dir = signdpu::testing::MakeTempDir("devices");
  const std::string link = dir + "/zero.xmodel";
  ASSERT_EQ(::symlink("/dev/zero", link.c_str()), 0);
  const std::string fifo = dir + "/fifo.xmodel";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {std::string("/dev/zero"), std::string("/dev/urandom"), link, fifo}) {
    auto graph = LoadXmodel(path);
    ASSERT_FALSE(graph.ok()) << path;
    EXPECT_NE(graph.status().message().find("xmodel '" + path + "': not a regular file"), std::string::npos)
        << graph.status().message();
  }
}

// A small file declaring a huge input (12288 x 12288): the DPU subgraph
// reader refuses it before anything is allocated for its tensors.
TEST(ReadDpuSubgraphBudget, HugeDeclaredInputIsRefused) {
  FixGraph g;
  g.name = "huge";
  g.tensors = {{"input", {1, 12288, 12288, 1}, 6}, {"conv", {1, 12288, 12288, 1}, 4}};
  g.inputs = {0};
  g.ops = {signdpu::testing::ConvOp("conv", 0, 1, 1, 1, 1, 0, 7, 7, Activation::kNone, 1)};
  g.outputs = {1};
  const std::string path = signdpu::testing::MakeTempDir("huge") + "/huge.xmodel";
  ASSERT_TRUE(WriteHostXmodel(g, signdpu::testing::InfoFor("huge"), path).ok());
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  EXPECT_LT(static_cast<int64_t>(in.tellg()), 64 << 10) << "a small file";
  auto xg = LoadXmodel(path);
  ASSERT_TRUE(xg.ok()) << xg.status().message();
  auto dpus = DpuSubgraphs(**xg);
  ASSERT_EQ(dpus.size(), 1u);
  auto read = ReadDpuSubgraph(dpus[0]);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(read.status().message().find("per image, more than the 256.0 MiB tensor memory budget"),
            std::string::npos)
      << read.status().message();
  // The budget is configurable, and a bad value is an error.
  ::setenv(kTensorBudgetEnv, "1024", 1);
  EXPECT_TRUE(ReadDpuSubgraph(dpus[0]).ok());
  ::setenv(kTensorBudgetEnv, "lots", 1);
  auto bad = ReadDpuSubgraph(dpus[0]);
  ::unsetenv(kTensorBudgetEnv);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("SIGNDPU_TENSOR_BUDGET_MIB='lots'"), std::string::npos);
}

}  // namespace
}  // namespace signdpu::xmodel
