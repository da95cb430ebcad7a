// The float executor against direct (double precision) formulas, its
// observer and subset API, batch semantics, and its speed on the tutorial
// CNN. ONNX's own conformance data is checked in onnx_conformance_test.cc.
#include "signdpu/graph/float_executor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

#include "signdpu/graph/float_gemm.h"

namespace signdpu::graph {
namespace {

std::vector<float> RandomVector(int64_t count, std::mt19937* rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(*rng);
  return v;
}

Tensor Constant(const std::string& name, const Shape& shape, std::vector<float> data) {
  Tensor t;
  t.name = name;
  t.shape = shape;
  t.data = std::move(data);
  return t;
}

Node MakeNode(const std::string& name, OpType type, std::vector<std::string> inputs,
              const std::string& output) {
  Node n;
  n.name = name;
  n.type = type;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  return n;
}

void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, double tol,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << what << " at " << i;
  }
}

struct ConvCase {
  int64_t n, c, h, w, m, kh, kw, stride, pad, dilation, group;
};

// Direct convolution in double: the formula of kernels::Conv2d.
std::vector<double> NaiveConv(const std::vector<float>& x, const std::vector<float>& wt,
                              const std::vector<float>& b, const ConvCase& p, int64_t oh, int64_t ow) {
  std::vector<double> y(p.n * p.m * oh * ow);
  const int64_t cg = p.c / p.group, mg = p.m / p.group;
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = b[m];
          const int64_t g = m / mg;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < p.kh; ++ky)
              for (int64_t kx = 0; kx < p.kw; ++kx) {
                const int64_t iy = oy * p.stride - p.pad + ky * p.dilation;
                const int64_t ix = ox * p.stride - p.pad + kx * p.dilation;
                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                acc += static_cast<double>(wt[((m * cg + ci) * p.kh + ky) * p.kw + kx]) *
                       x[((n * p.c + g * cg + ci) * p.h + iy) * p.w + ix];
              }
          y[((n * p.m + m) * oh + oy) * ow + ox] = acc;
        }
  return y;
}

TEST(FloatExecutor, ConvMatchesDirectFormula) {
  std::mt19937 rng(1);
  const ConvCase cases[] = {
      {2, 1, 28, 28, 28, 3, 3, 1, 1, 1, 1},   // tutorial conv1
      {1, 28, 14, 14, 64, 3, 3, 1, 1, 1, 1},  // tutorial conv2
      {2, 8, 9, 7, 16, 1, 1, 1, 0, 1, 1},     // pointwise (input read directly)
      {1, 6, 10, 11, 12, 3, 3, 2, 1, 1, 3},   // grouped, strided
      {1, 8, 8, 8, 8, 3, 3, 1, 1, 1, 8},      // depthwise
      {1, 4, 12, 12, 8, 3, 3, 1, 2, 2, 4},    // depthwise multiplier 2, dilated
      {1, 3, 7, 5, 5, 5, 2, 3, 2, 1, 1},      // non-square kernel, stride 3
  };
  for (const ConvCase& p : cases) {
    const std::string what = "conv n" + std::to_string(p.n) + " c" + std::to_string(p.c) + " " +
                             std::to_string(p.h) + "x" + std::to_string(p.w) + " m" +
                             std::to_string(p.m) + " k" + std::to_string(p.kh) + "x" +
                             std::to_string(p.kw) + " s" + std::to_string(p.stride) + " p" +
                             std::to_string(p.pad) + " d" + std::to_string(p.dilation) + " g" +
                             std::to_string(p.group);
    Graph g("conv");
    ASSERT_TRUE(g.AddInput("x", {p.n, p.c, p.h, p.w}).ok());
    auto wt = RandomVector(p.m * (p.c / p.group) * p.kh * p.kw, &rng);
    auto b = RandomVector(p.m, &rng);
    ASSERT_TRUE(g.AddConstant(Constant("w", {p.m, p.c / p.group, p.kh, p.kw}, wt)).ok());
    ASSERT_TRUE(g.AddConstant(Constant("b", {p.m}, b)).ok());
    Node conv = MakeNode("conv", OpType::kConv, {"x", "w", "b"}, "y");
    conv.attrs.Set("kernel_shape", std::vector<int64_t>{p.kh, p.kw});
    conv.attrs.Set("strides", std::vector<int64_t>{p.stride, p.stride});
    conv.attrs.Set("pads", std::vector<int64_t>{p.pad, p.pad, p.pad, p.pad});
    conv.attrs.Set("dilations", std::vector<int64_t>{p.dilation, p.dilation});
    conv.attrs.Set("group", p.group);
    ASSERT_TRUE(g.AddNode(conv).ok()) << what;
    ASSERT_TRUE(g.AddOutput("y").ok());
    auto x = RandomVector(p.n * p.c * p.h * p.w, &rng);
    auto exec = FloatExecutor::Create(g, 1);
    ASSERT_TRUE(exec.ok()) << exec.status().message();
    ASSERT_TRUE(exec->Run({{"x", x.data()}}, 1).ok());
    const Shape out = *exec->OutputShape("y");
    ExpectNear(*exec->CopyOutput("y"), NaiveConv(x, wt, b, p, out[2], out[3]), 1e-5, what);
  }
}

