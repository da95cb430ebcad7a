// The one JSON writer and the printable-text helper: invalid UTF-8 (a
// Latin-1 file name or label) must never abort a JSON writer, the output
// must parse back, and no name can break or forge a printed line.
#include "signdpu/core/json_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace signdpu {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextUnchanged) {
  for (const std::string s : {"", "plain", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x91\x8D", "a\nb"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(SanitizeUtf8(s), s);
  }
}

TEST(Utf8, InvalidSequencesReplaced) {
  EXPECT_EQ(SanitizeUtf8("caf\xE9"), "caf" + kFffd);                    // Latin-1 e-acute
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), kFffd + kFffd);                   // overlong '/'
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);       // surrogate D800
  EXPECT_EQ(SanitizeUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  EXPECT_EQ(SanitizeUtf8("\xE2\x82"), kFffd);                           // truncated: one maximal subpart
  EXPECT_EQ(SanitizeUtf8("\xE2\x82x"), kFffd + "x");
  EXPECT_EQ(SanitizeUtf8("\x80\xBF"), kFffd + kFffd);                   // stray continuation bytes
  EXPECT_EQ(SanitizeUtf8("\xFF"), kFffd);
  for (const std::string s : {"caf\xE9", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82", "\xFF"}) EXPECT_FALSE(IsValidUtf8(s));
}

TEST(DumpJson, LatinOneStringsDoNotThrowAndParseBack) {
  nlohmann::ordered_json j;
  j["id"] = "images/caf\xE9.png";
  j["label"] = std::string("T-shirt\xA0top\0x", 13);
  j["nested"] = {{"k", "\xC3"}};
  std::string out;
  ASSERT_NO_THROW(out = DumpJson(j, 2));
  EXPECT_TRUE(IsValidUtf8(out));
  const auto back = nlohmann::json::parse(out);
  EXPECT_EQ(back["id"].get<std::string>(), "images/caf" + kFffd + ".png");
  EXPECT_EQ(back["nested"]["k"].get<std::string>(), kFffd);
  // One line without indent, and a raw dump would indeed have thrown.
  EXPECT_EQ(DumpJson(j).find('\n'), std::string::npos);
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  nlohmann::json plain = {{"a", "\xE9"}};
  EXPECT_EQ(nlohmann::json::parse(DumpJson(plain))["a"].get<std::string>(), kFffd);
}

TEST(PrintableText, ControlCharactersCannotBreakALine) {
  EXPECT_EQ(PrintableText("a\nFPS=999"), "a\\nFPS=999");
  EXPECT_EQ(PrintableText("x\r\ty"), "x\\r\\ty");
  EXPECT_EQ(PrintableText(std::string("\x1b[31m\0\x7f", 7)), "\\x1b[31m\\x00\\x7f");
  EXPECT_EQ(PrintableText("back\\slash"), "back\\slash");
  // Idempotent: a message that quotes an escaped value stays as it is.
  const std::string once = PrintableText("a\rb\x01");
  EXPECT_EQ(PrintableText(once), once);
  EXPECT_EQ(PrintableText("caf\xE9"), "caf" + kFffd);
  EXPECT_EQ(PrintableText("caf\xC3\xA9"), "caf\xC3\xA9");
}

// Every JSON writer goes through DumpJson: no `.dump(` call outside the
// helper in the sources (a new writer that forgets it would abort on the
// first Latin-1 file name).
TEST(DumpJson, NoRawDumpCallsInTheSources) {
  namespace fs = std::filesystem;
  const fs::path root = SIGNDPU_SOURCE_DIR;
  // ".dump", optional blanks, "(" (std::regex avoided: GCC 12 warns inside
  // it under -fsanitize=address -Werror).
  auto raw_dump = [](const std::string& code) {
    for (size_t at = code.find(".dump"); at != std::string::npos; at = code.find(".dump", at + 1)) {
      size_t i = at + 5;
      while (i < code.size() && (code[i] == ' ' || code[i] == '\t')) ++i;
      if (i < code.size() && code[i] == '(') return true;
    }
    return false;
  };
  std::vector<std::string> offenders;
  int files = 0;
  for (const char* top : {"src", "include", "tests", "bench", "tools"}) {
    std::error_code ec;
    if (!fs::is_directory(root / top, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root / top, ec); it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& p = it->path();
      const std::string ext = p.extension().string();
      if (ext != ".cc" && ext != ".h" && ext != ".cpp" && ext != ".hpp") continue;
      if (p.filename() == "json_text.cc" || p.filename() == "json_text_test.cc") continue;
      ++files;
      std::ifstream in(p);
      std::string line;
      int n = 0;
      while (std::getline(in, line)) {
        ++n;
        const auto comment = line.find("//");
        const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
        if (raw_dump(code)) offenders.push_back(p.string() + ":" + std::to_string(n) + ": " + line);
      }
    }
  }
  EXPECT_GT(files, 50) << "source tree not found at " << root;
  std::ostringstream all;
  for (const auto& o : offenders) all << o << "\n";
  EXPECT_TRUE(offenders.empty()) << "use signdpu::DumpJson instead of a raw .dump():\n" << all.str();
}

}  // namespace
}  // namespace signdpu
