// Per-frame lines and the summary with hostile names: a file name or label
// holding a newline, CR or Latin-1 bytes cannot forge a line (an `FPS=`
// line scripts grep) and never aborts a JSON writer.
#include "signdpu/app/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "signdpu/core/json_text.h"

namespace signdpu::app {
namespace {

int CountLinesStartingWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0;
  return n;
}

FrameResult Hostile() {
  FrameResult r;
  r.index = 3;
  r.id = "img/caf\xE9\nFPS=99999.png";
  r.label = 1;
  r.top = {{1, 0.9f}, {0, 0.1f}};
  r.latency_us = 12;
  return r;
}

TEST(Report, FrameTextIsOneLineWhateverTheNames) {
  const std::vector<std::string> labels = {"zero\rFPS=1", "on\xE9"};
  const std::string line = FrameText(Hostile(), labels);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_TRUE(IsValidUtf8(line)) << line;
  EXPECT_NE(line.find("img/caf\xEF\xBF\xBD\\nFPS=99999.png: "), std::string::npos) << line;
}

TEST(Report, FrameJsonWithLatinOneParsesBack) {
  const std::vector<std::string> labels = {"zero", "on\xE9"};
  std::string line;
  ASSERT_NO_THROW(line = FrameJson(Hostile(), labels));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["id"].get<std::string>(), "img/caf\xEF\xBF\xBD\nFPS=99999.png");
  EXPECT_EQ(j["label"].get<std::string>(), "on\xEF\xBF\xBD");
  EXPECT_EQ(j["class"].get<int>(), 1);
}

TEST(Report, SummaryHasExactlyOneFpsLineAndValidJson) {
  StatsCollector stats(2, {"a\nFPS=99999", "b\xE9"});
  stats.Add(Hostile());
  Summary s = stats.Finish(1.0, {{0.5, 1}});
  s.source = "images d\nFPS=12345 (1 files)";
  s.mode = "ref";
  const std::string text = SummaryText(s);
  EXPECT_EQ(CountLinesStartingWith(text, "FPS="), 1) << text;
  EXPECT_TRUE(IsValidUtf8(text));
  std::string json;
  ASSERT_NO_THROW(json = SummaryJson(s));
  const auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["source"].get<std::string>(), "images d\nFPS=12345 (1 files)");
  EXPECT_EQ(j["per_class"][1]["label"].get<std::string>(), "b\xEF\xBF\xBD");
}

// A class name longer than the table's 14-byte column is printed whole
// (it used to be cut to 14 bytes), and the columns stay aligned.
TEST(Report, LongClassNamesAreNotCutInTheTables) {
  const std::string longname = "a class name of thirty bytes!!";
  ASSERT_EQ(longname.size(), 30u);
  StatsCollector stats(2, {"short", longname});
  FrameResult r;
  r.label = 1;
  r.top = {{1, 0.9f}};
  stats.Add(r);
  r.index = 1;
  r.label = 0;
  r.top = {{1, 0.8f}};
  stats.Add(r);
  Summary s = stats.Finish(1.0, {{0.5, 2}});
  const std::string text = SummaryText(s);
  EXPECT_NE(text.find("\n  " + longname + "  0.500  1.000      1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  short" + std::string(25, ' ') + "  0.000  0.000      1\n"), std::string::npos) << text;
  // Matrix: the header pads the 30-byte name column; columns are the first
  // 5 bytes of each name; rows carry full names.
  EXPECT_NE(text.find("\n  " + std::string(30, ' ') + " short a cla\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  " + longname + "     0     1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  short" + std::string(25, ' ') + "     0     1\n"), std::string::npos) << text;
}

// Names up to 14 bytes keep the 14-byte column (the output of every
// earlier release).
TEST(Report, ShortClassNamesKeepTheFourteenByteColumn) {
  StatsCollector stats(2, {"zero", "one"});
  FrameResult r;
  r.label = 0;
  r.top = {{0, 0.9f}};
  stats.Add(r);
  Summary s = stats.Finish(1.0, {{0.5, 1}});
  const std::string text = SummaryText(s);
  EXPECT_NE(text.find("\n  zero            1.000  1.000      1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n                  zero\n  zero               1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace signdpu::app