// The tutorial CNN (about 5 M MACs per image) with random weights and a
// dynamic batch. dense = 512 is the real size.
Graph TutorialCnn(int64_t dense, std::mt19937* rng) {
  Graph g("tutorial_cnn");
  EXPECT_TRUE(g.AddInput("input", {kDynamicDim, 1, 28, 28}).ok());
  std::string x = "input";
  int64_t c_in = 1;
  for (int i = 1; i <= 2; ++i) {
    const int64_t c = i == 1 ? 28 : 64;
    const std::string s = std::to_string(i);
    EXPECT_TRUE(g.AddConstant(Constant("w" + s, {c, c_in, 3, 3}, RandomVector(c * c_in * 9, rng, -0.3f, 0.3f))).ok());
    EXPECT_TRUE(g.AddConstant(Constant("b" + s, {c}, RandomVector(c, rng))).ok());
    Node conv = MakeNode("conv" + s, OpType::kConv, {x, "w" + s, "b" + s}, "conv" + s);
    conv.attrs.Set("kernel_shape", std::vector<int64_t>{3, 3});
    conv.attrs.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
    EXPECT_TRUE(g.AddNode(conv).ok());
    EXPECT_TRUE(g.AddNode(MakeNode("relu" + s, OpType::kRelu, {"conv" + s}, "relu" + s)).ok());
    for (const char* p : {"scale", "bias", "mean"}) {
      EXPECT_TRUE(g.AddConstant(Constant(std::string(p) + s, {c}, RandomVector(c, rng, 0.1f, 1.0f))).ok());
    }
    EXPECT_TRUE(g.AddConstant(Constant("var" + s, {c}, RandomVector(c, rng, 0.5f, 2.0f))).ok());
    Node bn = MakeNode("bn" + s, OpType::kBatchNorm,
                       {"relu" + s, "scale" + s, "bias" + s, "mean" + s, "var" + s}, "bn" + s);
    bn.attrs.Set("epsilon", 1e-5f);
    EXPECT_TRUE(g.AddNode(bn).ok());
    Node pool = MakeNode("pool" + s, OpType::kMaxPool, {"bn" + s}, "pool" + s);
    pool.attrs.Set("kernel_shape", std::vector<int64_t>{2, 2});
    pool.attrs.Set("strides", std::vector<int64_t>{2, 2});
    EXPECT_TRUE(g.AddNode(pool).ok());
    x = "pool" + s;
    c_in = c;
  }
  Node flat = MakeNode("flatten", OpType::kFlatten, {x}, "flat");
  flat.attrs.Set("axis", int64_t{1});
  EXPECT_TRUE(g.AddNode(flat).ok());
  EXPECT_TRUE(g.AddConstant(Constant("fc1_w", {dense, 3136}, RandomVector(dense * 3136, rng, -0.05f, 0.05f))).ok());
  EXPECT_TRUE(g.AddConstant(Constant("fc1_b", {dense}, RandomVector(dense, rng))).ok());
  Node fc1 = MakeNode("fc1", OpType::kGemm, {"flat", "fc1_w", "fc1_b"}, "fc1");
  fc1.attrs.Set("transB", int64_t{1});
  EXPECT_TRUE(g.AddNode(fc1).ok());
  EXPECT_TRUE(g.AddNode(MakeNode("relu3", OpType::kRelu, {"fc1"}, "relu3")).ok());
  EXPECT_TRUE(g.AddConstant(Constant("fc2_w", {10, dense}, RandomVector(10 * dense, rng, -0.1f, 0.1f))).ok());
  EXPECT_TRUE(g.AddConstant(Constant("fc2_b", {10}, RandomVector(10, rng))).ok());
  Node fc2 = MakeNode("fc2", OpType::kGemm, {"relu3", "fc2_w", "fc2_b"}, "logits");
  fc2.attrs.Set("transB", int64_t{1});
  EXPECT_TRUE(g.AddNode(fc2).ok());
  Node sm = MakeNode("softmax", OpType::kSoftmax, {"logits"}, "probs");
  sm.attrs.Set("axis", int64_t{1});
  EXPECT_TRUE(g.AddNode(sm).ok());
  EXPECT_TRUE(g.AddOutput("probs").ok());
  return g;
}

