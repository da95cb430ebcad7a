// Labels files and embedded labels: bounded reads, no control characters
// (a name cannot forge an output line), one name per class of the model.
#include "signdpu/io/labels.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace signdpu::io {
namespace {

namespace fs = std::filesystem;

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const fs::path p = fs::path(::testing::TempDir()) / ("labels_" + name);
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

TEST(Labels, LinesCrlfAndTrailingEmptyLines) {
  auto l = ParseLabels("zero\r\none\ntwo\n\n\n", "--labels f");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, (std::vector<std::string>{"zero", "one", "two"}));
  auto no_newline = ParseLabels("a\nb", "--labels f");
  ASSERT_TRUE(no_newline.ok());
  EXPECT_EQ(no_newline->size(), 2u);
  // Latin-1 names are bytes: accepted (JSON writers replace invalid UTF-8).
  auto latin1 = ParseLabels("caf\xE9\n", "--labels f");
  ASSERT_TRUE(latin1.ok());
  EXPECT_EQ((*latin1)[0], "caf\xE9");
  auto empty = ParseLabels("\n\n", "--labels f");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no labels"), std::string::npos);
}

TEST(Labels, ControlCharactersRefusedWithLineAndByte) {
  // A lone CR (not CRLF) would let a name rewrite the start of its line.
  for (const std::string& text : {std::string("ok\nbad\rFPS=1\n"), std::string("ok\nbad\x1b[2J\n"),
                                  std::string("ok\nta\tb\n"), std::string("ok\nn\x7f\n"),
                                  std::string("ok\nnul\0x\n", 9)}) {
    auto l = ParseLabels(text, "--labels f.txt");
    ASSERT_FALSE(l.ok()) << text;
    EXPECT_NE(l.status().message().find("--labels f.txt: line 2: control character"), std::string::npos)
        << l.status().message();
    EXPECT_EQ(l.status().message().find('\n'), std::string::npos);
  }
  auto longname = ParseLabels(std::string(kMaxLabelBytes + 1, 'a'), "--labels f");
  ASSERT_FALSE(longname.ok());
  EXPECT_NE(longname.status().message().find("at most 1024"), std::string::npos);
}

TEST(Labels, ReadIsBoundedAndRegularFilesOnly) {
  auto ok = ReadLabelsFile(WriteFile("ok.txt", "a\nb\n"));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->size(), 2u);
  auto zero = ReadLabelsFile("/dev/zero");  // would never end without the regular-file check
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("--labels"), std::string::npos) << zero.status().message();
  auto huge = ReadLabelsFile(WriteFile("huge.txt", std::string(kMaxLabelsFileBytes + 1, 'x')));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kOutOfRange);
  auto missing = ReadLabelsFile("/nonexistent/labels.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/labels.txt"), std::string::npos);
  EXPECT_FALSE(ReadLabelsFile("").ok());
}

TEST(Labels, ValidateAgainstTheModelNamesBothCounts) {
  EXPECT_TRUE(ValidateLabels({}, 10, "--labels f").ok());  // no labels: class numbers
  EXPECT_TRUE(ValidateLabels({"a", "b"}, 2, "--labels f").ok());
  Status fewer = ValidateLabels({"a", "b"}, 10, "--labels f.txt");
  ASSERT_FALSE(fewer.ok());
  EXPECT_EQ(fewer.message(), "--labels f.txt: 2 labels for a model with 10 classes");
  Status more = ValidateLabels({"a", "b", "c"}, 2, "labels embedded in m.xmodel");
  ASSERT_FALSE(more.ok());
  EXPECT_NE(more.message().find("3 labels for a model with 2 classes"), std::string::npos);
  // Embedded labels (read from a model, not from a file) get the same check.
  Status forged = ValidateLabels({"a", "b\nFPS=99999"}, 2, "labels embedded in m.xmodel");
  ASSERT_FALSE(forged.ok());
  EXPECT_NE(forged.message().find("labels embedded in m.xmodel: class 1: control character 0x0a"), std::string::npos)
      << forged.message();
}

}  // namespace
}  // namespace signdpu::io
