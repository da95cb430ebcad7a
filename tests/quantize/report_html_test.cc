// report.html: the page's structure (every section present and filled, no
// scripts or external references, names escaped) and the data behind it on
// the bundled model (numbers that must agree with the quantiser's own).
#include "signdpu/quantize/report_html.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "signdpu/graph/onnx_import.h"

namespace signdpu::quantize {
namespace {

const std::string kSrc = SIGNDPU_SOURCE_DIR;

std::string Section(const std::string& html, const std::string& id) {
  const size_t a = html.find("<section id='" + id + "'>");
  if (a == std::string::npos) return "";
  const size_t b = html.find("</section>", a);
  return b == std::string::npos ? "" : html.substr(a, b - a);
}

void ExpectSelfContained(const std::string& html) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src='http"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  // Every img is an inline PNG.
  std::regex img("<img [^>]*src='([^']*)'");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator(); ++it)
    EXPECT_EQ((*it)[1].str().rfind("data:image/png;base64,", 0), 0u) << (*it)[1].str().substr(0, 40);
}

TEST(ReportHtmlTest, HandBuiltDataRendersEverySectionEscaped) {
  QuantizeResult r;
  r.fix.name = "m<1>";
  r.calib_images = 1;
  r.eval_images = 3;
  r.float_accuracy = 1.0, r.int8_accuracy = 2.0 / 3, r.top1_agreement = 2.0 / 3;
  LayerReport l;
  l.name = "conv<&>";
  l.op = "conv2d-fix";
  l.output_sqnr_db = 31.5;
  r.layers = {l};
  ReportData d;
  d.histogram_images = 1;
  ActivationHistogram h;
  h.tensor = "act\"x";
  h.fix_point = 5, h.range_lo = -4, h.range_hi = 127.0 / 32, h.bin_lo = -4, h.bin_hi = 6;
  h.counts = {1, 0, 7, 100};
  h.total = 108, h.clipped = 54;
  d.histograms = {h};
  WeightDistribution w;
  w.layer = "conv<&>";
  w.ch_min = {-1, -0.5f}, w.ch_max = {1, 0.25f}, w.ch_absmean = {0.3f, 0.1f};
  w.group_ends = {1, 2};
  w.group_fix_points = {6, 8};
  d.weights = {w};
  d.classes = 2;
  d.eval_images = 3;
  d.confusion_float = {{2, 0}, {0, 1}};
  d.confusion_int8 = {{1, 1}, {0, 1}};
  d.changed_total = 1;
  d.changed = {{17, 0, 0, 1, 2, 2, {0, 255, 128, 7}}};
  d.sensitivity_images = 3;
  d.sensitivity_float_accuracy = 1.0;
  d.sensitivity = {{"input", "quantise input", 1.0}, {"conv<&>", "conv2d-fix", 2.0 / 3}};
  d.fill_target = "DPUCZDX8G_ISA1_B4096";
  d.fill = {{"conv<&>", "conv", 100, 0.5, 1, 1, 0.5, "pixel 8 x in 16 x out 16"}};
  QuantizeOptions o;
  const std::string html = RenderReportHtml(r, d, "model.onnx", o, {"shirt", "bag<"});
  ExpectSelfContained(html);
  for (const char* id : {"summary", "sqnr", "histograms", "weights", "accuracy", "changed", "sensitivity", "fill"}) {
    const std::string s = Section(html, id);
    EXPECT_FALSE(s.empty()) << id;
    EXPECT_EQ(s.find("Needs --eval"), std::string::npos) << id;
  }
  for (const char* id : {"sqnr", "histograms", "weights", "accuracy", "sensitivity", "fill"})
    EXPECT_NE(Section(html, id).find("<svg"), std::string::npos) << id;
  EXPECT_NE(Section(html, "changed").find("<img "), std::string::npos);
  EXPECT_NE(Section(html, "histograms").find("clipped 50 % (54 of 108)"), std::string::npos);
  EXPECT_NE(Section(html, "weights").find("2 weight groups, fix points 6 8"), std::string::npos);
  EXPECT_NE(Section(html, "fill").find("Estimate"), std::string::npos);
  // Names from the model are escaped, never markup.
  EXPECT_EQ(html.find("conv<&>"), std::string::npos);
  EXPECT_NE(html.find("conv&lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(html.find("bag&lt;"), std::string::npos);
  EXPECT_EQ(html.find("act\"x"), std::string::npos);
  // Singular and plural.
  EXPECT_NE(html.find("1 DPU layer,"), std::string::npos);
  EXPECT_NE(html.find("1 calibration image ("), std::string::npos);
  EXPECT_NE(html.find("1 image change class"), std::string::npos);
}

TEST(ReportTextTest, OneImageAndOneLayerAreSingular) {
  QuantizeResult r;
  r.fix.name = "m";
  r.layers.resize(1);
  r.calib_images = 1;
  r.eval_images = 1;
  r.float_accuracy = r.int8_accuracy = r.top1_agreement = 1;
  const std::string t = ReportText(r);
  EXPECT_NE(t.find("m: 1 DPU layer,"), std::string::npos) << t;
  EXPECT_NE(t.find("calibration: 1 image in"), std::string::npos) << t;
  EXPECT_NE(t.find("accuracy on 1 image:"), std::string::npos) << t;
  r.layers.resize(2);
  r.calib_images = 2;
  r.eval_images = 2;
  const std::string t2 = ReportText(r);
  EXPECT_NE(t2.find("m: 2 DPU layers,"), std::string::npos) << t2;
  EXPECT_NE(t2.find("calibration: 2 images in"), std::string::npos) << t2;
  EXPECT_NE(t2.find("accuracy on 2 images:"), std::string::npos) << t2;
}

TEST(ReportHtmlTest, WithoutEvalTheAccuracySectionsSaySo) {
  QuantizeResult r;
  r.fix.name = "m";
  ReportData d;
  const std::string html = RenderReportHtml(r, d, "m.onnx", QuantizeOptions{}, {});
  for (const char* id : {"sqnr", "accuracy", "changed", "sensitivity"})
    EXPECT_NE(Section(html, id).find("Needs --eval"), std::string::npos) << id;
}

TEST(ReportHtmlTest, PngDataUriIsAValidGrayscalePng) {
  const std::string uri = GrayPngDataUri({0, 64, 128, 255, 1, 2}, 3, 2);
  ASSERT_EQ(uri.rfind("data:image/png;base64,", 0), 0u);
  // base64 of "\x89PNG\r\n\x1a\n" + IHDR length starts with iVBORw0KGgo.
  EXPECT_EQ(uri.substr(22, 11), "iVBORw0KGgo");
}

TEST(ReportHtmlTest, BundledModelDataAgreesWithTheQuantiser) {
  auto g = graph::ImportOnnxFile(kSrc + "/models/signcnn_fashion.onnx");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  QuantizeOptions o;
  o.calib_csv = kSrc + "/tests/data/fashion_sample.csv";
  o.calib_iter = 2;
  o.calib_batch_size = 32;
  o.tune_images = 0;
  o.eval_csv = o.calib_csv;
  o.threads = 1;
  auto r = Quantize(*g, "signcnn_fashion", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ReportDataOptions ro;
  ro.histogram_images = 64;
  ro.sensitivity_images = 100;
  auto d = CollectReportData(*g, *r, o, ro);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->histogram_images, 64);
  EXPECT_EQ(d->histograms.size(), r->dpu_float.tensors.size());
  for (const auto& h : d->histograms) {
    int64_t sum = 0;
    for (int64_t c : h.counts) sum += c;
    EXPECT_EQ(sum, h.total) << h.tensor;
    EXPECT_GT(h.total, 0) << h.tensor;
    EXPECT_LE(h.clipped, h.total) << h.tensor;
    EXPECT_LE(h.bin_lo, h.min);
    EXPECT_GE(h.bin_hi, h.max);
  }
  // The confusion matrices reproduce the quantiser's accuracies and agreement.
  ASSERT_EQ(d->eval_images, r->eval_images);
  int64_t fok = 0, iok = 0, n = 0;
  for (int c = 0; c < d->classes; ++c) {
    fok += d->confusion_float[c][c];
    iok += d->confusion_int8[c][c];
    for (int64_t v : d->confusion_int8[c]) n += v;
  }
  EXPECT_EQ(n, r->eval_images);
  EXPECT_NEAR(static_cast<double>(fok) / n, r->float_accuracy, 1e-12);
  EXPECT_NEAR(static_cast<double>(iok) / n, r->int8_accuracy, 1e-12);
  EXPECT_NEAR(1.0 - static_cast<double>(d->changed_total) / n, r->top1_agreement, 1e-12);
  for (const auto& c : d->changed) EXPECT_NE(c.float_pred, c.int8_pred);
  // Sensitivity: the input row and one per layer with values; each is an
  // accuracy, and quantising a single layer stays close to float on this model.
  ASSERT_GE(d->sensitivity.size(), 3u);
  EXPECT_EQ(d->sensitivity[0].layer, "input");
  EXPECT_EQ(d->sensitivity_images, 100);
  for (const auto& s : d->sensitivity) {
    EXPECT_GE(s.accuracy, d->sensitivity_float_accuracy - 0.10) << s.layer;
    EXPECT_LE(s.accuracy, 1.0) << s.layer;
  }
  // Weights: one distribution per conv, one fix point per weight group.
  ASSERT_FALSE(d->weights.empty());
  for (const auto& w : d->weights) {
    EXPECT_EQ(w.group_fix_points.size(), w.group_ends.size()) << w.layer;
    ASSERT_FALSE(w.group_ends.empty());
    EXPECT_EQ(static_cast<size_t>(w.group_ends.back()), w.ch_min.size()) << w.layer;
  }
  // Fill: the B4096's conv engine is 8 pixels x 16 x 16 channels
  // (libtarget-factory's DPUCZDX8G_ISA1_B4096 description).
  ASSERT_FALSE(d->fill.empty()) << d->fill_note;
  bool conv = false;
  for (const auto& f : d->fill) {
    EXPECT_GT(f.fill, 0.0);
    EXPECT_LE(f.fill, 1.0);
    if (f.engine == "conv") {
      conv = true;
      EXPECT_EQ(f.parallelism, "pixel 8 x in 16 x out 16");
    }
  }
  EXPECT_TRUE(conv);
  const std::string html = RenderReportHtml(*r, *d, "signcnn_fashion.onnx", o, {});
  ExpectSelfContained(html);
  for (const char* id : {"summary", "sqnr", "histograms", "weights", "accuracy", "changed", "sensitivity", "fill"})
    EXPECT_FALSE(Section(html, id).empty()) << id;
}

TEST(ReportHtmlTest, MissingCalibrationFileIsAnErrorNotACrash) {
  auto g = graph::ImportOnnxFile(kSrc + "/models/signcnn_fashion.onnx");
  ASSERT_TRUE(g.ok());
  QuantizeOptions o;
  o.calib_csv = kSrc + "/tests/data/fashion_sample.csv";
  o.calib_iter = 1;
  o.tune_images = 0;
  auto r = Quantize(*g, "m", o);
  ASSERT_TRUE(r.ok());
  o.calib_csv = "/nonexistent/calib.csv";
  auto d = CollectReportData(*g, *r, o);
  EXPECT_FALSE(d.ok());
}

}  // namespace
}  // namespace signdpu::quantize
