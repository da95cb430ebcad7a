// ServiceNotifier: tells systemd (Type=notify) how the service is doing.
//
// The sd_notify protocol (sd_notify(3), "Notify socket protocol" in
// systemd.exec(5) / systemd's own src/libsystemd/sd-daemon): the service
// manager puts the address of an AF_UNIX datagram socket in $NOTIFY_SOCKET;
// the service sends newline-separated "KEY=VALUE" assignments, one datagram per
// notification. An address starting with '@' is in the Linux abstract
// namespace (the '@' becomes a leading NUL byte). $WATCHDOG_USEC (with
// $WATCHDOG_PID naming the process it is meant for) asks for "WATCHDOG=1" at
// least that often; sd_watchdog_enabled(3) recommends every half interval.
//
// Implemented here rather than by linking libsystemd so the same code path is
// built and tested on every target (host, Debian arm64, PetaLinux) without a
// further dependency; the wire format is the same as sd_notify's.
//
// Without $NOTIFY_SOCKET (run from a shell, in tests, or under a Type=simple
// unit) every call is a successful no-op, so the app calls it unconditionally.
// Thread-safe: the frame loop may call Watchdog() while another thread calls
// Status().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "signdpu/core/status.h"

namespace signdpu::io {

class ServiceNotifier {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // "" disables notifications. Absolute path or "@abstract-name".
    std::string socket_address;
    // 0 means the service manager asked for no watchdog pings.
    std::chrono::microseconds watchdog_interval{0};
    // Injectable for tests; defaults to Clock::now.
    std::function<Clock::time_point()> now;
  };

  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID. A WATCHDOG_PID
  // that names another process, or an unparsable WATCHDOG_USEC, disables the
  // watchdog (as sd_watchdog_enabled(3) does) but not the other messages.
  static ServiceNotifier FromEnvironment();

  ServiceNotifier() = default;  // disabled
  explicit ServiceNotifier(Options options);
  ~ServiceNotifier();
  ServiceNotifier(ServiceNotifier&& other) noexcept;
  ServiceNotifier& operator=(ServiceNotifier&& other) noexcept;
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  bool enabled() const { return !options_.socket_address.empty(); }
  bool watchdog_enabled() const { return enabled() && options_.watchdog_interval.count() > 0; }
  std::chrono::microseconds watchdog_interval() const { return options_.watchdog_interval; }

  // "READY=1": the runner is created and the input source is open.
  ::signdpu::Status Ready();
  // "WATCHDOG=1", sent at most once per watchdog_interval()/2 (the first call
  // always sends). Calls in between return OK without sending. A no-op when
  // the watchdog is disabled.
  ::signdpu::Status Watchdog();
  // Watchdog() only when `progress` (the frames done so far) grew since the
  // last ping this method sent (progress starts at 0, so the first ping needs
  // one frame). The frame loop calls it: a source that delivers no frame
  // or a DPU job that never returns stops the pings, and systemd restarts the
  // service after WatchdogSec.
  ::signdpu::Status WatchdogIfProgress(std::uint64_t progress);
  // "STATUS=<text>": one line shown by `systemctl status`. Newlines in text
  // are replaced by spaces (a newline would start a new assignment).
  ::signdpu::Status Status(const std::string& text);
  // "STOPPING=1": shutting down (after SIGTERM).
  ::signdpu::Status Stopping();
  // Any raw assignment list, e.g. "RELOADING=1" or "READY=1\nSTATUS=up".
  ::signdpu::Status Notify(const std::string& assignments);

  // Number of WATCHDOG=1 datagrams actually sent (for tests and metrics).
  std::uint64_t watchdog_sent() const;

  // "12.3 fps, 4567 frames" — the STATUS text the frame loop reports.
  static std::string FpsStatusText(double throughput_fps, std::uint64_t frames);

 private:
  ::signdpu::Status SendLocked(const std::string& assignments);

  Options options_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  bool watchdog_sent_once_ = false;
  Clock::time_point last_watchdog_{};
  std::uint64_t watchdog_sent_ = 0;
  std::uint64_t last_progress_ = 0;
};

}  // namespace signdpu::io
