// ServiceNotifier against a fake service manager: the test binds its own
// AF_UNIX datagram socket (filesystem path or abstract name), points
// NOTIFY_SOCKET at it and reads back exactly what systemd would receive.
#include "signdpu/io/service_notifier.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace signdpu::io {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// The receiving end of NOTIFY_SOCKET.
class FakeNotifySocket {
 public:
  // abstract=true binds "@signdpu-test-<pid>-<n>" in the abstract namespace.
  explicit FakeNotifySocket(bool abstract) {
    static int counter = 0;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0) << std::strerror(errno);
    const std::string name = "signdpu-notify-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    socklen_t length;
    if (abstract) {
      address_ = "@" + name;
      std::memcpy(sun.sun_path + 1, name.data(), name.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    } else {
      const char* tmp = std::getenv("TMPDIR");
      address_ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + name;
      ::unlink(address_.c_str());
      std::memcpy(sun.sun_path, address_.data(), address_.size());
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() + 1);
      path_to_unlink_ = address_;
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sun), length), 0)
        << address_ << ": " << std::strerror(errno);
  }
  ~FakeNotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_to_unlink_.empty()) ::unlink(path_to_unlink_.c_str());
  }

  const std::string& address() const { return address_; }

  // Waits for up to `count` datagrams (one string each), at most `deadline`
  // in total, then returns what arrived.
  std::vector<std::string> Receive(size_t count, milliseconds deadline = milliseconds(10000)) {
    std::vector<std::string> messages;
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (messages.size() < count) {
      const auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n < 0) break;
      messages.emplace_back(buffer, static_cast<size_t>(n));
    }
    return messages;
  }
  // Whatever else is queued: the tests expect nothing.
  std::vector<std::string> Extra() { return Receive(SIZE_MAX, milliseconds(50)); }

 private:
  int fd_ = -1;
  std::string address_;
  std::string path_to_unlink_;
};

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  void Set(const char* name, const std::string& value) {
    Remember(name);
    ::setenv(name, value.c_str(), 1);
  }
  void Unset(const char* name) {
    Remember(name);
    ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->had) {
        ::setenv(it->name.c_str(), it->value.c_str(), 1);
      } else {
        ::unsetenv(it->name.c_str());
      }
    }
  }

 private:
  struct Saved {
    std::string name;
    bool had;
    std::string value;
  };
  void Remember(const char* name) {
    const char* old = std::getenv(name);
    saved_.push_back({name, old != nullptr, old != nullptr ? old : ""});
  }
  std::vector<Saved> saved_;
};

class ServiceNotifierTest : public ::testing::TestWithParam<bool> {};

TEST_P(ServiceNotifierTest, SendsReadyStatusWatchdogStoppingFromEnvironment) {
  FakeNotifySocket manager(/*abstract=*/GetParam());
  ScopedEnv env;
  env.Set("NOTIFY_SOCKET", manager.address());
  env.Set("WATCHDOG_USEC", "10000000");  // 10 s: WatchdogSec=10s
  env.Set("WATCHDOG_PID", std::to_string(::getpid()));

  ServiceNotifier notifier = ServiceNotifier::FromEnvironment();
  ASSERT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.watchdog_enabled());
  EXPECT_EQ(notifier.watchdog_interval(), microseconds(10000000));

  ASSERT_TRUE(notifier.Ready().ok());
  ASSERT_TRUE(notifier.Status(ServiceNotifier::FpsStatusText(123.45, 678)).ok());
  ASSERT_TRUE(notifier.Watchdog().ok());
  ASSERT_TRUE(notifier.Stopping().ok());

  const std::vector<std::string> want = {"READY=1", "STATUS=123.5 fps, 678 frames", "WATCHDOG=1",
                                         "STOPPING=1"};
  EXPECT_EQ(manager.Receive(want.size()), want) << "socket " << manager.address();
  EXPECT_TRUE(manager.Extra().empty());
}

INSTANTIATE_TEST_SUITE_P(PathAndAbstract, ServiceNotifierTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Abstract") : std::string("Path");
                         });

TEST(ServiceNotifier, WatchdogIsRateLimitedToHalfTheInterval) {
  FakeNotifySocket manager(/*abstract=*/true);
  ServiceNotifier::Clock::time_point fake_now{};
  ServiceNotifier::Options options;
  options.socket_address = manager.address();
  options.watchdog_interval = microseconds(2000000);  // 2 s -> at most one ping per 1 s
  options.now = [&] { return fake_now; };
  ServiceNotifier notifier(options);

  // A frame loop at 1000 fps for 3 s of fake time: pings at t = 0, 1, 2, 3 s.
  for (int frame = 0; frame <= 3000; ++frame) {
    fake_now = ServiceNotifier::Clock::time_point(milliseconds(frame));
    ASSERT_TRUE(notifier.Watchdog().ok()) << "frame " << frame;
  }
  EXPECT_EQ(notifier.watchdog_sent(), 4u);
  EXPECT_EQ(manager.Receive(4), std::vector<std::string>(4, "WATCHDOG=1"));
  EXPECT_TRUE(manager.Extra().empty());

  // 999 ms after the last ping: still too early; at 1000 ms: sent.
  fake_now = ServiceNotifier::Clock::time_point(milliseconds(3999));
  ASSERT_TRUE(notifier.Watchdog().ok());
  EXPECT_EQ(notifier.watchdog_sent(), 4u);
  fake_now = ServiceNotifier::Clock::time_point(milliseconds(4000));
  ASSERT_TRUE(notifier.Watchdog().ok());
  EXPECT_EQ(notifier.watchdog_sent(), 5u);
}

