#include "child_probe.h"

#include <fcntl.h>
#include <glog/logging.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <xir/graph/graph.hpp>

namespace signdpu::xmodel::internal {

namespace {

constexpr size_t kMaxCapturedBytes = 64 * 1024;

// The most telling line of XIR's log: the FATAL one, else the last ERROR.
std::string KeyLine(const std::string& log) {
  std::istringstream in(log);
  std::string line, fatal, error;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == 'F' && std::isdigit(static_cast<unsigned char>(line[1])) && fatal.empty())
      fatal = line;
    if (line.size() > 1 && line[0] == 'E' && std::isdigit(static_cast<unsigned char>(line[1]))) error = line;
  }
  std::string key = !fatal.empty() ? fatal : error;
  // drop glog's "F20261127 10:00:00.000000 1234 file.cpp:12] " prefix
  const size_t bracket = key.find("] ");
  if (bracket != std::string::npos) key = key.substr(bracket + 2);
  if (key.size() > 300) key = key.substr(0, 300) + "...";
  return key;
}

[[noreturn]] void ChildMain(const std::string& bytes, int status_fd, int log_fd) {
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::dup2(log_fd, STDERR_FILENO);
  bool ok = false;
  try {
    ok = xir::Graph::deserialize_from_string(bytes) != nullptr;
  } catch (...) {
    ok = false;
  }
  if (ok) {
    const char one = 1;
    (void)!::write(status_fd, &one, 1);
  }
  ::_exit(ok ? 0 : 3);
}

}  // namespace

Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms) {
  int status_pipe[2], log_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    LOG(WARNING) << what << ": cannot create a pipe for the XIR probe (" << std::strerror(errno) << "); loading without it";
    return Status::Ok();
  }
  if (::pipe2(log_pipe, O_CLOEXEC) != 0) {
    ::close(status_pipe[0]);
    ::close(status_pipe[1]);
    LOG(WARNING) << what << ": cannot create a pipe for the XIR probe (" << std::strerror(errno) << "); loading without it";
    return Status::Ok();
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(status_pipe[0]);
    ::close(log_pipe[0]);
    ChildMain(bytes, status_pipe[1], log_pipe[1]);
  }
  ::close(status_pipe[1]);
  ::close(log_pipe[1]);
  if (pid < 0) {
    ::close(status_pipe[0]);
    ::close(log_pipe[0]);
    LOG(WARNING) << what << ": cannot fork for the XIR probe (" << std::strerror(errno) << "); loading without it";
    return Status::Ok();
  }
  std::string log;
  bool success_byte = false, timed_out = false;
  pollfd fds[2] = {{status_pipe[0], POLLIN, 0}, {log_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      timed_out = n == 0;
      break;
    }
    for (pollfd& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      char buf[4096];
      const ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got > 0) {
        if (p.fd == status_pipe[0]) success_byte = true;
        else if (log.size() < kMaxCapturedBytes) log.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  if (timed_out) ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (success_byte) return Status::Ok();
  if (timed_out)
    return InvalidArgument(what + ": XIR did not finish loading within " + std::to_string(timeout_ms) + " ms");
  const std::string key = KeyLine(log);
  return InvalidArgument(what + ": XIR cannot load this file (it would abort the process" +
                         (key.empty() ? std::string(")") : "): " + key));
}

}  // namespace signdpu::xmodel::internal
