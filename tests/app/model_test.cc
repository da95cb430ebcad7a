// The start-up checks of `signdpu run` (src/app/model.cc) and the child
// process runner they use (src/core/child_process.cc): refusal of CPU ops,
// the fingerprint line, /etc/vart.conf, the probe's token, time limit and
// fds. The emulator plugin is dlopen()ed by libvart (not linked).
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vart/runner.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/core/child_process.h"
#include "signdpu/app/model.h"

namespace signdpu::app {
namespace {

const std::string kXmodels = std::string(SIGNDPU_SOURCE_DIR) + "/tests/data/xmodels/";
using signdpu::RunInChild;
using signdpu::WriteChildOk;

int OpenFdCount() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

// ---- the child runner --------------------------------------------------------

TEST(RunInChild, OnlyTheTokenMeansSuccess) {
  auto ok = RunInChild([](int fd) { WriteChildOk(fd); }, 5000);
  EXPECT_TRUE(ok.started);
  EXPECT_TRUE(ok.success);
  // Exit status 0 without the token (VART's exit(0) in hbm_config.cpp:126)
  // is a failure. (_exit: no sanitizer leak check in the child.)
  auto silent = RunInChild([](int) { ::_exit(0); }, 5000);
  EXPECT_TRUE(silent.started);
  EXPECT_FALSE(silent.success);
  EXPECT_EQ(silent.HowItEnded(), "exit 0");
  // The report channel carries data besides the token.
  auto report = RunInChild([](int fd) { WriteAllToFd(fd, "fingerprints 1 2\n"); WriteChildOk(fd); }, 5000);
  EXPECT_TRUE(report.success);
  EXPECT_EQ(report.report, "fingerprints 1 2\n");
}

TEST(RunInChild, AbortIsReportedWithItsLogLine) {
  auto r = RunInChild(
      [](int) {
        std::fputs("I1201 10:00:00.000000 1 a.cpp:1] loading\n", stderr);
        std::fputs("F1201 10:00:00.000000 1 b.cpp:2] Check failed: fd > 0 cannot open /usr/lib/dpu.xclbin\n", stderr);
        std::fflush(stderr);
        std::abort();
      },
      5000);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.key_line, "Check failed: fd > 0 cannot open /usr/lib/dpu.xclbin");
  EXPECT_NE(r.HowItEnded().find("signal 6"), std::string::npos) << r.HowItEnded();
}

TEST(RunInChild, HangIsKilledAfterTheLimitAndNoFdLeaks) {
  const int before = OpenFdCount();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RunInChild([](int) { ::sleep(60); }, 300);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.success);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  for (int i = 0; i < 20; ++i) RunInChild([](int fd) { WriteChildOk(fd); }, 5000);
  EXPECT_EQ(OpenFdCount(), before) << "every pipe end closed on every path";
}

// ---- start-up checks ----------------------------------------------------------

TEST(StartupChecks, CustomCpuOpIsRefusedNamingOpAndSubgraph) {
  auto m = Model::Open(kXmodels + "vai25_zcu104_mnist_custom_op.xmodel");
  ASSERT_TRUE(m.ok()) << m.status().message();
  Status s = CheckRunnable(**m);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'Mylayer'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("subgraph_custom_layer"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos);

  auto pp = Model::Open(kXmodels + "vai25_zcu104_pointpillars.xmodel");
  ASSERT_TRUE(pp.ok()) << pp.status().message();
  Status p = CheckRunnable(**pp);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.message().find("'transpose'"), std::string::npos) << p.message();
}

TEST(StartupChecks, FingerprintLineHasBothValuesAndTheFix) {
  BoardFingerprints board{{0x101000056010407ULL, 0x101000056010407ULL}, "this board's DPU"};
  Status s = CheckFingerprint("m.xmodel", "sg", 0x101000016010407ULL, board);
  ASSERT_FALSE(s.ok());
  for (const char* want : {"0x101000016010407 (Vitis AI 2.5)", "0x101000056010407 (Vitis AI 3.0+)", "recompile",
                           "2.5 -> 0x101000016010407, 3.0+ -> 0x101000056010407", "m.xmodel", "subgraph sg"})
    EXPECT_NE(s.message().find(want), std::string::npos) << want << " in " << s.message();
  EXPECT_TRUE(CheckFingerprint("m", "sg", 0x101000056010407ULL, board).ok());
  EXPECT_TRUE(CheckFingerprint("m", "sg", 0, board).ok()) << "model without a fingerprint: VART skips the check";
  EXPECT_TRUE(CheckFingerprint("m", "sg", 0x101000016010407ULL, {{0}, "x"}).ok()) << "board 0: VART skips it";
  EXPECT_TRUE(CheckFingerprint("m", "sg", 0x101000016010407ULL, {{}, "x"}).ok()) << "nothing to compare with";
}

TEST(StartupChecks, FirmwarePathFollowsVart) {
  const char* saved = std::getenv("XLNX_VART_FIRMWARE");
  ::unsetenv("XLNX_VART_FIRMWARE");
  const std::string conf = ::testing::TempDir() + "/vart.conf";
  { std::ofstream(conf) << "# comment\nfirmware: /run/media/mmcblk0p1/dpu.xclbin\n"; }
  EXPECT_EQ(DpuFirmwarePath(conf), "/run/media/mmcblk0p1/dpu.xclbin");
  { std::ofstream(conf) << "other: 1\n"; }
  EXPECT_EQ(DpuFirmwarePath(conf), "/usr/lib/dpu.xclbin");
  EXPECT_EQ(DpuFirmwarePath(conf + ".missing"), "/usr/lib/dpu.xclbin");
  ::setenv("XLNX_VART_FIRMWARE", "/opt/x.xclbin", 1);
  EXPECT_EQ(DpuFirmwarePath(conf), "/opt/x.xclbin");
  if (saved) ::setenv("XLNX_VART_FIRMWARE", saved, 1);
  else ::unsetenv("XLNX_VART_FIRMWARE");
}

TEST(StartupChecks, ProbeInModeRefAndModeRunWithoutADpu) {
  auto m = Model::Open(kXmodels + "vai25_zcu104_mnist_custom_op.xmodel");
  ASSERT_TRUE(m.ok()) << m.status().message();
  const xir::Subgraph* sg = (*m)->dpu_subgraphs().at(0);
  // Probes first (they fork; no runner threads alive yet), then a runner.
  EXPECT_TRUE(ProbeRunner(sg, RunMode::kRef).ok()) << ProbeRunner(sg, RunMode::kRef).message();
  // No DPU on this machine: VART aborts in the child, the parent gets a line.
  Status run = ProbeRunner(sg, RunMode::kRun);
  EXPECT_FALSE(run.ok());
  EXPECT_NE(run.message().find("mode run"), std::string::npos) << run.message();
  EXPECT_EQ(run.message().find('\n'), std::string::npos);
  auto runner = CreateRunner(sg, RunMode::kRef);  // the cached probe: no second child
  EXPECT_TRUE(runner.ok()) << runner.status().message();
}

}  // namespace
}  // namespace signdpu::app
