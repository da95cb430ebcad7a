// Rounding ties, saturation edges and shifts: the table in docs/arithmetic.md.
#include "signdpu/fixpoint/fixpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace signdpu {
namespace {

struct TieCase {
  double x;
  double std_round, dpu_round, py3_round;
};

TEST(RoundReal, TiesInEveryMode) {
  const TieCase cases[] = {
      // x      STD   DPU   PY3
      {2.5, 3, 3, 2},     // positive half: STD away, DPU up, PY3 to even (2)
      {3.5, 4, 4, 4},     // positive half, odd floor: all three agree on 4
      {0.5, 1, 1, 0},     // smallest positive half
      {-0.5, -1, 0, 0},   // negative half: DPU goes toward +inf (0), STD away (-1)
      {-1.5, -2, -1, -2}, // DPU -1, PY3 to even -2
      {-2.5, -3, -2, -2}, // the rounding table of docs/arithmetic.md section 2
      {1.25, 1, 1, 1},    // not a tie
      {-1.75, -2, -2, -2},
      {0.0, 0, 0, 0},
  };
  for (const TieCase& c : cases) {
    EXPECT_EQ(RoundReal(c.x, RoundMode::kStd), c.std_round) << "x=" << c.x;
    EXPECT_EQ(RoundReal(c.x, RoundMode::kDpu), c.dpu_round) << "x=" << c.x;
    EXPECT_EQ(RoundReal(c.x, RoundMode::kPy3), c.py3_round) << "x=" << c.x;
  }
}

TEST(ShiftRound, TableOfShifts) {
  struct Case { int64_t v; int s; int64_t want; } const cases[] = {
      {5, 0, 5},          // shift 0: identity
      {-5, 0, -5},
      {5, 1, 3},          // 2.5 -> 3 (tie toward +inf)
      {-5, 1, -2},        // -2.5 -> -2 (tie toward +inf, not away from zero)
      {-3, 1, -1},        // -1.5 -> -1
      {-1, 1, 0},         // -0.5 -> 0
      {1, 1, 1},          // 0.5 -> 1
      {7, 1, 4},          // 3.5 -> 4
      {32768, 16, 1},     // 0.5 at shift 16 -> 1
      {-32768, 16, 0},    // -0.5 at shift 16 -> 0
      {98304, 16, 2},     // 1.5 -> 2
      {-98304, 16, -1},   // -1.5 -> -1
      {32767, 16, 0},     // just below the tie
      {3, -2, 12},        // negative shift: exact left shift
      {-3, -2, -12},
      {int64_t{1} << 40, 20, int64_t{1} << 20},
  };
  for (const auto& c : cases) EXPECT_EQ(ShiftRound(c.v, c.s), c.want) << "v=" << c.v << " s=" << c.s;
}

TEST(Sat8, Edges) {
  EXPECT_EQ(Sat8(127), 127);
  EXPECT_EQ(Sat8(128), 127);
  EXPECT_EQ(Sat8(-128), -128);
  EXPECT_EQ(Sat8(-129), -128);
  EXPECT_EQ(Sat8(int64_t{1} << 40), 127);
  EXPECT_EQ(Sat8(-(int64_t{1} << 40)), -128);
  EXPECT_EQ(Saturate(300, 8, false), 255);
  EXPECT_EQ(Saturate(-1, 8, false), 0);
  EXPECT_EQ(Saturate(40000, 16, true), 32767);
}

TEST(QuantizeDpu, PositiveAndNegativeFixPoint) {
  // fix_point 7: q = floor(x * 128 + 0.5)
  EXPECT_EQ(QuantizeDpu(0.5f, 7), 64);
  EXPECT_EQ(QuantizeDpu(1.0f, 7), 127);          // 128 saturates
  EXPECT_EQ(QuantizeDpu(-1.0f, 7), -128);        // exactly representable
  EXPECT_EQ(QuantizeDpu(-2.0f, 7), -128);        // saturates
  EXPECT_EQ(QuantizeDpu(3.0f / 256, 7), 2);      // 1.5 -> 2
  EXPECT_EQ(QuantizeDpu(-3.0f / 256, 7), -1);    // -1.5 -> -1 (DPU tie)
  // fix_point -2 (the compiled MNIST model's input): real = 4q
  EXPECT_EQ(QuantizeDpu(10.0f, -2), 3);          // 2.5 -> 3
  EXPECT_EQ(QuantizeDpu(-10.0f, -2), -2);        // -2.5 -> -2
  EXPECT_EQ(QuantizeDpu(1000.0f, -2), 127);
  EXPECT_EQ(QuantizeDpu(std::nanf(""), 3), 0);
  EXPECT_FLOAT_EQ(Dequantize(3, -2), 12.0f);
  EXPECT_FLOAT_EQ(Dequantize(-64, 7), -0.5f);
}

TEST(QuantizeReal, ModesAndWidth) {
  EXPECT_EQ(QuantizeReal(2.5 / 8, 3, RoundMode::kStd), 3);
  EXPECT_EQ(QuantizeReal(2.5 / 8, 3, RoundMode::kPy3), 2);
  EXPECT_EQ(QuantizeReal(-2.5 / 8, 3, RoundMode::kStd), -3);
  EXPECT_EQ(QuantizeReal(-2.5 / 8, 3, RoundMode::kDpu), -2);
  EXPECT_EQ(QuantizeReal(1e30, 0, RoundMode::kDpu), 127);
  EXPECT_EQ(QuantizeReal(-1e30, 0, RoundMode::kDpu), -128);
}

TEST(RoundModeNames, RoundTrip) {
  for (RoundMode m : {RoundMode::kStd, RoundMode::kDpu, RoundMode::kPy3}) {
    RoundMode parsed;
    ASSERT_TRUE(ParseRoundMode(RoundModeName(m), &parsed));
    EXPECT_EQ(parsed, m);
  }
  RoundMode unused;
  EXPECT_FALSE(ParseRoundMode("HALF_UP", &unused));
}

// 200,000 random (v, s) against the float formula floor(v / 2^s + 0.5),
// which is exact while |v| <= 2^24 (docs/arithmetic.md section 1 [checked]).
TEST(ShiftRound, MatchesFloatFormulaOnRandomCases) {
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int64_t> value(-(int64_t{1} << 24), int64_t{1} << 24);
  std::uniform_int_distribution<int> shift(-4, 16);
  for (int i = 0; i < 200000; ++i) {
    const int64_t v = value(rng);
    const int s = shift(rng);
    const double f = std::floor(static_cast<double>(v) / std::ldexp(1.0, s) + 0.5);
    ASSERT_EQ(ShiftRound(v, s), static_cast<int64_t>(f)) << "v=" << v << " s=" << s;
  }
}

}  // namespace
}  // namespace signdpu
