// Runs code that may abort the process (XIR / VART glog FATAL and CHECK, or
// VART's own exit() calls) in a forked child, so that the caller survives and
// gets one telling line instead. One fork/pipe/poll loop for every probe in
// signdpu: the XIR deserialisation probe below and the app's DPU runner probe
// (src/app/model.cc).
#pragma once

#include <functional>
#include <string>

#include "signdpu/core/status.h"

namespace signdpu::xmodel::internal {

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
  std::string error;        // when !started
  // "exit 3", "signal 6 (Aborted)", "killed after 30000 ms".
  std::string HowItEnded() const;
};

inline constexpr const char* kChildOkToken = "SIGNDPU-CHILD-OK\n";

// Forks; the child runs body(report_fd) with its stderr on the log pipe and
// no core dumps, then _exit(0) (the token is NOT written automatically: the
// body writes it with WriteChildOk when it really succeeded). The parent
// reads both pipes (retrying on EINTR), kills the child after timeout_ms and
// reaps it (waitpid retried on EINTR). Both pipes are O_CLOEXEC and every fd
// is closed on every path, including a failed fork.
ChildOutcome RunInChild(const std::function<void(int report_fd)>& body, int timeout_ms);

// Writes all of `text` to fd (retrying on EINTR and short writes).
bool WriteAll(int fd, const std::string& text);
inline bool WriteChildOk(int report_fd) { return WriteAll(report_fd, kChildOkToken); }

// The line of a glog log that best explains a failure: the first FATAL line,
// else the last "Check failed" / ERROR line, else the last non-empty line;
// glog's "F20261127 10:00:00.000000 1234 file.cpp:12] " prefix removed, at
// most 300 characters.
std::string KeyLogLine(const std::string& log);

// OK when the child deserialised the bytes and exited normally. Otherwise
// InvalidArgument naming `what` and quoting XIR's FATAL line. If the probe
// cannot run (fork fails), returns OK after a LOG(WARNING): the schema checks
// already passed.
Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms);

}  // namespace signdpu::xmodel::internal
