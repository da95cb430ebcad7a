// signdpu compile on small quantiser-format graphs built here: a valid one
// compiles into one DPU subgraph that runs; the unsupported forms are one
// error naming the op and its type, never an abort.
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xir/graph/graph.hpp>

#include "signdpu/compile/compile.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace signdpu {
namespace {

std::unique_ptr<xir::Attrs> A() { return xir::Attrs::create(); }

xir::Op* Fix(xir::Graph* g, const std::string& name, xir::Op* in, int fp) {
  auto a = A();
  a->set_attr<int>("fix_point", fp);
  a->set_attr<int>("bit_width", 8);
  a->set_attr<bool>("if_signed", true);
  a->set_attr<std::string>("round_mode", "DPU_ROUND");
  return g->add_op(name, "fix", std::move(a), {{"input", {in}}}, xir::DataType("FLOAT32"));
}

xir::Op* Const(xir::Graph* g, const std::string& name, std::vector<int> shape, float value) {
  int64_t n = 1;
  for (int d : shape) n *= d;
  std::vector<float> v(static_cast<size_t>(n), value);
  std::vector<char> bytes(v.size() * 4);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  auto a = A();
  a->set_attr<std::vector<int>>("shape", shape);
  a->set_attr<std::string>("data_type", "float32");
  a->set_attr<std::vector<char>>("data", bytes);
  return g->add_op(name, "const", std::move(a), {}, xir::DataType("FLOAT32"));
}

struct Knobs {
  int group = 1;
  std::string pad_mode = "FLOOR";
  bool weights_fix = true;  // weights through a fix
  bool out_fix = true;      // a fix after the relu
  float leaky_alpha = 0;    // > 0: leaky-relu instead of relu
  bool custom_tail = false; // a custom op reading the output (CPU)
  bool hswish_tail = false; // a hard-swish reading the output (not lowered yet)
  int kernel = 3;           // the conv's kernel (pad kernel / 2)
};

// data [1,8,8,4] -> fix 5 -> conv2d 3x3 (4 -> 8, pad 1) -> relu -> fix 4 [-> custom op]
std::string Build(const Knobs& k, const std::string& file) {
  auto g = xir::Graph::create("tiny");
  auto da = A();
  da->set_attr<std::vector<int>>("shape", {1, 8, 8, 4});
  da->set_attr<std::string>("data_type", "FLOAT32");
  xir::Op* data = g->add_op("input", "data", std::move(da), {}, xir::DataType("FLOAT32"));
  xir::Op* in = Fix(g.get(), "input_fix", data, 5);
  xir::Op* w = Const(g.get(), "w", {8, k.kernel, k.kernel, 4 / k.group}, 0.25f);
  if (k.weights_fix) w = Fix(g.get(), "w_fix", w, 6);
  xir::Op* b = Fix(g.get(), "b_fix", Const(g.get(), "b", {8}, -0.125f), 7);
  auto ca = A();
  ca->set_attr<std::vector<int>>("kernel", {k.kernel, k.kernel});
  ca->set_attr<std::vector<int>>("stride", {1, 1});
  ca->set_attr<std::vector<int>>("dilation", {1, 1});
  const int p = k.kernel / 2;
  ca->set_attr<std::vector<int>>("pad", {p, p, p, p});
  ca->set_attr<std::string>("pad_mode", k.pad_mode);
  ca->set_attr<int>("group", k.group);
  xir::Op* conv = g->add_op("conv", "conv2d", std::move(ca), {{"input", {in}}, {"weights", {w}}, {"bias", {b}}},
                            xir::DataType("FLOAT32"));
  auto ra = A();
  if (k.leaky_alpha > 0) ra->set_attr<float>("alpha", k.leaky_alpha);
  xir::Op* act = g->add_op("act", k.leaky_alpha > 0 ? "leaky-relu" : "relu", std::move(ra), {{"input", {conv}}},
                           xir::DataType("FLOAT32"));
  xir::Op* last = k.out_fix ? Fix(g.get(), "act_fix", act, 4) : act;
  if (k.hswish_tail) g->add_op("hs", "hard-swish", A(), {{"input", {last}}}, xir::DataType("FLOAT32"));
  if (k.custom_tail) {
    auto ta = A();
    ta->set_attr<std::vector<int>>("shape", {1, 8, 8, 8});
    ta->set_attr<std::string>("data_type", "FLOAT32");
    g->add_op("tail", "MyCustomOp", std::move(ta), {{"input", {last}}}, xir::DataType("FLOAT32"));
  }
  const std::string path = ::testing::TempDir() + "/" + file;
  g->serialize(path);
  return path;
}

Status Compile(const Knobs& k, const std::string& name, compile::CompiledModel* m = nullptr,
               const compile::CompileOptions& options = compile::CompileOptions()) {
  const std::string in = Build(k, name + "_int.xmodel");
  auto r = compile::CompileXmodel(in, ::testing::TempDir() + "/" + name + ".xmodel", options);
  if (r.ok() && m != nullptr) *m = *r;
  return r.status();
}

TEST(CompileHostile, ValidGraphCompilesAndRuns) {
  xmodel::InitGoogleLoggingOnce("compile_hostile_test");
  Knobs k;
  k.custom_tail = true;
  compile::CompiledModel m;
  ASSERT_TRUE(Compile(k, "valid", &m).ok());
  ASSERT_EQ(m.dpu.size(), 1u);
  EXPECT_EQ(m.cpu_ops, std::vector<std::string>({"tail"}));
  auto g = xmodel::LoadXmodel(::testing::TempDir() + "/valid.xmodel");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const auto dpu = xmodel::DpuSubgraphs(**g);
  ASSERT_EQ(dpu.size(), 1u);
  auto f = xmodel::ReadDpuSubgraph(dpu[0]);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  // in = 1.0 (32 at fp 5) everywhere, w = 0.25, b = -0.125: an inner pixel is
  // relu(36 * 0.25 - 0.125) = 8.875 -> 142 at fp 4 -> saturates to 127; a
  // corner sees 16 taps: 3.875 -> 62.
  auto ex = FixGraphExecutor::Create(*f, 1);
  ASSERT_TRUE(ex.ok());
  std::vector<int8_t> in(8 * 8 * 4, 32), out(8 * 8 * 8);
  (*ex)->Run({in.data()}, {out.data()}, 1);
  EXPECT_EQ(out[0], 62);
  EXPECT_EQ(out[(8 + 1) * 8], 127);
}

void ExpectOneLine(const Status& s, const std::string& must_contain) {
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(must_contain), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
}

TEST(CompileHostile, UnsupportedFormsAreOneErrorNamingTheOp) {
  Knobs group;
  group.group = 2;
  ExpectOneLine(Compile(group, "group"), "op conv (conv2d): group 2");
  Knobs same;
  same.pad_mode = "SAME";
  ExpectOneLine(Compile(same, "same"), "op conv (conv2d): pad_mode SAME");
  Knobs raw;
  raw.weights_fix = false;
  ExpectOneLine(Compile(raw, "raw"), "op w (const): weights and bias must be a const read through a fix");
  Knobs nofix;
  nofix.out_fix = false;
  ExpectOneLine(Compile(nofix, "nofix"), "op conv (conv2d): its output is not followed by one fix op");
  Knobs hswish;
  hswish.hswish_tail = true;
  ExpectOneLine(Compile(hswish, "hswish"), "op hs (hard-swish): not lowered to the DPU by signdpu compile yet");
  auto compiled = compile::CompileXmodel(std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/vai25_zcu104_pointpillars.xmodel",
                                         ::testing::TempDir() + "/again.xmodel", compile::CompileOptions());
  ExpectOneLine(compiled.status(), "is compiled already");
  compile::CompileOptions bad_target;
  bad_target.target = "DPUNOPE";
  auto t = compile::CompileXmodel(Build(Knobs(), "t_int.xmodel"), ::testing::TempDir() + "/t.xmodel", bad_target);
  ExpectOneLine(t.status(), "DPUNOPE");
}

// A conv the target's conv engine cannot run (kernel 17 > conv_limit 1-16 of
// DPUCZDX8G_ISA1_B4096, libtarget-factory) goes to the CPU with that limit
// as its reason, as vai_q_pytorch's partition places it; without the check
// (signdpu-quantize --dpu_target '') it is lowered.
TEST(CompileLimits, OpOutsideTheEngineLimitsGoesToTheCpu) {
  xmodel::InitGoogleLoggingOnce("compile_hostile_test");
  Knobs big;
  big.kernel = 17;
  compile::CompiledModel m;
  ASSERT_TRUE(Compile(big, "big", &m).ok());
  EXPECT_TRUE(m.dpu.empty());
  EXPECT_NE(std::find(m.cpu_ops.begin(), m.cpu_ops.end(), "conv"), m.cpu_ops.end());
  EXPECT_NE(std::find(m.cpu_ops.begin(), m.cpu_ops.end(), "act"), m.cpu_ops.end());  // not fused
  ASSERT_EQ(m.cpu_reasons.count("conv"), 1u);
  EXPECT_EQ(m.cpu_reasons.at("conv"),
            "kernel 17x17 (h x w) outside conv_engine.conv_limit.kernel_size 1-16 [DPU DPUCZDX8G_ISA1_B4096]");
  const std::string text = compile::DescribePartition(m);
  EXPECT_NE(text.find("  conv (outside the DPU's limits: kernel 17x17"), std::string::npos) << text;
  compile::CompileOptions unchecked;
  unchecked.check_limits = false;
  compile::CompiledModel all;
  ASSERT_TRUE(Compile(big, "big_unchecked", &all, unchecked).ok());
  ASSERT_EQ(all.dpu.size(), 1u);
  EXPECT_TRUE(all.cpu_reasons.empty());
  // A leaky relu the conv engine cannot apply (alpha 0.2, not 26/256):
  // vai_q_pytorch's check_nonlinear (dpu_op_filter.py:157-168) fails, so the
  // conv goes to the CPU with it.
  Knobs leaky;
  leaky.leaky_alpha = 0.2f;
  compile::CompiledModel lm;
  ASSERT_TRUE(Compile(leaky, "leaky", &lm).ok());
  EXPECT_TRUE(lm.dpu.empty());
  ASSERT_EQ(lm.cpu_reasons.count("conv"), 1u);
  EXPECT_NE(lm.cpu_reasons.at("conv").find("leaky_relu alpha 0.2"), std::string::npos) << lm.cpu_reasons.at("conv");
  Knobs fits;
  fits.kernel = 15;
  compile::CompiledModel ok;
  ASSERT_TRUE(Compile(fits, "fits", &ok).ok());
  EXPECT_EQ(ok.dpu.size(), 1u);
  EXPECT_TRUE(ok.cpu_reasons.empty());
}

}  // namespace
}  // namespace signdpu
