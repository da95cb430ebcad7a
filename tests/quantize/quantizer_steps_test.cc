// The steps of Quantize (quantizer_steps.h) one by one, on a small graph
// built in memory: input [N,1,4,4] -> Conv 1x1 (2 channels) + Relu ->
// Flatten -> Gemm 32x3 -> logits.
#include "signdpu/quantize/quantizer_steps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "signdpu/quantize/lower.h"
#include "signdpu/quantize/quantize_graph.h"
#include "graph_builders.h"

namespace signdpu::quantize {
namespace {

using ::signdpu::quantize::test_graphs::AddConst;
using ::signdpu::quantize::test_graphs::AddNode;

using graph::Graph;
using graph::Node;
using graph::OpType;

Graph SmallClassifier(int64_t channels = 1) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.0f, 0.5f);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
  };
  Graph g("small");
  EXPECT_TRUE(g.AddInput("x", {graph::kDynamicDim, channels, 4, 4}).ok());
  AddConst(g, "w", {2, channels, 1, 1}, random(static_cast<size_t>(2 * channels)));
  AddConst(g, "b", {2}, random(2));
  graph::Attributes conv;
  conv.Set("kernel_shape", std::vector<int64_t>{1, 1});
  conv.Set("strides", std::vector<int64_t>{1, 1});
  conv.Set("pads", std::vector<int64_t>{0, 0, 0, 0});
  conv.Set("dilations", std::vector<int64_t>{1, 1});
  conv.Set("group", int64_t{1});
  AddNode(g, "conv", OpType::kConv, {"x", "w", "b"}, "c", conv);
  AddNode(g, "relu", OpType::kRelu, {"c"}, "r");
  graph::Attributes flat;
  flat.Set("axis", int64_t{1});
  AddNode(g, "flatten", OpType::kFlatten, {"r"}, "f", flat);
  AddConst(g, "fc_w", {32, 3}, random(96));
  AddConst(g, "fc_b", {3}, random(3));
  AddNode(g, "fc", OpType::kGemm, {"f", "fc_w", "fc_b"}, "logits");
  EXPECT_TRUE(g.AddOutput("logits").ok());
  return g;
}

std::vector<io::CsvFrame> RandomFrames(size_t count, size_t pixels) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> p(0, 255), label(0, 2);
  std::vector<io::CsvFrame> frames(count);
  for (size_t i = 0; i < count; ++i) {
    frames[i].label = label(rng);
    frames[i].line = static_cast<int64_t>(i + 2);
    for (size_t k = 0; k < pixels; ++k) frames[i].pixels.push_back(static_cast<uint8_t>(p(rng)));
  }
  return frames;
}

QuantizeOptions SmallOptions(int threads) {
  QuantizeOptions o;
  o.calib_batch_size = 4;
  o.threads = threads;
  o.tune_images = 5;
  return o;
}

TEST(QuantizerSteps, CsvInputForGivesTheRowGeometry) {
  auto dg = LowerToDpu(SmallClassifier(), "small");
  ASSERT_TRUE(dg.ok()) << dg.status().message();
  auto in = CsvInputFor(*dg, "small");
  ASSERT_TRUE(in.ok()) << in.status().message();
  EXPECT_EQ(in->shape, (Shape{1, 4, 4, 1}));
  EXPECT_EQ(in->image_size, 16);
  EXPECT_EQ(in->csv.pixels, 16);
  EXPECT_TRUE(in->csv.require_regular_file);
  EXPECT_EQ(in->max_rows, (int64_t{1} << 30) / 16);
}

TEST(QuantizerSteps, CsvInputForRefusesColourInputs) {
  auto dg = LowerToDpu(SmallClassifier(/*channels=*/3), "rgb");
  ASSERT_TRUE(dg.ok()) << dg.status().message();
  auto in = CsvInputFor(*dg, "rgb");
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.status().message().find("model input has 3 channels"), std::string::npos) << in.status().message();
}

TEST(QuantizerSteps, KlDivergenceIsZeroForEqualLogitsAndMatchesTheFormula) {
  const float same[3] = {1.0f, 0.5f, -0.25f};
  const int8_t q_same[3] = {4, 2, -1};  // x 0.25
  double sum = 0;
  AddKlDivergence(same, q_same, 3, 0.25, &sum);
  EXPECT_NEAR(sum, 0.0, 1e-12);

  // p = softmax(0, 0) = (1/2, 1/2); q = softmax(2 * 0.5, 0) = (e/(e+1), 1/(e+1)).
  const float f[2] = {0.0f, 0.0f};
  const int8_t q[2] = {2, 0};
  const double e = std::exp(1.0);
  const double want = 0.5 * std::log(0.5 / (e / (e + 1))) + 0.5 * std::log(0.5 / (1 / (e + 1)));
  sum = 1.0;  // adds to what is there
  AddKlDivergence(f, q, 2, 0.5, &sum);
  EXPECT_NEAR(sum, 1.0 + want, 1e-12);
}