// The collector's rule (src/app/pipeline_collector.cc): ping only when frames
// advanced. A stalled source or a hung DPU job (frames stop) stops the pings
// for longer than the watchdog interval, so systemd would restart the service.
TEST(ServiceNotifier, WatchdogIfProgressStopsWhenFramesStall) {
  FakeNotifySocket manager(/*abstract=*/true);
  ServiceNotifier::Clock::time_point fake_now{};
  ServiceNotifier::Options options;
  options.socket_address = manager.address();
  options.watchdog_interval = microseconds(1000000);  // WatchdogSec=1s -> at most one ping per 500 ms
  options.now = [&] { return fake_now; };
  ServiceNotifier notifier(options);

  // The loop runs every 10 ms (ResultQueue::Pop's wake-up is 200 ms; finer
  // here). No frame yet: start-up after READY=1 sends nothing.
  uint64_t frames = 0;
  auto loop = [&](int from_ms, int to_ms, bool advancing) {
    for (int t = from_ms; t < to_ms; t += 10) {
      fake_now = ServiceNotifier::Clock::time_point(milliseconds(t));
      if (advancing) ++frames;
      ASSERT_TRUE(notifier.WatchdogIfProgress(frames).ok()) << "t=" << t;
    }
  };
  loop(0, 300, false);
  EXPECT_EQ(notifier.watchdog_sent(), 0u) << "no frame, no ping";
  loop(300, 2300, true);  // frames flow for 2 s: pings at 300, 800, 1300, 1800 ms
  EXPECT_EQ(notifier.watchdog_sent(), 4u);
  // A hung job / a camera delivering nothing for 5 s. The frames of
  // 1810-2290 ms arrived inside the rate-limit window of the 1800 ms ping, so
  // they are pinged for once, at 2300 ms; then nothing for 5 s.
  loop(2300, 2310, false);
  EXPECT_EQ(notifier.watchdog_sent(), 5u) << "progress from the rate-limit window is pinged for once";
  loop(2310, 7300, false);
  EXPECT_EQ(notifier.watchdog_sent(), 5u) << "no ping while stalled: > WatchdogSec without WATCHDOG=1";
  loop(7300, 7400, true);  // frames again: the next call pings at once
  EXPECT_EQ(notifier.watchdog_sent(), 6u);
  EXPECT_EQ(manager.Receive(6), std::vector<std::string>(6, "WATCHDOG=1"));
  EXPECT_TRUE(manager.Extra().empty());

  // Progress seen during the rate-limit window is not lost: one frame at
  // 7450 ms (too early) is still pinged for at 7800 ms without a new frame.
  fake_now = ServiceNotifier::Clock::time_point(milliseconds(7450));
  ASSERT_TRUE(notifier.WatchdogIfProgress(++frames).ok());
  EXPECT_EQ(notifier.watchdog_sent(), 6u);
  fake_now = ServiceNotifier::Clock::time_point(milliseconds(7800));
  ASSERT_TRUE(notifier.WatchdogIfProgress(frames).ok());
  EXPECT_EQ(notifier.watchdog_sent(), 7u);
  fake_now = ServiceNotifier::Clock::time_point(milliseconds(9000));
  ASSERT_TRUE(notifier.WatchdogIfProgress(frames).ok());
  EXPECT_EQ(notifier.watchdog_sent(), 7u) << "the same frame count is not pinged twice";
}

TEST(ServiceNotifier, NoOpWithoutNotifySocket) {
  ScopedEnv env;
  env.Unset("NOTIFY_SOCKET");
  env.Set("WATCHDOG_USEC", "1000");
  ServiceNotifier notifier = ServiceNotifier::FromEnvironment();
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.watchdog_enabled());
  EXPECT_TRUE(notifier.Ready().ok());
  EXPECT_TRUE(notifier.Watchdog().ok());
  EXPECT_TRUE(notifier.Status("idle").ok());
  EXPECT_TRUE(notifier.Stopping().ok());
  EXPECT_EQ(notifier.watchdog_sent(), 0u);

  ServiceNotifier disabled;  // default-constructed: the same no-op
  EXPECT_TRUE(disabled.Ready().ok());
}

