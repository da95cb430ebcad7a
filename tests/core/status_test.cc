#include "signdpu/core/status.h"

#include <gtest/gtest.h>

#include "signdpu/core/shape.h"

namespace signdpu {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("value " + std::to_string(v) + " is not positive");
  return v;
}

Status UsesMacros(int v, int* out) {
  SIGNDPU_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  *out = x * 2;
  return Status::Ok();
}

TEST(Status, OkAndErrorsCarryContext) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("frame.csv").WithContext("--csv");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "--csv: frame.csv");
  EXPECT_STREQ(StatusCodeName(s.code()), "NOT_FOUND");
}

TEST(Result, ValueAndErrorPropagation) {
  int out = 0;
  EXPECT_TRUE(UsesMacros(4, &out).ok());
  EXPECT_EQ(out, 8);
  Status bad = UsesMacros(-1, &out);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "value -1 is not positive");
}

TEST(CheckDeathTest, PrintsBothOperands) {
  int a = 3, b = 4;
  EXPECT_DEATH(SIGNDPU_CHECK_EQ(a, b) << "extra", "a == b \\(3 vs 4\\) extra");
}

TEST(Shape, Helpers) {
  EXPECT_EQ(NumElements({1, 28, 28, 1}), 784);
  EXPECT_EQ(NumElements({}), 1);
  EXPECT_EQ(ShapeToString({1, 2, 3}), "[1,2,3]");
}

}  // namespace
}  // namespace signdpu
