// The state behind `signdpu run --serve` (app/live_server.h): the address
// syntax, counters, the latency histogram, FPS, health and the latest frame.
#include <arpa/inet.h>

#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "signdpu/app/live_server.h"
#include "signdpu/core/json_text.h"
#include "signdpu/core/number_parse.h"

namespace signdpu::app {
namespace {

// signdpu_latency_seconds buckets: 0.5 ms (the emulator's batch on a PC) to
// 2.5 s (a board whose DPU hangs).
constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
constexpr size_t kBounds = sizeof kLatencyBounds / sizeof kLatencyBounds[0];
constexpr std::chrono::seconds kFpsWindow{1};

// Prometheus label values: backslash, double quote and newline escaped.
std::string PromLabel(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

std::string Number(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

void Metric(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string ServeAddress::Listen() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServeAddress> ParseServeAddress(const std::string& text) {
  ServeAddress a;
  a.text = text;
  std::string port = text;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
    unsigned char buf[16];
    const bool v4 = inet_pton(AF_INET, a.host.c_str(), buf) == 1;
    const bool v6 = text[0] == '[' && inet_pton(AF_INET6, a.host.c_str(), buf) == 1;
    if (!v4 && !v6)
      return InvalidArgument("--serve " + text + ": '" + a.host +
                             "' is not an IPv4 address or a bracketed IPv6 address (expected [ADDR:]PORT, e.g. 8080, "
                             "0.0.0.0:8080, [::1]:8080)");
  }
  auto p = ParseInt64(port, "--serve port", 0, 65535);
  if (!p.ok()) return InvalidArgument("--serve " + text + ": " + p.status().message() + " (expected [ADDR:]PORT)");
  a.port = static_cast<int>(*p);
  return a;
}

LiveState::LiveState(std::vector<std::string> labels, io::Roi roi)
    : labels_(std::move(labels)), roi_(roi), latency_buckets_(kBounds + 1, 0) {}

void LiveState::Add(const FrameEvent& e) {
  const auto now = Clock::now();
  {
    std::lock_guard<std::mutex> l(m_);
    ++frames_;
    errors_ = e.errors;
    if (!e.result.top.empty()) {
      const size_t c = static_cast<size_t>(e.result.top[0].first);
      if (c >= class_counts_.size()) class_counts_.resize(std::max(c + 1, labels_.size()), 0);
      ++class_counts_[c];
    }
    const double secs = e.result.latency_us / 1e6;
    size_t b = 0;
    while (b < kBounds && secs > kLatencyBounds[b]) ++b;
    ++latency_buckets_[b];
    latency_sum_ += secs;
    last_frame_ = now;
    ++window_frames_;
    if (now - window_start_ >= kFpsWindow) {
      fps_ = window_frames_ / std::chrono::duration<double>(now - window_start_).count();
      window_start_ = now;
      window_frames_ = 0;
    }
    last_ = e.result;
    if (!e.image.empty()) {
      image_ = e.image;  // a reference: nobody writes a frame's pixels after the worker
      ++image_seq_;
    }
  }
  cv_.notify_all();
}

double LiveState::FpsLocked(Clock::time_point now) const {
  if (frames_ == 0 || now - last_frame_ >= kStallAfter) return 0;
  // Before the first full window: the rate so far.
  if (fps_ == 0 && now > window_start_) return window_frames_ / std::chrono::duration<double>(now - window_start_).count();
  return fps_;
}

std::string LiveState::MetricsText() const {
  std::lock_guard<std::mutex> l(m_);
  std::string out;
  Metric(&out, "signdpu_frames_total", "counter", "Frames classified.");
  out += "signdpu_frames_total " + std::to_string(frames_) + "\n";
  Metric(&out, "signdpu_errors_total", "counter", "Frames skipped as bad input (--skip-bad).");
  out += "signdpu_errors_total " + std::to_string(errors_) + "\n";
  Metric(&out, "signdpu_fps", "gauge", "Frames classified per second over the last second (0 when stalled).");
  out += "signdpu_fps " + Number(FpsLocked(Clock::now())) + "\n";
  Metric(&out, "signdpu_latency_seconds", "histogram", "Frame latency from read to result.");
  int64_t cumulative = 0;
  for (size_t b = 0; b <= kBounds; ++b) {
    cumulative += latency_buckets_[b];
    const std::string le = b < kBounds ? Number(kLatencyBounds[b]) : "+Inf";
    out += "signdpu_latency_seconds_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "signdpu_latency_seconds_sum " + Number(latency_sum_) + "\n";
  out += "signdpu_latency_seconds_count " + std::to_string(frames_) + "\n";
  Metric(&out, "signdpu_class_total", "counter", "Frames per predicted class.");
  const size_t classes = std::max(labels_.size(), class_counts_.size());
  for (size_t c = 0; c < classes; ++c) {
    const int64_t n = c < class_counts_.size() ? class_counts_[c] : 0;
    out += "signdpu_class_total{label=\"" + PromLabel(LabelName(labels_, static_cast<int>(c))) + "\"} " +
           std::to_string(n) + "\n";
  }
  return out;
}

bool LiveState::Healthy(std::string* why) const {
  std::lock_guard<std::mutex> l(m_);
  if (frames_ == 0) {
    *why = "no frame yet";
    return false;
  }
  const double idle = std::chrono::duration<double>(Clock::now() - last_frame_).count();
  if (idle >= std::chrono::duration<double>(kStallAfter).count()) {
    *why = "stalled: no frame for " + Number(idle) + " s";
    return false;
  }
  *why = "ok: " + std::to_string(frames_) + " frames";
  return true;
}

std::string LiveState::StatusJson() const {
  std::string why;
  const bool healthy = Healthy(&why);
  std::lock_guard<std::mutex> l(m_);
  nlohmann::ordered_json j;
  j["frames"] = frames_;
  j["label"] = last_.top.empty() ? std::string() : LabelName(labels_, last_.top[0].first);
  j["probability"] = last_.top.empty() ? 0.0f : last_.top[0].second;
  j["fps"] = FpsLocked(Clock::now());
  j["errors"] = errors_;
  j["healthy"] = healthy;
  return DumpJson(j);
}

bool LiveState::Latest(cv::Mat* image, FrameOverlay* overlay, uint64_t* seq) const {
  std::lock_guard<std::mutex> l(m_);
  if (image_.empty()) return false;
  *image = image_;
  *overlay = OverlayFor(last_, labels_, image_, roi_, FpsLocked(Clock::now()));
  *seq = image_seq_;
  return true;
}

void LiveState::WaitNewer(uint64_t seq, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(m_);
  cv_.wait_for(l, timeout, [&] { return image_seq_ > seq; });
}

}  // namespace signdpu::app
