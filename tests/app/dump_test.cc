// `signdpu dump` (app/dump.h) on the tiny classifier of
// tests/xmodel/test_graphs.h through libvart and the emulator plugin: the
// raw and CSV inputs, the batching of the frames, the sidecar, and compare.
#include "signdpu/app/dump.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/app/model.h"
#include "signdpu/core/file_io.h"
#include "signdpu/io/preprocess.h"
#include "signdpu/xmodel/xmodel_writer.h"
#include "test_graphs.h"

namespace signdpu::app {
namespace {

constexpr int kPixels = 64;   // TinyClassifier: input [1,8,8,1]
constexpr int kClasses = 5;   // output [1,5]

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

class DumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("dump");
    const std::string path = dir_ + "/tiny.xmodel";
    Status s = xmodel::WriteHostXmodel(testing::TinyClassifier(5), testing::InfoFor("tiny"), path);
    ASSERT_TRUE(s.ok()) << s.message();
    auto m = Model::Open(path);
    ASSERT_TRUE(m.ok()) << m.status().message();
    model_ = std::move(m).value();
    ASSERT_EQ(model_->dpu_subgraphs().size(), 1u);
  }
  // The runner's int8 output for one frame of int8 input, run alone.
  std::string RunOne(const std::string& input) {
    auto r = CreateRunner(model_->dpu_subgraphs().front(), RunMode::kRef, 1);
    EXPECT_TRUE(r.ok());
    auto rin = (*r)->get_input_tensors();
    auto rout = (*r)->get_output_tensors();
    auto ib = vart::alloc_cpu_flat_tensor_buffers(rin);
    auto ob = vart::alloc_cpu_flat_tensor_buffers(rout);
    auto [in_addr, in_bytes] = ib[0]->data(std::vector<int>(rin[0]->get_shape().size(), 0));
    EXPECT_GE(in_bytes, input.size());
    std::memcpy(reinterpret_cast<void*>(in_addr), input.data(), input.size());
    std::vector<vart::TensorBuffer*> ip = {ib[0].get()}, op = {ob[0].get()};
    auto job = (*r)->execute_async(ip, op);
    EXPECT_EQ((*r)->wait(static_cast<int>(job.first), -1), 0);
    auto [out_addr, out_bytes] = ob[0]->data(std::vector<int>(rout[0]->get_shape().size(), 0));
    EXPECT_GE(out_bytes, static_cast<size_t>(kClasses));
    return std::string(reinterpret_cast<const char*>(out_addr), kClasses);
  }
  std::string dir_;
  std::unique_ptr<Model> model_;
};

TEST_F(DumpTest, RawInputFramesAreRunInBatchesLikeOneByOne) {
  std::string raw(11 * kPixels, '\0');
  std::mt19937 rng(3);
  for (auto& c : raw) c = static_cast<char>(std::uniform_int_distribution<int>(-128, 127)(rng));
  DumpOptions o;
  o.input_raw = dir_ + "/in.bin";
  ASSERT_TRUE(WriteFileAtomic(o.input_raw, raw).ok());
  o.out_dir = dir_ + "/a";
  o.mode = RunMode::kRef;
  auto lines = Dump(*model_, o);
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  ASSERT_EQ(lines->size(), 1u);
  const std::string line = (*lines)[0];
  const std::string stem = line.substr(0, line.find(".bin: "));
  EXPECT_EQ(line.substr(stem.size()), ".bin: 55 bytes, fix_point " + line.substr(line.rfind(' ') + 1));
  const std::string bin = ReadAll(o.out_dir + "/" + stem + ".bin");
  ASSERT_EQ(bin.size(), 11u * kClasses);
  for (int f = 0; f < 11; ++f)
    EXPECT_EQ(bin.substr(f * kClasses, kClasses), RunOne(raw.substr(f * kPixels, kPixels))) << "frame " << f;
  const auto j = nlohmann::json::parse(ReadAll(o.out_dir + "/" + stem + ".json"));
  EXPECT_EQ(j["frames"].get<int>(), 11);
  EXPECT_EQ(j["shape"][0].get<int>(), 11);
  EXPECT_EQ(j["mode"].get<std::string>(), "ref");
  EXPECT_EQ(j["inputs"][0].get<std::string>(), "raw " + o.input_raw);

  // compare: identical to itself; one changed byte is reported.
  std::vector<std::string> report;
  EXPECT_TRUE(Compare(o.out_dir, o.out_dir, &report).ok());
  DumpOptions o2 = o;
  o2.out_dir = dir_ + "/b";
  ASSERT_TRUE(Dump(*model_, o2).ok());
  std::string changed = bin;
  changed[7] = static_cast<char>(changed[7] ^ 1);
  ASSERT_TRUE(WriteFileAtomic(o2.out_dir + "/" + stem + ".bin", changed).ok());
  report.clear();
  EXPECT_FALSE(Compare(o.out_dir, o2.out_dir, &report).ok());
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].find("DIFFERENT in 1 of 55 elements; first at [1,2]"), std::string::npos) << report[0];
}