TEST(ServiceNotifier, WatchdogOffWhenPidIsAnotherProcessOrUsecInvalid) {
  FakeNotifySocket manager(/*abstract=*/true);
  ScopedEnv env;
  env.Set("NOTIFY_SOCKET", manager.address());

  env.Set("WATCHDOG_USEC", "5000000");
  env.Set("WATCHDOG_PID", std::to_string(::getpid() + 1));  // the parent's watchdog, not ours
  EXPECT_FALSE(ServiceNotifier::FromEnvironment().watchdog_enabled());

  env.Unset("WATCHDOG_PID");
  for (const char* bad : {"", "-5", "12abc", " 7", "0", "99999999999999999999999"}) {
    env.Set("WATCHDOG_USEC", bad);
    EXPECT_FALSE(ServiceNotifier::FromEnvironment().watchdog_enabled()) << "WATCHDOG_USEC='" << bad << "'";
  }
  env.Set("WATCHDOG_USEC", "5000000");
  ServiceNotifier notifier = ServiceNotifier::FromEnvironment();
  EXPECT_TRUE(notifier.watchdog_enabled());  // no WATCHDOG_PID: meant for us

  // READY still goes out even when the watchdog is off.
  env.Set("WATCHDOG_USEC", "0");
  ServiceNotifier no_watchdog = ServiceNotifier::FromEnvironment();
  ASSERT_TRUE(no_watchdog.Ready().ok());
  ASSERT_TRUE(no_watchdog.Watchdog().ok());
  EXPECT_EQ(manager.Receive(1), std::vector<std::string>{"READY=1"});
  EXPECT_TRUE(manager.Extra().empty());
}

TEST(ServiceNotifier, StatusTextStaysOneAssignment) {
  FakeNotifySocket manager(/*abstract=*/false);
  ServiceNotifier::Options options;
  options.socket_address = manager.address();
  ServiceNotifier notifier(options);
  ASSERT_TRUE(notifier.Status("camera 0\nREADY=1\r").ok());
  ASSERT_TRUE(notifier.Notify("READY=1\nSTATUS=warming up").ok());
  EXPECT_EQ(manager.Receive(2),
            (std::vector<std::string>{"STATUS=camera 0 READY=1 ", "READY=1\nSTATUS=warming up"}));
}

TEST(ServiceNotifier, BadAddressesAreErrorsNotCrashes) {
  for (const std::string& bad :
       {std::string("relative/path"), std::string("@"), std::string("vsock:2:1234"),
        "/" + std::string(200, 'x')}) {
    ServiceNotifier::Options options;
    options.socket_address = bad;
    ServiceNotifier notifier(options);
    const ::signdpu::Status status = notifier.Ready();
    EXPECT_FALSE(status.ok()) << "address '" << bad << "'";
    EXPECT_NE(status.message().find("NOTIFY_SOCKET"), std::string::npos) << status.message();
  }
  // A well-formed address with nobody listening: an I/O error, reported.
  ServiceNotifier::Options options;
  options.socket_address = "@signdpu-nobody-listens-" + std::to_string(::getpid());
  ServiceNotifier notifier(options);
  const ::signdpu::Status status = notifier.Ready();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kIoError) << status.message();
}

TEST(ServiceNotifier, ConcurrentWatchdogAndStatusAreSafe) {
  FakeNotifySocket manager(/*abstract=*/true);
  ServiceNotifier::Options options;
  options.socket_address = manager.address();
  options.watchdog_interval = microseconds(1);  // send every time
  ServiceNotifier notifier(options);
  // The receiver drains while both senders run: the kernel queues only
  // net.unix.max_dgram_qlen (often 10) datagrams per socket.
  std::vector<std::string> got;
  std::thread manager_loop([&] { got = manager.Receive(100); });
  std::thread frame_loop([&] {
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(notifier.Watchdog().ok()) << i;
  });
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(notifier.Status(ServiceNotifier::FpsStatusText(i, i)).ok()) << i;
  frame_loop.join();
  manager_loop.join();
  EXPECT_EQ(got.size(), 100u);
  EXPECT_EQ(notifier.watchdog_sent(), 50u);
}

TEST(ServiceNotifier, MovedFromIsDisabled) {
  FakeNotifySocket manager(/*abstract=*/true);
  ServiceNotifier::Options options;
  options.socket_address = manager.address();
  ServiceNotifier a(options);
  ServiceNotifier b(std::move(a));
  EXPECT_TRUE(b.enabled());
  EXPECT_FALSE(a.enabled());  // NOLINT(bugprone-use-after-move): documented state
  ASSERT_TRUE(b.Ready().ok());
  EXPECT_EQ(manager.Receive(1), std::vector<std::string>{"READY=1"});
}

}  // namespace
}  // namespace signdpu::io
