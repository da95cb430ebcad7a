// `signdpu run --results TARGET [--on-change[=N]]`: one JSON line per
// prediction for other programs, written by its own thread so that a slow or
// vanished reader never blocks or kills inference.
//
//   TARGET   "-" (standard output), a regular file (appended to), an existing
//            FIFO, or "unix:PATH" (a listening SOCK_STREAM Unix socket).
//   line     {"time":"2026-12-01T09:48:08.123Z","source":"...","frame":12,
//             "class":1,"label":"B","probability":0.97,"latency":0.0031}
//            time: UTC, milliseconds; latency: seconds, read -> result.
//
// The writer keeps a bounded queue (kResultsQueueLines): when it is full (a
// reader that does not keep up) or no reader is there (a FIFO nobody reads,
// a socket whose listener went away: reconnected once a second), lines are
// dropped and counted; one warning line says so the first time, and the count
// is reported at the end. Writes use MSG_NOSIGNAL / an ignored SIGPIPE, so a
// reader that goes away is EPIPE, never death by signal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signdpu/app/report.h"
#include "signdpu/core/status.h"

namespace signdpu::app {

inline constexpr size_t kResultsQueueLines = 4096;

struct ResultsTarget {
  enum class Kind { kStdout, kFile, kFifo, kUnixSocket };
  Kind kind = Kind::kStdout;
  std::string text;  // as given ("unix:/run/x.sock"), for messages
  std::string path;  // file, FIFO or socket path
  bool Pipe() const { return kind == Kind::kFifo || kind == Kind::kUnixSocket; }
};

// Checks TARGET before the run: "-"; "unix:PATH" naming an existing socket
// the user may write; an existing FIFO the user may write; else a file that
// is not a directory or device and whose folder is writable.
Result<ResultsTarget> ParseResultsTarget(const std::string& text);

// --on-change[=N]: a class becomes the shown class after N consecutive frames
// (N >= 1) and a line is written each time the shown class changes (the first
// one included). N = 0: every frame (no filter).
class ChangeFilter {
 public:
  explicit ChangeFilter(int hold) : hold_(hold) {}
  bool Accept(int top_class);

 private:
  int hold_;
  int candidate_ = -2;  // class of the current run of frames (-1: no class)
  int64_t run_ = 0;     // its length
  int shown_ = -2;      // the class last written
};

// One line of --results (no newline).
std::string ResultLine(const FrameResult& r, const std::vector<std::string>& labels, const std::string& source,
                       std::chrono::system_clock::time_point when);

class ResultsWriter {
 public:
  // Opens the target (a FIFO without a reader is not an error: lines are
  // dropped until one opens it; a socket nobody listens on is).
  static Result<std::unique_ptr<ResultsWriter>> Open(const ResultsTarget& target,
                                                     size_t capacity = kResultsQueueLines);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Never blocks: the line is queued, or dropped and counted.
  void Push(std::string line);
  // Writes what is queued for at most `drain`, drops the rest, stops the
  // thread. An error when writing to standard output or a file failed (full
  // disk); a FIFO/socket reader that went away is only a drop count.
  Status Finish(std::chrono::milliseconds drain);
  int64_t lines() const { return lines_; }
  int64_t dropped() const { return dropped_; }
  const ResultsTarget& target() const { return target_; }

 private:
  ResultsWriter(ResultsTarget target, size_t capacity) : target_(std::move(target)), capacity_(capacity) {}
  void Loop();
  bool Connect();                      // (re)opens a FIFO or socket; false: not now
  bool WriteAll(const std::string& s);  // false: the line was not written
  bool WaitWritable();                  // false: the deadline passed
  void Warn(std::atomic<bool>* once, const std::string& what);
  void Disconnect(int err);

  ResultsTarget target_;
  size_t capacity_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point next_connect_{};
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::string> q_;
  bool finishing_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  std::thread thread_;
  std::atomic<int64_t> lines_{0}, dropped_{0};
  std::atomic<bool> warned_full_{false}, warned_gone_{false};
  Status status_;
};

}  // namespace signdpu::app
