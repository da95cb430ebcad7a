#include "signdpu/app/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "signdpu/core/json_text.h"
#include "signdpu/core/str_format.h"

namespace signdpu::app {

StatsCollector::StatsCollector(int classes, std::vector<std::string> labels)
    : classes_(classes), labels_(std::move(labels)),
      confusion_(static_cast<size_t>(classes), std::vector<int64_t>(static_cast<size_t>(classes), 0)) {}

void StatsCollector::Add(const FrameResult& r) {
  ++frames_;
  const double us = std::max(1.0, r.latency_us);
  const int b = std::min(kBuckets - 1, static_cast<int>(std::log2(us) * kBucketsPerOctave));
  ++latency_hist_[static_cast<size_t>(b)];
  latency_sum_us_ += r.latency_us;
  latency_max_us_ = std::max(latency_max_us_, r.latency_us);
  if (r.label >= 0 && !r.top.empty()) {
    ++labelled_;
    const int pred = r.top[0].first;
    correct_ += pred == r.label;
    if (r.label < classes_ && pred < classes_) ++confusion_[r.label][pred];
  }
}

Summary StatsCollector::Finish(double seconds_e2e, const std::vector<std::pair<double, int64_t>>& dpu) {
  Summary s;
  s.frames = frames_;
  s.labelled = labelled_;
  s.correct = correct_;
  s.seconds_e2e = seconds_e2e;
  s.fps_e2e = seconds_e2e > 0 ? frames_ / seconds_e2e : 0;
  // Runners work concurrently: their throughputs add up.
  for (const auto& [secs, n] : dpu)
    if (secs > 0) s.fps_dpu += n / secs;
  if (frames_ > 0) {
    s.latency_mean_us = latency_sum_us_ / frames_;
    // The percentile's bucket, reported at its geometric centre (capped by the maximum seen).
    auto pct = [&](double p) {
      const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(p * frames_)));
      int64_t seen = 0;
      for (int b = 0; b < kBuckets; ++b) {
        seen += latency_hist_[static_cast<size_t>(b)];
        if (seen >= rank) return std::min(latency_max_us_, std::exp2((b + 0.5) / kBucketsPerOctave));
      }
      return latency_max_us_;
    };
    s.latency_p50_us = pct(0.50);
    s.latency_p99_us = pct(0.99);
  }
  s.classes = classes_;
  s.labels = labels_;
  s.confusion = confusion_;
  return s;
}

std::string LabelName(const std::vector<std::string>& labels, int index) {
  if (index >= 0 && index < static_cast<int>(labels.size())) return labels[index];
  return std::to_string(index);
}

// Text output: ids (file names) and class names are untrusted bytes; they
// are printed through PrintableText so that none can end a line early or
// forge one (an `FPS=` line a script greps).
namespace {
std::string TextLabel(const std::vector<std::string>& labels, int index) {
  return PrintableText(LabelName(labels, index));
}
}  // namespace

std::string FrameText(const FrameResult& r, const std::vector<std::string>& labels) {
  std::ostringstream s;
  s << PrintableText(r.id) << ": ";
  for (size_t i = 0; i < r.top.size(); ++i) {
    s << (i ? ", " : "") << TextLabel(labels, r.top[i].first) << " " << StrFormat("%.3f", r.top[i].second);
  }
  if (r.label >= 0) s << "  (truth " << TextLabel(labels, r.label) << (r.top.size() && r.top[0].first == r.label ? ", ok)" : ", WRONG)");
  return s.str();
}

std::string FrameJson(const FrameResult& r, const std::vector<std::string>& labels) {
  nlohmann::ordered_json j;
  j["frame"] = r.index;
  j["id"] = r.id;
  if (!r.top.empty()) {
    j["class"] = r.top[0].first;
    j["label"] = LabelName(labels, r.top[0].first);
    j["probability"] = r.top[0].second;
  }
  nlohmann::ordered_json top = nlohmann::ordered_json::array();
  for (const auto& [c, p] : r.top) top.push_back({{"class", c}, {"label", LabelName(labels, c)}, {"probability", p}});
  j["top"] = top;
  if (r.label >= 0) {
    j["truth"] = r.label;
    j["correct"] = !r.top.empty() && r.top[0].first == r.label;
  }
  j["latency_us"] = r.latency_us;
  return DumpJson(j);
}

