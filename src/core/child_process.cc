#include "signdpu/core/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace signdpu {
namespace {

constexpr size_t kMaxCapturedBytes = 64 * 1024;  // per pipe
constexpr size_t kReadChunk = 4096;
// How often the parent checks, while the pipes are quiet, whether the
// child has exited.
constexpr int kReapPollMs = 50;

void CloseIfOpen(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

// Reads what is ready on the two pipes (report first); a pipe at EOF or in
// error is closed. Returns how many are still open.
int ReadReady(pollfd (&fds)[2], int report_fd, ChildOutcome* out) {
  int open_fds = 0;
  for (pollfd& p : fds) {
    if (p.fd >= 0 && p.revents != 0) {
      char buf[kReadChunk];
      const ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got > 0) {
        std::string& sink = p.fd == report_fd ? out->report : out->log;
        if (sink.size() < kMaxCapturedBytes) sink.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(p.fd);
        p.fd = -1;
      }
    }
    if (p.fd >= 0) ++open_fds;
  }
  return open_fds;
}

// In the child: no core dump, stderr on the log pipe, the body, _exit(0).
[[noreturn]] void ChildMain(const std::function<void(int)>& body, int report_pipe[2], int log_pipe[2]) {
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::close(report_pipe[0]);
  ::close(log_pipe[0]);
  ::dup2(log_pipe[1], STDERR_FILENO);  // dup2 clears O_CLOEXEC on the copy
  try {
    body(report_pipe[1]);
  } catch (...) {
  }
  ::_exit(0);
}

// The parent's side: reads both pipes until the child has exited and they
// are drained (or both are closed), or the time limit passes. Returns
// whether the child was reaped.
bool Collect(pid_t pid, int report_fd, int log_fd, int timeout_ms, ChildOutcome* out) {
  pollfd fds[2] = {{report_fd, POLLIN, 0}, {log_fd, POLLIN, 0}};
  int open_fds = 2;
  bool reaped = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out->timed_out = !reaped;
      break;
    }
    const int wait_ms = reaped ? 0 : static_cast<int>(std::min<int64_t>(left.count(), kReapPollMs));
    const int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n > 0) {
      open_fds = ReadReady(fds, report_fd, out);
      continue;
    }
    if (reaped) break;  // exited and drained: a grandchild may hold the pipes open
    pid_t r;
    while ((r = ::waitpid(pid, &out->wait_status, WNOHANG)) < 0 && errno == EINTR) {
    }
    reaped = r == pid;
  }
  for (pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  return reaped;
}

}  // namespace

bool IsGlogLine(const std::string& line, char severity) {
  return line.size() > 1 && line[0] == severity && std::isdigit(static_cast<unsigned char>(line[1]));
}

std::string KeyLogLine(const std::string& log) {
  std::istringstream in(log);
  std::string line, fatal, error, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    last = line;
    if (IsGlogLine(line, 'F') && fatal.empty()) fatal = line;
    if (IsGlogLine(line, 'E') || line.find("Check failed") != std::string::npos) error = line;
  }
  std::string key = !fatal.empty() ? fatal : !error.empty() ? error : last;
  if (IsGlogLine(key, 'F') || IsGlogLine(key, 'E') || IsGlogLine(key, 'W') || IsGlogLine(key, 'I')) {
    const size_t bracket = key.find("] ");
    if (bracket != std::string::npos) key = key.substr(bracket + 2);
  }
  // Bounded, but long enough for deep subgraph and op names.
  if (key.size() > kMaxKeyLineChars) key = key.substr(0, kMaxKeyLineChars) + "...";
  return key;
}

bool WriteAllToFd(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ChildOutcome::HowItEnded() const {
  if (!started) return error;
  if (timed_out) return "killed after the time limit";
  if (WIFEXITED(wait_status)) return "exit " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* name = ::strsignal(sig);
    return "signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : std::string());
  }
  return "status " + std::to_string(wait_status);
}

ChildOutcome RunInChild(const std::function<void(int report_fd)>& body, int timeout_ms) {
  ChildOutcome out;
  auto not_started = [&out](const char* what) {
    out.error_number = errno;
    out.error = std::string(what) + ": " + std::strerror(out.error_number);
  };
  int report_pipe[2] = {-1, -1}, log_pipe[2] = {-1, -1};
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
    not_started("pipe2");
    return out;
  }
  if (::pipe2(log_pipe, O_CLOEXEC) != 0) {
    not_started("pipe2");
    CloseIfOpen(&report_pipe[0]);
    CloseIfOpen(&report_pipe[1]);
    return out;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) ChildMain(body, report_pipe, log_pipe);
  if (pid < 0) not_started("fork");
  CloseIfOpen(&report_pipe[1]);
  CloseIfOpen(&log_pipe[1]);
  if (pid < 0) {
    CloseIfOpen(&report_pipe[0]);
    CloseIfOpen(&log_pipe[0]);
    return out;
  }
  out.started = true;
  const bool reaped = Collect(pid, report_pipe[0], log_pipe[0], timeout_ms, &out);
  if (!reaped) {
    if (out.timed_out) ::kill(pid, SIGKILL);
    while (::waitpid(pid, &out.wait_status, 0) < 0 && errno == EINTR) {
    }
  }
  const size_t token = out.report.find(kChildOkToken);
  if (token != std::string::npos) {
    out.success = !out.timed_out;
    out.report.erase(token, std::strlen(kChildOkToken));
  }
  out.key_line = KeyLogLine(out.log);
  return out;
}

}  // namespace signdpu