TEST(QuantizerSteps, CalibrateKeepsFloatLogitsAndVotesTheSameOnOneOrTwoThreads) {
  const Graph g = SmallClassifier();
  auto dg = LowerToDpu(g, "small");
  ASSERT_TRUE(dg.ok());
  auto in = CsvInputFor(*dg, "small");
  ASSERT_TRUE(in.ok());
  const auto frames = RandomFrames(10, 16);
  std::vector<int> fps[2];
  for (int threads : {1, 2}) {
    auto fx = graph::FloatExecutor::Create(g, 4);
    ASSERT_TRUE(fx.ok());
    auto cal = Calibrate(g, *dg, frames, *in, SmallOptions(threads), &*fx, nullptr);
    ASSERT_TRUE(cal.ok()) << cal.status().message();
    ASSERT_EQ(cal->tune_n, 5);
    ASSERT_EQ(cal->ref_logits.size(), 15u);
    // The kept logits are the float graph's own, image by image.
    auto one = graph::FloatExecutor::Create(g, 1);
    ASSERT_TRUE(one.ok());
    for (int i = 0; i < 5; ++i) {
      std::vector<float> x(16);
      for (int k = 0; k < 16; ++k) x[k] = frames[i].pixels[k] / 255.0f;
      ASSERT_TRUE(one->Run({{"x", x.data()}}, 1).ok());
      const float* out = one->Output("logits");
      for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(cal->ref_logits[i * 3 + c], out[c]) << i << "," << c;
    }
    auto f = FixPointsFrom(*dg, cal->observers);
    ASSERT_TRUE(f.ok()) << f.status().message();
    fps[threads - 1] = *f;
  }
  EXPECT_EQ(fps[0], fps[1]);
}

TEST(QuantizerSteps, FixPointsFromNamesATensorCalibrationNeverSaw) {
  auto dg = LowerToDpu(SmallClassifier(), "small");
  ASSERT_TRUE(dg.ok());
  std::vector<ActivationObserver> none(dg->tensors.size());
  auto f = FixPointsFrom(*dg, none);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("calibration never saw tensor " + dg->tensors[0].name), std::string::npos)
      << f.status().message();
}

TEST(QuantizerSteps, RefinementNeverScoresWorseAndSaysWhatItDid) {
  const Graph g = SmallClassifier();
  auto dg = LowerToDpu(g, "small");
  ASSERT_TRUE(dg.ok());
  auto in = CsvInputFor(*dg, "small");
  ASSERT_TRUE(in.ok());
  const auto frames = RandomFrames(12, 16);
  auto fx = graph::FloatExecutor::Create(g, 4);
  ASSERT_TRUE(fx.ok());
  auto cal = Calibrate(g, *dg, frames, *in, SmallOptions(1), &*fx, nullptr);
  ASSERT_TRUE(cal.ok());
  auto fps = FixPointsFrom(*dg, cal->observers);
  ASSERT_TRUE(fps.ok());
  QuantizeResult r;
  auto fix = QuantizeGraph(*dg, *fps, &r.layers, &cal->channel_means);
  ASSERT_TRUE(fix.ok()) << fix.status().message();
  r.fix = *fix;
  TuneSet tune;
  tune.frames = &frames;
  tune.count = cal->tune_n;
  tune.ref_logits = &cal->ref_logits;
  tune.classes = 3;
  tune.image_size = 16;
  tune.height = tune.width = 4;
  auto before = ScoreFixGraph(r.fix, tune);
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_GE(*before, -1e-9);  // a KL divergence
  std::vector<int> refined = *fps;
  ASSERT_TRUE(RefineFixPoints(*dg, tune, &cal->channel_means, nullptr, nullptr, &refined, &r).ok());
  auto after = ScoreFixGraph(r.fix, tune);
  ASSERT_TRUE(after.ok());
  EXPECT_LE(*after, *before);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].rfind("fix-point refinement on 5 calibration images: ", 0), 0u) << r.notes[0];
  EXPECT_NE(r.notes[0].find("KL(float || int8) per image"), std::string::npos) << r.notes[0];
}