namespace {

// Class names in the per-class table and the confusion matrix rows are
// never cut: the name column is kNameColumn bytes wide, or as wide as the
// longest name printed. The matrix's column headers are the first
// kMatrixColumn bytes of each name (the rows carry the full names).
constexpr int kNameColumn = 14;
constexpr int kMatrixColumn = 5;

int NameColumnWidth(const Summary& s, const std::vector<int>& classes) {
  size_t width = kNameColumn;
  for (int c : classes) width = std::max(width, TextLabel(s.labels, c).size());
  return static_cast<int>(width);
}

// The classes that occur as truth or prediction.
std::vector<int> PresentClasses(const Summary& s) {
  std::vector<int> present;
  for (int c = 0; c < s.classes; ++c) {
    int64_t n = 0;
    for (int k = 0; k < s.classes; ++k) n += s.confusion[c][k] + s.confusion[k][c];
    if (n) present.push_back(c);
  }
  return present;
}

void PerClassText(const Summary& s, const std::vector<int>& present, std::ostringstream& o) {
  const int width = NameColumnWidth(s, present);
  o << "per class (precision / recall / support):\n";
  for (int c : present) {
    int64_t tp = s.confusion[c][c], support = 0, predicted = 0;
    for (int k = 0; k < s.classes; ++k) {
      support += s.confusion[c][k];
      predicted += s.confusion[k][c];
    }
    o << StrFormat("  %-*s %6.3f %6.3f %6lld\n", width, TextLabel(s.labels, c).c_str(),
                   predicted ? static_cast<double>(tp) / predicted : 0.0,
                   support ? static_cast<double>(tp) / support : 0.0, static_cast<long long>(support));
  }
}

void ConfusionText(const Summary& s, const std::vector<int>& present, std::ostringstream& o) {
  const int width = NameColumnWidth(s, present);
  o << "confusion matrix (rows = truth, columns = predicted; classes present only):\n";
  o << "  " << std::string(static_cast<size_t>(width), ' ');
  for (int c : present) o << StrFormat(" %*.*s", kMatrixColumn, kMatrixColumn, TextLabel(s.labels, c).c_str());
  o << "\n";
  for (int r : present) {
    o << StrFormat("  %-*s", width, TextLabel(s.labels, r).c_str());
    for (int c : present) o << StrFormat(" %*lld", kMatrixColumn, static_cast<long long>(s.confusion[r][c]));
    o << "\n";
  }
}

}  // namespace

std::string SummaryText(const Summary& s) {
  std::ostringstream o;
  o << "summary: " << CountText(s.frames, "frame") << " from " << PrintableText(s.source) << ", mode " << s.mode << ", "
    << CountText(s.threads, "thread") << ", batch " << s.batch << (s.interrupted ? " (interrupted)" : "") << "\n";
  if (s.skipped) o << "skipped bad inputs: " << s.skipped << "\n";
  if (s.labelled > 0) {
    o << StrFormat("accuracy: %.4f (%lld / %lld)\n", s.accuracy(), static_cast<long long>(s.correct),
                   static_cast<long long>(s.labelled));
    const std::vector<int> present = PresentClasses(s);
    PerClassText(s, present, o);
    ConfusionText(s, present, o);
  }
  o << StrFormat("latency_us: mean %.1f  p50 %.1f  p99 %.1f\n", s.latency_mean_us, s.latency_p50_us, s.latency_p99_us);
  o << StrFormat("throughput: %.1f frames/s end to end, %.1f frames/s DPU only (%.3f s)\n", s.fps_e2e, s.fps_dpu,
                 s.seconds_e2e);
  // Vitis AI test_performance style lines, for scripts that grep them.
  o << StrFormat("FPS=%.2f\nE2E_MEAN=%.1f\nDPU_FPS=%.2f\n", s.fps_e2e, s.latency_mean_us, s.fps_dpu);
  return o.str();
}

std::string SummaryJson(const Summary& s) {
  nlohmann::ordered_json j;
  j["frames"] = s.frames;
  j["skipped"] = s.skipped;
  j["accuracy"] = s.labelled ? nlohmann::ordered_json(s.accuracy()) : nlohmann::ordered_json(nullptr);
  j["labelled_frames"] = s.labelled;
  j["correct"] = s.correct;
  j["fps_e2e"] = s.fps_e2e;
  j["fps_dpu"] = s.fps_dpu;
  j["seconds"] = s.seconds_e2e;
  j["latency_us"] = {{"mean", s.latency_mean_us}, {"p50", s.latency_p50_us}, {"p99", s.latency_p99_us}};
  j["mode"] = s.mode;
  j["source"] = s.source;
  j["threads"] = s.threads;
  j["batch"] = s.batch;
  j["interrupted"] = s.interrupted;
  if (s.labelled) {
    nlohmann::ordered_json per = nlohmann::ordered_json::array();
    for (int c = 0; c < s.classes; ++c) {
      int64_t tp = s.confusion[c][c], support = 0, predicted = 0;
      for (int k = 0; k < s.classes; ++k) {
        support += s.confusion[c][k];
        predicted += s.confusion[k][c];
      }
      per.push_back({{"class", c},
                     {"label", LabelName(s.labels, c)},
                     {"precision", predicted ? nlohmann::ordered_json(static_cast<double>(tp) / predicted) : nlohmann::ordered_json(nullptr)},
                     {"recall", support ? nlohmann::ordered_json(static_cast<double>(tp) / support) : nlohmann::ordered_json(nullptr)},
                     {"support", support}});
    }
    j["per_class"] = per;
    j["confusion"] = s.confusion;
  }
  return DumpJson(j, 2) + "\n";
}

}  // namespace signdpu::app