TEST(FloatExecutor, BatchedRunEqualsPerImageRuns) {
  // Every output element is computed in the same order whatever the batch,
  // so batching must not change a single bit.
  std::mt19937 rng(2);
  Graph g = TutorialCnn(64, &rng);
  auto exec = FloatExecutor::Create(g, 5);
  ASSERT_TRUE(exec.ok()) << exec.status().message();
  auto images = RandomVector(5 * 784, &rng, 0.0f, 1.0f);
  ASSERT_TRUE(exec->Run({{"input", images.data()}}, 5).ok());
  EXPECT_EQ(*exec->OutputShape("probs"), (Shape{5, 10}));
  const std::vector<float> batched = *exec->CopyOutput("probs");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(exec->Run({{"input", images.data() + i * 784}}, 1).ok());
    const std::vector<float> single = *exec->CopyOutput("probs");
    for (int j = 0; j < 10; ++j) EXPECT_EQ(single[j], batched[i * 10 + j]) << i << "," << j;
  }
}

TEST(FloatExecutor, ObserverSeesEveryNodeOutputInOrder) {
  std::mt19937 rng(3);
  Graph g = TutorialCnn(16, &rng);
  auto exec = FloatExecutor::Create(g, 4);
  ASSERT_TRUE(exec.ok());
  auto images = RandomVector(3 * 784, &rng, 0.0f, 1.0f);
  std::vector<std::string> seen;
  std::vector<Shape> shapes;
  FunctionObserver observer([&](const Node& node, const std::string& name, const float* data,
                                const Shape& shape) {
    EXPECT_EQ(node.outputs[0], name);
    EXPECT_NE(data, nullptr);
    seen.push_back(name);
    shapes.push_back(shape);
  });
  ASSERT_TRUE(exec->Run({{"input", images.data()}}, 3, &observer).ok());
  ASSERT_EQ(seen.size(), g.nodes().size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], g.nodes()[i].outputs[0]);
    EXPECT_EQ(shapes[i], *g.ShapeOf(seen[i], 3));
  }
  EXPECT_EQ(shapes.front(), (Shape{3, 28, 28, 28}));
  EXPECT_EQ(shapes.back(), (Shape{3, 10}));
}

TEST(FloatExecutor, RunSubsetFromIntermediateTensor) {
  std::mt19937 rng(4);
  Graph g = TutorialCnn(16, &rng);
  auto exec = FloatExecutor::Create(g, 2);
  ASSERT_TRUE(exec.ok());
  auto images = RandomVector(2 * 784, &rng, 0.0f, 1.0f);
  ASSERT_TRUE(exec->Run({{"input", images.data()}}, 2).ok());
  const std::vector<float> flat = *exec->CopyOutput("flat");
  const std::vector<float> probs = *exec->CopyOutput("probs");

  // Feed "flat" and ask for the logits and the probabilities.
  int calls = 0;
  FunctionObserver count([&](const Node&, const std::string&, const float*, const Shape&) { ++calls; });
  auto out = exec->RunSubset({{"flat", flat.data()}}, {"probs", "relu3"}, 2, &count);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(calls, 4);  // fc1, relu3, fc2, softmax only
  EXPECT_EQ(out->at("probs"), probs);
  EXPECT_EQ(out->at("relu3").size(), 2u * 16);
  EXPECT_EQ(exec->Output("conv1"), nullptr);  // not computed by this run

  auto missing = exec->RunSubset({{"flat", flat.data()}}, {"conv2"}, 2);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("'input'"), std::string::npos) << missing.status().message();
}

