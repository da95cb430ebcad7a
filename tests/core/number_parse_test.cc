// The one checked number parser: whole-string, 64-bit, never wraps, and
// says "out of range" (with the range) for a value too large or too small.
#include "signdpu/core/number_parse.h"

#include <gtest/gtest.h>

#include <limits>

namespace signdpu {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(ParseInt64, AcceptsPlainIntegersInRange) {
  EXPECT_EQ(*ParseInt64("0", "--x", 0, 10), 0);
  EXPECT_EQ(*ParseInt64("+7", "--x", 0, 10), 7);
  EXPECT_EQ(*ParseInt64("-3", "--x", -5, 10), -3);
  EXPECT_EQ(*ParseInt64("9223372036854775807", "--x", 0, kMax), kMax);
  EXPECT_EQ(*ParseInt64("-9223372036854775808", "--x", kMin, 0), kMin);
  EXPECT_EQ(*ParseInt64("007", "--x", 0, 10), 7);
}

TEST(ParseInt64, TooLargeIsOutOfRangeNotGarbage) {
  for (const char* big : {"9223372036854775808", "99999999999999999999999", "18446744073709551616",
                          "-9223372036854775809"}) {
    auto r = ParseInt64(big, "--limit", 1, kMax);
    ASSERT_FALSE(r.ok()) << big;
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
    EXPECT_NE(r.status().message().find("--limit '" + std::string(big) + "': out of range"), std::string::npos)
        << r.status().message();
  }
  auto r = ParseInt64("65", "--threads", 1, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "--threads '65': out of range (expected 1 to 64)");
  auto neg = ParseInt64("-5", "--limit", 1, kMax);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().message(), "--limit '-5': out of range (expected 1 to 9223372036854775807)");
}

TEST(ParseInt64, NotAnIntegerAndEmptyAreNamed) {
  for (const char* bad : {"abc", "1.5", " 1", "1 ", "0x10", "1e3", "-", "+", "1,2", "--1"}) {
    auto r = ParseInt64(bad, "--top-k", 1, 100);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("not an integer"), std::string::npos) << r.status().message();
  }
  auto e = ParseInt64("", "--width", 1, 100);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "--width: empty value, expected an integer");
  // Control characters in a value are escaped in the message (one line).
  auto c = ParseInt64("1\n2", "--limit", 1, 10);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
}

TEST(ParseFinite, RangeNanInfinityAndSyntax) {
  EXPECT_DOUBLE_EQ(*ParseFinite("2.5", "--bench", 0, 100), 2.5);
  EXPECT_DOUBLE_EQ(*ParseFinite("1e1", "--bench", 0, 100), 10.0);
  EXPECT_DOUBLE_EQ(*ParseFinite(".5", "--fps", 0, 100), 0.5);
  for (const char* bad : {"nan", "inf", "-inf", "0x10", " 1", "1.", "e5", "1e", "abc", "1e5x"}) {
    auto r = ParseFinite(bad, "--fps", 0, 1000);
    if (std::string(bad) == "1.") {
      EXPECT_TRUE(r.ok());  // "1." is a plain decimal
      continue;
    }
    ASSERT_FALSE(r.ok()) << bad;
  }
  auto big = ParseFinite("1e400", "--bench", 0, 100);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("out of range"), std::string::npos) << big.status().message();
  auto neg = ParseFinite("-1", "--bench", 0, 100);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().code(), StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace signdpu
