// Runs code that may abort or hang the process (XIR / VART glog FATAL and
// CHECK, VART's own exit() calls, a GUI back end without a display, a
// GStreamer element on odd user text) in a forked child, so that the caller
// survives and gets one telling line instead. The one fork/pipe/poll loop
// with a time limit for every probe in signdpu: the XIR deserialisation
// probe (src/xmodel/child_probe.cc), the DPU runner probe (src/app/model.cc)
// and the --display and --video pipeline probes (src/io/media_sources.cc).
#pragma once

#include <functional>
#include <string>

namespace signdpu {

// What a child reported. `success` is true only when the child wrote the
// explicit token kChildOkToken on its report pipe: an exit status alone is
// not trusted, because VART calls exit(0) on some errors (for example
// dpu-runner/src/imp/hbm_config.cpp:126 at tag v2.5 when it cannot read its
// memory table) and a child that exits 0 has not necessarily succeeded.
struct ChildOutcome {
  bool started = false;     // false: pipe2() or fork() failed (error says why)
  bool success = false;     // the token arrived
  bool timed_out = false;   // killed (SIGKILL) after timeout_ms
  std::string report;       // everything the child wrote on its report fd, token removed
  std::string log;          // the child's stderr (glog), at most 64 KiB
  std::string key_line;     // the most telling line of `log` (FATAL, else last ERROR/Check failed)
  int wait_status = 0;      // as waitpid() returned it
  std::string error;        // when !started: "fork: <strerror>" or "pipe2: <strerror>"
  int error_number = 0;     // when !started: the errno behind `error`
  // "exit 3", "signal 6 (Aborted)", "killed after the time limit".
  std::string HowItEnded() const;
};

inline constexpr const char* kChildOkToken = "SIGNDPU-CHILD-OK\n";

// Forks; the child runs body(report_fd) with its stderr on the log pipe and
// no core dumps, then _exit(0) (the token is NOT written automatically: the
// body writes it with WriteChildOk when it really succeeded). The parent
// reads both pipes (retrying on EINTR) until the child has exited and the
// pipes hold nothing more (a grandchild that inherited a pipe does not hold
// the parent up), kills the child after timeout_ms and reaps it (waitpid
// retried on EINTR). Both pipes are O_CLOEXEC and every fd is closed on
// every path, including a failed fork.
ChildOutcome RunInChild(const std::function<void(int report_fd)>& body, int timeout_ms);

// Writes all of `text` to fd (retrying on EINTR and short writes).
bool WriteAllToFd(int fd, const std::string& text);
inline bool WriteChildOk(int report_fd) { return WriteAllToFd(report_fd, kChildOkToken); }

// The line of a glog log that best explains a failure: the first FATAL line,
// else the last "Check failed" / ERROR line, else the last non-empty line;
// glog's "F20261127 10:00:00.000000 1234 file.cpp:12] " prefix removed, at
// most kMaxKeyLineChars characters (then "..." is appended).
inline constexpr size_t kMaxKeyLineChars = 1000;
std::string KeyLogLine(const std::string& log);

// True when `line` starts like a glog line of that severity ('F', 'E', 'W',
// 'I' followed by a digit).
bool IsGlogLine(const std::string& line, char severity);

}  // namespace signdpu
