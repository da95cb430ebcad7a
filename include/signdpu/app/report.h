// Classification statistics and throughput: per-frame records, the summary
// (accuracy, per-class precision/recall, confusion matrix, FPS end to end and
// DPU-only, latency mean/p50/p99) as text, Vitis-AI-style FPS= lines and JSON.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace signdpu::app {

struct FrameResult {
  int64_t index = 0;
  std::string id;
  int label = -1;                               // ground truth, -1 unknown
  std::vector<std::pair<int, float>> top;       // (class, probability), best first
  double latency_us = 0;                        // read -> result
};

struct Summary {
  int64_t frames = 0;
  int64_t skipped = 0;
  int64_t labelled = 0;
  int64_t correct = 0;
  double seconds_e2e = 0;
  double fps_e2e = 0;
  double fps_dpu = 0;
  double latency_mean_us = 0, latency_p50_us = 0, latency_p99_us = 0;
  int classes = 0;
  std::vector<std::string> labels;
  std::vector<std::vector<int64_t>> confusion;  // [truth][predicted]
  std::string mode;
  std::string source;
  int threads = 0;
  int batch = 0;
  bool interrupted = false;
  double accuracy() const { return labelled ? static_cast<double>(correct) / labelled : -1.0; }
};

class StatsCollector {
 public:
  StatsCollector(int classes, std::vector<std::string> labels);
  void Add(const FrameResult& r);
  // dpu_seconds: per worker, the time inside execute_async..wait and the frames it ran.
  Summary Finish(double seconds_e2e, const std::vector<std::pair<double, int64_t>>& dpu_time_frames);

 private:
  int classes_;
  std::vector<std::string> labels_;
  // Latency histogram with constant memory (a service runs for weeks):
  // 8 buckets per power of two from 1 us, so percentiles are within 9 %.
  static constexpr int kBucketsPerOctave = 8;
  static constexpr int kBuckets = 40 * kBucketsPerOctave;
  std::vector<int64_t> latency_hist_ = std::vector<int64_t>(kBuckets, 0);
  double latency_sum_us_ = 0;
  double latency_max_us_ = 0;
  std::vector<std::vector<int64_t>> confusion_;
  int64_t frames_ = 0, labelled_ = 0, correct_ = 0;
};

std::string LabelName(const std::vector<std::string>& labels, int index);
std::string FrameText(const FrameResult& r, const std::vector<std::string>& labels);
std::string FrameJson(const FrameResult& r, const std::vector<std::string>& labels);
std::string SummaryText(const Summary& s);
std::string SummaryJson(const Summary& s);

}  // namespace signdpu::app
