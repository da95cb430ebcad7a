#include "child_probe.h"

#include <fcntl.h>
#include <glog/logging.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <xir/graph/graph.hpp>

namespace signdpu::xmodel::internal {

namespace {

constexpr size_t kMaxCapturedBytes = 64 * 1024;

bool IsGlogLine(const std::string& line, char severity) {
  return line.size() > 1 && line[0] == severity && std::isdigit(static_cast<unsigned char>(line[1]));
}

void CloseIfOpen(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

}  // namespace

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
  if (key.size() > 1000) key = key.substr(0, 1000) + "...";  // bounded, but long enough for deep subgraph and op names
  return key;
}

bool WriteAll(int fd, const std::string& text) {
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
  int report_pipe[2] = {-1, -1}, log_pipe[2] = {-1, -1};
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
    out.error = std::string("pipe2: ") + std::strerror(errno);
    return out;
  }
  if (::pipe2(log_pipe, O_CLOEXEC) != 0) {
    out.error = std::string("pipe2: ") + std::strerror(errno);
    CloseIfOpen(&report_pipe[0]);
    CloseIfOpen(&report_pipe[1]);
    return out;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) {
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
  CloseIfOpen(&report_pipe[1]);
  CloseIfOpen(&log_pipe[1]);
  if (pid < 0) {
    out.error = std::string("fork: ") + std::strerror(errno);
    CloseIfOpen(&report_pipe[0]);
    CloseIfOpen(&log_pipe[0]);
    return out;
  }
  out.started = true;
  pollfd fds[2] = {{report_pipe[0], POLLIN, 0}, {log_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n == 0) {
      out.timed_out = true;
      break;
    }
    for (pollfd& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got > 0) {
        std::string& sink = p.fd == report_pipe[0] ? out.report : out.log;
        if (sink.size() < kMaxCapturedBytes) sink.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  if (out.timed_out) ::kill(pid, SIGKILL);
  while (::waitpid(pid, &out.wait_status, 0) < 0 && errno == EINTR) {
  }
  const size_t token = out.report.find(kChildOkToken);
  if (token != std::string::npos) {
    out.success = !out.timed_out;
    out.report.erase(token, std::strlen(kChildOkToken));
  }
  out.key_line = KeyLogLine(out.log);
  return out;
}

Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms) {
  ChildOutcome r = RunInChild(
      [&bytes](int report_fd) {
        bool ok = false;
        try {
          ok = xir::Graph::deserialize_from_string(bytes) != nullptr;
        } catch (...) {
          ok = false;
        }
        if (ok) WriteChildOk(report_fd);
        ::_exit(ok ? 0 : 3);
      },
      timeout_ms);
  if (!r.started) {
    LOG(WARNING) << what << ": cannot run the XIR probe (" << r.error << "); loading without it";
    return Status::Ok();
  }
  if (r.success) return Status::Ok();
  if (r.timed_out)
    return InvalidArgument(what + ": XIR did not finish loading within " + std::to_string(timeout_ms) + " ms");
  // Only a glog FATAL/ERROR line is worth quoting here.
  std::string key;
  {
    std::istringstream in(r.log);
    std::string line;
    bool have_fatal = false;
    while (std::getline(in, line)) {
      if (IsGlogLine(line, 'F') && !have_fatal) key = line, have_fatal = true;
      else if (IsGlogLine(line, 'E') && !have_fatal) key = line;
    }
    if (!key.empty()) key = KeyLogLine(key);
  }
  return InvalidArgument(what + ": XIR cannot load this file (it would abort the process" +
                         (key.empty() ? std::string(")") : "): " + key));
}

}  // namespace signdpu::xmodel::internal