TEST(FloatExecutor, InputErrors) {
  std::mt19937 rng(5);
  Graph g = TutorialCnn(16, &rng);
  auto exec = FloatExecutor::Create(g, 2);
  ASSERT_TRUE(exec.ok());
  auto images = RandomVector(2 * 784, &rng);
  EXPECT_EQ(exec->Run({}, 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(exec->Run({{"input", images.data()}}, 3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(exec->Run({{"input", images.data()}}, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(exec->Run({{"input", images.data()}, {"typo", images.data()}}, 1).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(exec->Run({{"input", nullptr}}, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(FloatExecutor::Create(g, 0).ok());
}

TEST(FloatExecutor, StaticBatchGraph) {
  Graph g("static");
  ASSERT_TRUE(g.AddInput("x", {1, 4}).ok());
  ASSERT_TRUE(g.AddNode(MakeNode("r", OpType::kRelu, {"x"}, "y")).ok());
  ASSERT_TRUE(g.AddOutput("y").ok());
  auto exec = FloatExecutor::Create(g, 8);
  ASSERT_TRUE(exec.ok());
  std::vector<float> x = {-1, 2, -3, 4, 5, -6, 7, -8};
  Status s = exec->Run({{"x", x.data()}}, 2);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no dynamic batch"), std::string::npos) << s.message();

  ASSERT_TRUE(g.MakeBatchDynamic().ok());
  exec = FloatExecutor::Create(g, 8);
  ASSERT_TRUE(exec.ok());
  ASSERT_TRUE(exec->Run({{"x", x.data()}}, 2).ok());
  EXPECT_EQ(*exec->CopyOutput("y"), (std::vector<float>{0, 2, 0, 4, 5, 0, 7, 0}));

  // A Reshape to a fixed batch of 1 cannot become dynamic.
  Graph fixed("fixed");
  ASSERT_TRUE(fixed.AddInput("x", {1, 2, 2}).ok());
  Node r = MakeNode("reshape", OpType::kReshape, {"x"}, "y");
  r.attrs.Set("shape", std::vector<int64_t>{1, 4});
  ASSERT_TRUE(fixed.AddNode(r).ok());
  EXPECT_FALSE(fixed.MakeBatchDynamic().ok());
  EXPECT_FALSE(fixed.has_dynamic_batch());
}

TEST(FloatExecutor, OutputsThatAreConstantsOrInputs) {
  Graph g("aliases");
  ASSERT_TRUE(g.AddInput("x", {2}).ok());
  ASSERT_TRUE(g.AddConstant(Constant("c", {2}, {1.5f, -2.5f})).ok());
  ASSERT_TRUE(g.AddAlias("x_copy", "x").ok());
  ASSERT_TRUE(g.AddAlias("c_copy", "c").ok());
  ASSERT_TRUE(g.AddOutput("x_copy").ok());
  ASSERT_TRUE(g.AddOutput("c_copy").ok());
  auto exec = FloatExecutor::Create(g, 1);
  ASSERT_TRUE(exec.ok());
  std::vector<float> x = {3, 4};
  ASSERT_TRUE(exec->Run({{"x", x.data()}}, 1).ok());
  x[0] = 99;  // the executor copied its input
  EXPECT_EQ(*exec->CopyOutput("x_copy"), (std::vector<float>{3, 4}));
  EXPECT_EQ(*exec->CopyOutput("c_copy"), (std::vector<float>{1.5f, -2.5f}));
}

// Calibration pushes 3,200 images through the tutorial CNN at batch 32: it
// must take seconds. Prints images/s for docs/onnx.md, without an observer
// (the executor alone) and with a min/max observer over every activation
// (what calibration adds on top).
TEST(FloatExecutor, TutorialCnnSpeed) {
  std::mt19937 rng(6);
  Graph g = TutorialCnn(512, &rng);
  constexpr int64_t kBatch = 32, kImages = 3200;
  auto exec = FloatExecutor::Create(g, kBatch);
  ASSERT_TRUE(exec.ok());
  auto images = RandomVector(kBatch * 784, &rng, 0.0f, 1.0f);
  ASSERT_TRUE(exec->Run({{"input", images.data()}}, kBatch).ok());  // warm-up
  double checksum = 0;
  FunctionObserver min_max([&](const Node&, const std::string&, const float* d, const Shape& s) {
    float lo = d[0], hi = d[0];
    for (int64_t i = 0; i < NumElements(s); ++i) {
      lo = std::min(lo, d[i]);
      hi = std::max(hi, d[i]);
    }
    checksum += hi - lo;
  });
  // Thread CPU time as well as wall time: the build machines are shared, and
  // CPU time is what the executor itself costs.
  auto cpu_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  };
  for (Observer* observer : {static_cast<Observer*>(nullptr), static_cast<Observer*>(&min_max)}) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    for (int64_t done = 0; done < kImages; done += kBatch) {
      ASSERT_TRUE(exec->Run({{"input", images.data()}}, kBatch, observer).ok());
    }
    const double cpu = cpu_seconds() - cpu_start;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("tutorial CNN (dense 512), batch %ld, 1 thread, gemm %s, %s: %ld images in %.2f s "
                "wall (%.0f images/s), %.2f s CPU (%.0f images per CPU second)\n",
                static_cast<long>(kBatch), kernels::GemmIsa(),
                observer ? "min/max observer" : "no observer", static_cast<long>(kImages), seconds,
                kImages / seconds, cpu, kImages / cpu);
    EXPECT_LT(seconds, 60.0) << "calibration of 3,200 images must take seconds, not minutes";
  }
  EXPECT_GT(checksum, 0);
}

}  // namespace
}  // namespace signdpu::graph
