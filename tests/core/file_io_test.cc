#include "signdpu/core/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace signdpu {
namespace {

namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("signdpu_file_io_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  fs::path dir_;
};

TEST_F(FileIoTest, ReadsARegularFileWithinItsCap) {
  const std::string p = Write("a.bin", std::string("ab\0c", 4));
  auto r = ReadRegularFile(p, 4, "raw tensor");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, std::string("ab\0c", 4));
}

TEST_F(FileIoTest, RefusesAFileLargerThanItsCapNamingBoth) {
  const std::string p = Write("big.bin", std::string(100, 'x'));
  auto r = ReadRegularFile(p, 99, "--labels");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("--labels"), std::string::npos);
  EXPECT_NE(r.status().message().find("100 bytes"), std::string::npos);
  EXPECT_NE(r.status().message().find("99 bytes"), std::string::npos);
}

TEST_F(FileIoTest, RefusesDevicesDirectoriesFifosAndSymlinksToDevices) {
  for (const char* dev : {"/dev/zero", "/dev/null", "/dev/urandom"}) {
    auto r = ReadRegularFile(dev, 1 << 20, "raw tensor");
    ASSERT_FALSE(r.ok()) << dev;
    EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos) << r.status().message();
  }
  const fs::path link = dir_ / "zero_link";
  fs::create_symlink("/dev/zero", link);
  EXPECT_FALSE(ReadRegularFile(link.string(), 1 << 20, "x").ok());
  EXPECT_FALSE(ReadRegularFile(dir_.string(), 1 << 20, "x").ok());
  const std::string fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = ReadRegularFile(fifo, 1 << 20, "x");  // must not block
  EXPECT_FALSE(r.ok());
  auto missing = ReadRegularFile((dir_ / "nope").string(), 10, "x");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ReadRegularFile("", 10, "--csv").ok());
}

TEST_F(FileIoTest, AtomicWriteReplacesAllOrNothing) {
  const std::string p = (dir_ / "out.json").string();
  ASSERT_TRUE(WriteFileAtomic(p, "{\"a\":1}\n").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "{\"a\":2}\n").ok());
  auto r = ReadRegularFile(p, 100, "out");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\"a\":2}\n");
  // No temporary files are left behind.
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(FileIoTest, AtomicWriteFailureNamesTheRealCause) {
  const std::string p = (dir_ / "no_such_dir" / "out.json").string();
  Status s = WriteFileAtomic(p, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("Success"), std::string::npos);
}

// rename() would replace a device node or FIFO with a regular file (as
// root: `--summary-json /dev/full` once replaced /dev/full on a test
// machine). A name that exists and is not a regular file is refused.
TEST_F(FileIoTest, AtomicWriteRefusesToReplaceANonRegularFile) {
  const std::string fifo = (dir_ / "out.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Status s = WriteFileAtomic(fifo, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a regular file"), std::string::npos) << s.message();
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  const std::string link = (dir_ / "to_dev_null").string();
  ASSERT_EQ(::symlink("/dev/null", link.c_str()), 0);
  EXPECT_FALSE(WriteFileAtomic(link, "x").ok());
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(FileIoTest, CheckedCloseReportsAFullDevice) {
  std::FILE* f = std::fopen("/dev/full", "w");
  ASSERT_NE(f, nullptr);
  std::fputs("FPS=1\n", f);
  Status s = CheckedClose(f, "summary");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("No space left on device"), std::string::npos) << s.message();
  std::FILE* g = std::fopen((dir_ / "ok.txt").string().c_str(), "w");
  std::fputs("ok\n", g);
  EXPECT_TRUE(CheckedClose(g, "ok").ok());
}

}  // namespace
}  // namespace signdpu
