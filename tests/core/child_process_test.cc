// The one child-process helper (core/child_process.h) beyond what
// tests/app/model_test.cc checks (token, abort line, time limit, fds): a
// child that leaves a process behind holding its pipes, report and log
// capture, key-line selection.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "signdpu/core/child_process.h"

namespace signdpu {
namespace {

TEST(RunInChild, ExitedChildIsNotHeldUpByAGrandchildHoldingItsPipes) {
  const auto t0 = std::chrono::steady_clock::now();
  ChildOutcome r = RunInChild(
      [](int fd) {
        const pid_t grandchild = ::fork();
        if (grandchild == 0) {
          ::sleep(4);  // inherits the report fd and stderr (the log pipe)
          ::_exit(0);
        }
        WriteAllToFd(fd, "grandchild " + std::to_string(grandchild) + "\n");
        WriteChildOk(fd);
        ::_exit(0);
      },
      3000);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.success);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.HowItEnded(), "exit 0");
  EXPECT_LT(took, std::chrono::seconds(2)) << "waited for the grandchild";
  int grandchild = 0;
  ASSERT_EQ(std::sscanf(r.report.c_str(), "grandchild %d", &grandchild), 1) << r.report;
  if (grandchild > 0) ::kill(grandchild, SIGKILL);
}

TEST(RunInChild, ExitCodeAndStderrAreReported) {
  ChildOutcome r = RunInChild(
      [](int) {
        std::fputs("some progress\nE1201 10:00:00.000000 1 x.cpp:9] cannot open /dev/dpu\nlast words\n", stderr);
        std::fflush(stderr);
        ::_exit(7);
      },
      5000);
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.HowItEnded(), "exit 7");
  EXPECT_NE(r.log.find("last words"), std::string::npos);
  EXPECT_EQ(r.key_line, "cannot open /dev/dpu") << "an ERROR line beats the last line";
}

TEST(KeyLogLine, IsBoundedAndPrefersFatal) {
  EXPECT_EQ(KeyLogLine("I1 a.cc:1] x\nF1 b.cc:2] boom\nE1 c.cc:3] later\n"), "boom");
  EXPECT_EQ(KeyLogLine("plain\n\n"), "plain");
  const std::string longline(kMaxKeyLineChars + 50, 'n');
  EXPECT_EQ(KeyLogLine(longline), longline.substr(0, kMaxKeyLineChars) + "...");
  EXPECT_TRUE(IsGlogLine("W20261201 x", 'W'));
  EXPECT_FALSE(IsGlogLine("Warning", 'W'));
}

}  // namespace
}  // namespace signdpu
