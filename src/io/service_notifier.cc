#include "signdpu/io/service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "signdpu/core/str_format.h"

namespace signdpu::io {
namespace {

// Parses a decimal unsigned integer; false on anything else (sign, spaces,
// trailing text, overflow).
bool ParseUnsigned(const char* text, unsigned long long* value) {
  if (text == nullptr || *text < '0' || *text > '9') return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  *value = v;
  return true;
}

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

ServiceNotifier ServiceNotifier::FromEnvironment() {
  Options options;
  if (const char* socket = std::getenv("NOTIFY_SOCKET"); socket != nullptr) {
    options.socket_address = socket;
  }
  unsigned long long usec = 0;
  if (ParseUnsigned(std::getenv("WATCHDOG_USEC"), &usec) && usec > 0) {
    // WATCHDOG_PID, when set, must name this process: a child that inherited
    // the environment must not feed its parent's watchdog (sd_watchdog_enabled).
    bool for_us = true;
    if (const char* pid_text = std::getenv("WATCHDOG_PID"); pid_text != nullptr) {
      unsigned long long pid = 0;
      for_us = ParseUnsigned(pid_text, &pid) && pid == static_cast<unsigned long long>(::getpid());
    }
    if (for_us) options.watchdog_interval = std::chrono::microseconds(usec);
  }
  return ServiceNotifier(std::move(options));
}

ServiceNotifier::ServiceNotifier(Options options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return Clock::now(); };
}

ServiceNotifier::~ServiceNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

ServiceNotifier::ServiceNotifier(ServiceNotifier&& other) noexcept { *this = std::move(other); }

ServiceNotifier& ServiceNotifier::operator=(ServiceNotifier&& other) noexcept {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  if (fd_ >= 0) ::close(fd_);
  options_ = std::move(other.options_);
  fd_ = std::exchange(other.fd_, -1);
  watchdog_sent_once_ = other.watchdog_sent_once_;
  last_watchdog_ = other.last_watchdog_;
  watchdog_sent_ = other.watchdog_sent_;
  last_progress_ = other.last_progress_;
  other.options_ = Options{};
  other.options_.now = [] { return Clock::now(); };
  return *this;
}

::signdpu::Status ServiceNotifier::Ready() { return Notify("READY=1"); }

::signdpu::Status ServiceNotifier::Stopping() { return Notify("STOPPING=1"); }

::signdpu::Status ServiceNotifier::Status(const std::string& text) {
  std::string line = text;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return Notify("STATUS=" + line);
}

::signdpu::Status ServiceNotifier::Watchdog() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled() || options_.watchdog_interval.count() <= 0) return ::signdpu::Status::Ok();
  const Clock::time_point now = options_.now();
  if (watchdog_sent_once_ && now - last_watchdog_ < options_.watchdog_interval / 2) {
    return ::signdpu::Status::Ok();
  }
  ::signdpu::Status status = SendLocked("WATCHDOG=1");
  if (status.ok()) {
    watchdog_sent_once_ = true;
    last_watchdog_ = now;
    ++watchdog_sent_;
  }
  return status;
}

::signdpu::Status ServiceNotifier::WatchdogIfProgress(std::uint64_t progress) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (progress <= last_progress_) return ::signdpu::Status::Ok();
  }
  const std::uint64_t before = watchdog_sent();
  ::signdpu::Status status = Watchdog();
  std::lock_guard<std::mutex> lock(mutex_);
  // Only a ping actually sent consumes the progress: with the rate limit in
  // between, the next call after the half interval still finds it.
  if (status.ok() && watchdog_sent_ != before) {
    last_progress_ = progress;
  }
  return status;
}

::signdpu::Status ServiceNotifier::Notify(const std::string& assignments) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled()) return ::signdpu::Status::Ok();
  return SendLocked(assignments);
}

std::uint64_t ServiceNotifier::watchdog_sent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return watchdog_sent_;
}

std::string ServiceNotifier::FpsStatusText(double throughput_fps, std::uint64_t frames) {
  return ::signdpu::StrFormat("%.1f fps, %llu %s", throughput_fps, static_cast<unsigned long long>(frames),
                              frames == 1 ? "frame" : "frames");
}

::signdpu::Status ServiceNotifier::SendLocked(const std::string& assignments) {
  const std::string& address = options_.socket_address;
  // Only filesystem paths and abstract names; systemd 253+ also allows
  // "vsock:CID:PORT", which a board never gets from its own PID 1.
  if (address.size() < 2 || (address[0] != '/' && address[0] != '@')) {
    return InvalidArgument("NOTIFY_SOCKET '" + address +
                           "': expected an absolute path or an '@' abstract name");
  }
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (address.size() > sizeof(sun.sun_path)) {
    return InvalidArgument("NOTIFY_SOCKET '" + address + "': longer than " +
                           std::to_string(sizeof(sun.sun_path)) + " bytes");
  }
  std::memcpy(sun.sun_path, address.data(), address.size());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
  if (address[0] == '@') {
    sun.sun_path[0] = '\0';  // abstract namespace: no terminating NUL counted
  } else if (address.size() < sizeof(sun.sun_path)) {
    length += 1;  // include the path's NUL like sd_notify does
  }

  if (fd_ < 0) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      return IoError("NOTIFY_SOCKET: socket(AF_UNIX, SOCK_DGRAM): " + ErrnoText(errno));
    }
  }
  // Non-blocking: the frame loop must never stall on a busy service manager.
  // A full receive queue (EAGAIN) is retried for at most about 100 ms, then
  // reported; systemd's own socket has a large buffer, so this is rare.
  ssize_t sent = -1;
  for (int attempt = 0; attempt < 100; ++attempt) {
    sent = ::sendto(fd_, assignments.data(), assignments.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                    reinterpret_cast<const sockaddr*>(&sun), length);
    if (sent >= 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) break;
    if (errno != EINTR) ::usleep(1000);
  }
  if (sent < 0) {
    return IoError("NOTIFY_SOCKET '" + address + "': sendto: " + ErrnoText(errno));
  }
  if (static_cast<size_t>(sent) != assignments.size()) {
    return IoError("NOTIFY_SOCKET '" + address + "': short datagram (" + std::to_string(sent) +
                   " of " + std::to_string(assignments.size()) + " bytes)");
  }
  return ::signdpu::Status::Ok();
}

}  // namespace signdpu::io
