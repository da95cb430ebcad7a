#include "signdpu/app/results_output.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include <nlohmann/json.hpp>

#include "signdpu/app/run_options.h"
#include "signdpu/core/json_text.h"

namespace signdpu::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kReconnectInterval{1};  // a FIFO/socket reader that is gone
constexpr int kPollMs = 100;                           // how often a blocked write looks at the deadline
constexpr char kUnixPrefix[] = "unix:";

std::string Errno(int e) { return std::strerror(e); }

Result<ResultsTarget> ParseUnixTarget(const std::string& text) {
  ResultsTarget t;
  t.kind = ResultsTarget::Kind::kUnixSocket;
  t.text = text;
  t.path = text.substr(sizeof kUnixPrefix - 1);
  if (t.path.empty()) return InvalidArgument("--results unix:: empty socket path, expected unix:PATH");
  if (t.path.size() >= sizeof(sockaddr_un::sun_path))
    return InvalidArgument("--results " + text + ": socket path longer than " +
                           std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  struct stat st {};
  if (::stat(t.path.c_str(), &st) != 0)
    return NotFound("--results " + text + ": no socket there (" + Errno(errno) +
                    "); start the listener first, e.g. socat UNIX-LISTEN:" + t.path + ",fork -");
  if (!S_ISSOCK(st.st_mode)) return InvalidArgument("--results " + text + ": " + t.path + " is not a socket");
  if (::access(t.path.c_str(), W_OK) != 0)
    return IoError("--results " + text + ": socket is not writable: " + Errno(errno));
  return t;
}

}  // namespace

