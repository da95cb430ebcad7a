// `signdpu run --serve [ADDR:]PORT`: a live view and metrics for a headless
// board, served by civetweb (Debian libcivetweb-dev; meta-networking's
// civetweb recipe on PetaLinux: docs/deployment.md "Live view and metrics").
//
//   /             a small page: the live picture, predicted label, probability, FPS
//   /frame.jpg    the latest frame with the overlay, as one JPEG (the page reloads it)
//   /stream.mjpg  MJPEG (multipart/x-mixed-replace), the overlay of --record (app/overlay.h)
//   /status.json  {"frames","label","probability","fps","errors","healthy"}
//   /metrics      Prometheus text: signdpu_frames_total, signdpu_errors_total,
//                 signdpu_fps, signdpu_latency_seconds (histogram), signdpu_class_total{label}
//   /healthz      200 while frames advance, 503 when none came for kStallAfter
//
// Inference never waits for the server: the collector stores the latest
// frame (a reference, no copy) and counters under a short lock (LiveState);
// the server's own threads encode and send. A frame the stream has no time
// for is skipped, never queued; a client that stops reading only holds its
// own connection thread (civetweb), until the write timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/app/overlay.h"
#include "signdpu/app/pipeline_queues.h"
#include "signdpu/core/status.h"
#include "signdpu/io/pixels.h"

struct mg_context;
struct mg_connection;

namespace signdpu::app {

// "PORT" (binds 127.0.0.1), "ADDR:PORT" with an IPv4 address, "[IPv6]:PORT".
// PORT 0: any free port (the one chosen is printed).
struct ServeAddress {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string text;  // as given
  std::string Listen() const;  // civetweb's listening_ports syntax
};
Result<ServeAddress> ParseServeAddress(const std::string& text);

// /healthz says 503 when no frame came for this long.
inline constexpr std::chrono::seconds kStallAfter{5};

// What the server shows, updated by the collector thread.
class LiveState {
 public:
  LiveState(std::vector<std::string> labels, io::Roi roi);
  void Add(const FrameEvent& e);
  std::string MetricsText() const;
  std::string StatusJson() const;
  bool Healthy(std::string* why) const;
  // The latest frame with an image and its overlay; false when none yet.
  bool Latest(cv::Mat* image, FrameOverlay* overlay, uint64_t* seq) const;
  // Waits up to `timeout` for a frame image newer than `seq`.
  void WaitNewer(uint64_t seq, std::chrono::milliseconds timeout) const;
  void Wake() const { cv_.notify_all(); }

 private:
  using Clock = std::chrono::steady_clock;
  double FpsLocked(Clock::time_point now) const;

  const std::vector<std::string> labels_;
  const io::Roi roi_;
  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  int64_t frames_ = 0, errors_ = 0;
  std::vector<int64_t> class_counts_;
  std::vector<int64_t> latency_buckets_;  // cumulative at the end (MetricsText), per bucket here
  double latency_sum_ = 0;
  Clock::time_point last_frame_{};
  Clock::time_point window_start_ = Clock::now();
  int64_t window_frames_ = 0;
  double fps_ = 0;
  FrameResult last_;
  cv::Mat image_;
  uint64_t image_seq_ = 0;
};

class LiveServer {
 public:
  // Listens (an error naming the address when it cannot: bad address, port
  // in use) and serves `state` until Stop().
  static Result<std::unique_ptr<LiveServer>> Start(const ServeAddress& address, LiveState* state);
  ~LiveServer();
  void Stop();
  int port() const { return port_; }
  std::string url() const;

 private:
  explicit LiveServer(LiveState* state) : state_(state) {}
  static int HandlePage(mg_connection* c, void* self);
  static int HandleFrame(mg_connection* c, void* self);
  static int HandleStream(mg_connection* c, void* self);
  static int HandleStatus(mg_connection* c, void* self);
  static int HandleMetrics(mg_connection* c, void* self);
  static int HandleHealth(mg_connection* c, void* self);
  // The latest frame as JPEG, encoded once per frame for every client.
  std::shared_ptr<const std::vector<uint8_t>> Jpeg(uint64_t* seq);

  LiveState* state_;
  mg_context* ctx_ = nullptr;
  std::string host_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex jpeg_m_;
  uint64_t jpeg_seq_ = 0;
  std::chrono::steady_clock::time_point jpeg_at_{};
  std::shared_ptr<const std::vector<uint8_t>> jpeg_;
};

}  // namespace signdpu::app
