// The programs' glog settings (xmodel::InitGoogleLoggingOnce): a WARNING from
// VART, XIR or the plugin becomes one line of ours, INFO is dropped, no log
// file is written; with glog levels in the environment glog decides alone.
// Each case runs in a re-executed child process (death test, "threadsafe"
// style) so that glog is initialised fresh and reads the GLOG_* variables set
// here at its start, as a program does.
#include <cstdlib>
#include <filesystem>

#include <glog/logging.h>
#include <gtest/gtest.h>

#include "signdpu/xmodel/xmodel_file.h"

namespace {

void WarnAndExit(const char* program) {
  signdpu::xmodel::InitGoogleLoggingOnce(program);
  LOG(INFO) << "an info line";
  LOG(WARNING) << "runner says\nsomething";
  std::exit(0);
}

TEST(GlogLinesDeathTest, WarningIsOneLineOfOursAndInfoIsDropped) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const char* v : {"GLOG_minloglevel", "GLOG_stderrthreshold", "GLOG_v", "GLOG_vmodule", "GLOG_alsologtostderr"})
    ::unsetenv(v);
  // The whole of stderr: exactly our line (no glog prefix, no INFO line).
  EXPECT_EXIT(WarnAndExit("/some/dir/signdpu"), ::testing::ExitedWithCode(0),
              "^signdpu: warning: runner says\\\\nsomething \\[glog_lines_test.cc:[0-9]+\\]\n$");
}

TEST(GlogLinesDeathTest, LogtostderrAloneStillGivesOurLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv("GLOG_logtostderr", "1", 1);  // what the systemd unit sets
  EXPECT_EXIT(WarnAndExit("signdpu"), ::testing::ExitedWithCode(0), "^signdpu: warning: runner says");
  ::unsetenv("GLOG_logtostderr");
}

TEST(GlogLinesDeathTest, EnvironmentLevelsLeaveGlogAlone) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ::setenv("GLOG_minloglevel", "0", 1);
  ::setenv("GLOG_logtostderr", "1", 1);
  EXPECT_EXIT(WarnAndExit("signdpu"), ::testing::ExitedWithCode(0), "I([0-9]{4})?[0-9]{4} .*an info line");
  ::unsetenv("GLOG_minloglevel");
  ::unsetenv("GLOG_logtostderr");
}

}  // namespace