Result<ResultsTarget> ParseResultsTarget(const std::string& text) {
  if (text.empty()) return InvalidArgument("--results: empty value, expected -, a file, a FIFO or unix:PATH");
  ResultsTarget t;
  t.text = text;
  if (text == "-") return t;
  if (text.rfind(kUnixPrefix, 0) == 0) return ParseUnixTarget(text);
  t.path = text;
  struct stat st {};
  if (::stat(text.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    if (::access(text.c_str(), W_OK) != 0) return IoError("--results " + text + ": FIFO is not writable: " + Errno(errno));
    t.kind = ResultsTarget::Kind::kFifo;
    return t;
  }
  if (::stat(text.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    return InvalidArgument("--results " + text + ": is a socket; write unix:" + text);
  SIGNDPU_RETURN_IF_ERROR(CheckOutputFolder("--results", text));
  if (::access(text.c_str(), F_OK) == 0 && ::access(text.c_str(), W_OK) != 0)
    return IoError("--results " + text + ": file is not writable: " + Errno(errno));
  t.kind = ResultsTarget::Kind::kFile;
  return t;
}

bool ChangeFilter::Accept(int top_class) {
  if (hold_ <= 0) return true;
  if (top_class == candidate_) {
    ++run_;
  } else {
    candidate_ = top_class;
    run_ = 1;
  }
  if (run_ < hold_ || candidate_ == shown_) return false;
  shown_ = candidate_;
  return true;
}

std::string ResultLine(const FrameResult& r, const std::vector<std::string>& labels, const std::string& source,
                       std::chrono::system_clock::time_point when) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm {};
  gmtime_r(&secs, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  nlohmann::ordered_json j;
  j["time"] = stamp;
  j["source"] = source;
  j["frame"] = r.index;
  const bool has = !r.top.empty();
  j["class"] = has ? r.top[0].first : -1;
  j["label"] = has ? LabelName(labels, r.top[0].first) : std::string();
  j["probability"] = has ? r.top[0].second : 0.0f;
  j["latency"] = r.latency_us / 1e6;
  return DumpJson(j);
}

// ---- the writer ----------------------------------------------------------------

Result<std::unique_ptr<ResultsWriter>> ResultsWriter::Open(const ResultsTarget& target, size_t capacity) {
  std::unique_ptr<ResultsWriter> w(new ResultsWriter(target, capacity));
  const std::string what = "--results " + target.text;
  switch (target.kind) {
    case ResultsTarget::Kind::kStdout:
      w->fd_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
      if (w->fd_ < 0) return IoError(what + ": standard output: " + Errno(errno));
      break;
    case ResultsTarget::Kind::kFile:
      w->fd_ = ::open(target.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (w->fd_ < 0) return IoError(what + ": cannot open: " + Errno(errno));
      break;
    case ResultsTarget::Kind::kFifo:
      // Non-blocking: no reader yet is ENXIO (lines dropped until one comes).
      w->fd_ = ::open(target.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (w->fd_ < 0 && errno != ENXIO) return IoError(what + ": cannot open: " + Errno(errno));
      if (w->fd_ < 0) w->Warn(&w->warned_gone_, "no reader has the FIFO open yet; lines are dropped until one does");
      break;
    case ResultsTarget::Kind::kUnixSocket:
      if (!w->Connect()) return IoError(what + ": cannot connect: " + Errno(errno) + " (is the listener running?)");
      break;
  }
  w->next_connect_ = Clock::now() + kReconnectInterval;
  w->thread_ = std::thread([p = w.get()] { p->Loop(); });
  return w;
}

ResultsWriter::~ResultsWriter() {
  if (thread_.joinable()) (void)Finish(std::chrono::milliseconds(0));
  if (fd_ >= 0) ::close(fd_);
}

void ResultsWriter::Warn(std::atomic<bool>* once, const std::string& what) {
  if (once->exchange(true)) return;
  std::fprintf(stderr, "signdpu: warning: --results %s: %s\n", PrintableText(target_.text).c_str(), what.c_str());
}

void ResultsWriter::Push(std::string line) {
  bool full = false;
  {
    std::lock_guard<std::mutex> l(m_);
    if (finishing_ || q_.size() >= capacity_) {
      full = !finishing_;
    } else {
      line += '\n';
      q_.push_back(std::move(line));
      cv_.notify_one();
      return;
    }
  }
  ++dropped_;
  if (full) Warn(&warned_full_, "the reader does not keep up; lines are dropped (the count is printed at the end)");
}

bool ResultsWriter::Connect() {
  if (fd_ >= 0) return true;
  if (!target_.Pipe()) return false;  // a failed file or standard output stays failed
  if (target_.kind == ResultsTarget::Kind::kFifo) {
    fd_ = ::open(target_.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    return fd_ >= 0;
  }
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  sockaddr_un a {};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, target_.path.c_str(), target_.path.size());  // length checked by ParseResultsTarget
  if (::connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    const int e = errno;
    ::close(s);
    errno = e;
    return false;
  }
  fd_ = s;
  return true;
}

void ResultsWriter::Disconnect(int err) {
  ::close(fd_);
  fd_ = -1;
  next_connect_ = Clock::now() + kReconnectInterval;
  Warn(&warned_gone_, "the reader went away (" + Errno(err) + "); lines are dropped until one is back");
}

bool ResultsWriter::WaitWritable() {
  for (;;) {
    pollfd p {fd_, POLLOUT, 0};
    const int r = ::poll(&p, 1, kPollMs);
    if (r != 0 && !(r < 0 && errno == EINTR)) return true;  // writable, or an error the write reports
    std::lock_guard<std::mutex> l(m_);
    if (finishing_ && Clock::now() >= deadline_) return false;
  }
}

bool ResultsWriter::WriteAll(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    if (!WaitWritable()) return false;
    const ssize_t n = target_.kind == ResultsTarget::Kind::kUnixSocket
                          ? ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT)
                          : ::write(fd_, s.data() + off, s.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    const int e = n < 0 ? errno : EIO;
    if (target_.Pipe()) {
      Disconnect(e);
    } else {
      status_ = IoError("--results " + target_.text + ": write failed: " + Errno(e));
      ::close(fd_);
      fd_ = -1;
    }
    return false;
  }
  return true;
}

void ResultsWriter::Loop() {
  for (;;) {
    std::string line;
    {
      std::unique_lock<std::mutex> l(m_);
      cv_.wait(l, [&] { return finishing_ || !q_.empty(); });
      if (q_.empty()) return;
      if (finishing_ && Clock::now() >= deadline_) {
        dropped_ += static_cast<int64_t>(q_.size());
        q_.clear();
        return;
      }
      line = std::move(q_.front());
      q_.pop_front();
    }
    bool connected = fd_ >= 0;
    if (!connected && target_.Pipe() && Clock::now() >= next_connect_) {
      connected = Connect();  // once a second while the reader is gone
      if (!connected) next_connect_ = Clock::now() + kReconnectInterval;
    }
    if (connected && WriteAll(line)) {
      ++lines_;
    } else {
      ++dropped_;
    }
  }
}

Status ResultsWriter::Finish(std::chrono::milliseconds drain) {
  {
    std::lock_guard<std::mutex> l(m_);
    if (!thread_.joinable()) return status_;
    finishing_ = true;
    deadline_ = Clock::now() + drain;
  }
  cv_.notify_all();
  thread_.join();
  return status_;
}

}  // namespace signdpu::app