TEST(QuantizerSteps, EvaluationPredictsLikeTheGraphsAndLayerSqnrAddsThreads) {
  const Graph g = SmallClassifier();
  auto dg = LowerToDpu(g, "small");
  ASSERT_TRUE(dg.ok());
  auto in = CsvInputFor(*dg, "small");
  ASSERT_TRUE(in.ok());
  const auto frames = RandomFrames(9, 16);
  auto fx = graph::FloatExecutor::Create(g, 4);
  ASSERT_TRUE(fx.ok());
  auto cal = Calibrate(g, *dg, frames, *in, SmallOptions(1), &*fx, nullptr);
  ASSERT_TRUE(cal.ok());
  auto fps = FixPointsFrom(*dg, cal->observers);
  ASSERT_TRUE(fps.ok());
  std::vector<LayerReport> layers;
  auto fix = QuantizeGraph(*dg, *fps, &layers);
  ASSERT_TRUE(fix.ok());

  auto fe = EvaluateFloat(*dg, frames, *in, /*sqnr_images=*/4, &*fx, "eval.csv", nullptr);
  ASSERT_TRUE(fe.ok()) << fe.status().message();
  ASSERT_EQ(fe->predictions.size(), frames.size());
  auto one = graph::FloatExecutor::Create(g, 1);
  ASSERT_TRUE(one.ok());
  for (size_t i = 0; i < frames.size(); ++i) {
    std::vector<float> x(16);
    for (int k = 0; k < 16; ++k) x[k] = frames[i].pixels[k] / 255.0f;
    ASSERT_TRUE(one->Run({{"x", x.data()}}, 1).ok());
    const float* out = one->Output("logits");
    const int best = static_cast<int>(std::max_element(out, out + 3) - out);
    EXPECT_EQ(fe->predictions[i], best) << i;
  }
  // The input's activations: 4 images of 16 pixels / 255.
  EXPECT_EQ(fe->activations[dg->input].size(), 4u * 16u);

  auto one_thread = EvaluateInt8(*dg, *fix, frames, *in, *fe, 4, 1, nullptr);
  auto two_threads = EvaluateInt8(*dg, *fix, frames, *in, *fe, 4, 2, nullptr);
  ASSERT_TRUE(one_thread.ok() && two_threads.ok());
  EXPECT_EQ(one_thread->predictions, two_threads->predictions);
  std::vector<LayerReport> a = layers, b = layers;
  LayerSqnrDb(*dg, *fix, *one_thread, &a);
  LayerSqnrDb(*dg, *fix, *two_threads, &b);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i].output_sqnr_db, b[i].output_sqnr_db, 1e-9) << a[i].name;

  // Signal 100, noise 1 per tensor: 20 dB; split over two threads, the same.
  Int8Eval crafted;
  crafted.signal.assign(2, std::vector<std::vector<double>>(fix->tensors.size(), std::vector<double>{50.0}));
  crafted.noise.assign(2, std::vector<std::vector<double>>(fix->tensors.size(), std::vector<double>{0.5}));
  LayerSqnrDb(*dg, *fix, crafted, &a);
  for (const LayerReport& l : a) EXPECT_NEAR(l.output_sqnr_db, 20.0, 1e-9) << l.name;
}

TEST(QuantizerReport, TextKeepsLongFieldsWholeExceptTheLayerColumn) {
  QuantizeResult r;
  r.fix.name = "m";
  LayerReport l;
  l.name = std::string(40, 'n');  // the layer column is 22 wide by design
  l.op = "op_" + std::string(600, 'x');  // longer than the old 512-byte line buffer
  r.layers.push_back(l);
  r.eval_images = 1;
  r.float_accuracy = r.int8_accuracy = r.top1_agreement = 1.0;
  const std::string text = ReportText(r);
  EXPECT_NE(text.find(l.op + "    0    -    -    0     -      -  "), std::string::npos) << text;
  EXPECT_NE(text.find("  " + std::string(22, 'n') + " op_"), std::string::npos) << text;
  EXPECT_EQ(text.find(std::string(23, 'n')), std::string::npos) << text;
  EXPECT_NE(text.find("accuracy on 1 image: float 1.0000, int8 1.0000 (+0.00 points), top-1 agreement 1.0000\n"),
            std::string::npos) << text;
}

}  // namespace
}  // namespace signdpu::quantize