TEST_F(DumpTest, CsvRowsAreQuantisedWithTheInputFixPoint) {
  DumpOptions o;
  o.csv = dir_ + "/rows.csv";
  {
    std::ofstream f(o.csv);
    for (int r = 0; r < 3; ++r) {
      f << r;
      for (int p = 0; p < kPixels; ++p) f << "," << (r * 40 + p * 3) % 256;
      f << "\n";
    }
  }
  o.out_dir = dir_ + "/csv";
  o.mode = RunMode::kRef;
  o.limit = 2;
  auto lines = Dump(*model_, o);
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  const std::string stem = (*lines)[0].substr(0, (*lines)[0].find(".bin: "));
  const std::string bin = ReadAll(o.out_dir + "/" + stem + ".bin");
  ASSERT_EQ(bin.size(), 2u * kClasses) << "--limit 2 of 3 rows";
  const TensorInfo in = DescribeTensor(*model_->dpu_subgraphs().front()->get_sorted_input_tensors().begin());
  io::PreprocessConfig pre;
  pre.height = 8;
  pre.width = 8;
  pre.fix_point = in.fix_point;
  // The model stores input mean 0.5 (testing::InfoFor), which dump applies
  // like run: (pixel - mean) * scale.
  EXPECT_EQ(model_->input_mean(), 0.5f);
  pre.mean = model_->input_mean();
  pre.scale = model_->input_scale();
  for (int r = 0; r < 2; ++r) {
    std::vector<uint8_t> pixels(kPixels);
    for (int p = 0; p < kPixels; ++p) pixels[p] = static_cast<uint8_t>((r * 40 + p * 3) % 256);
    std::string q(kPixels, '\0');
    ASSERT_TRUE(io::PreprocessPixels(pixels, pre, reinterpret_cast<int8_t*>(q.data())).ok());
    EXPECT_EQ(bin.substr(r * kClasses, kClasses), RunOne(q)) << "row " << r;
  }
  const auto j = nlohmann::json::parse(ReadAll(o.out_dir + "/" + stem + ".json"));
  EXPECT_EQ(j["inputs"][0].get<std::string>(),
            "CSV " + o.csv + " quantised at fix_point " + std::to_string(in.fix_point));
}

TEST_F(DumpTest, RawInputOfPartFramesIsAnError) {
  DumpOptions o;
  o.input_raw = dir_ + "/short.bin";
  ASSERT_TRUE(WriteFileAtomic(o.input_raw, std::string(kPixels + 3, '\1')).ok());
  o.out_dir = dir_ + "/never";
  auto lines = Dump(*model_, o);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.status().message().find(o.input_raw), std::string::npos) << lines.status().message();
  DumpOptions both = o;
  both.csv = "x.csv";
  EXPECT_EQ(Dump(*model_, both).status().message(), "dump needs exactly one of --csv or --input-raw");
}

}  // namespace
}  // namespace signdpu::app
