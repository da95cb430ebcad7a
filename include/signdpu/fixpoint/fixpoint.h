// The one normative DPU fixed-point arithmetic (docs/arithmetic.md).
//
// A tensor holds integers q; its real value is q * 2^-fix_point
// (fix_point may be negative: real = q * 2^|fix_point|). [checked]
//
//   (1) ShiftRound(v, s) = s > 0 ? (v + 2^(s-1)) >> s   (arithmetic >>, i.e. floor)
//                                 : v << -s
//       = DPU_ROUND of v / 2^s: halves go toward +inf.   [checked vs xir::xround]
//   (2) Sat8(v) = clamp(v, -128, 127)                    [source: bit_width 8, if_signed]
//   (3) Quantize(x, fp) = Sat8(DPU_ROUND(x * 2^fp))      [source: vart runner_ext.cpp scale]
//   (4) Dequantize(q, fp) = q * 2^-fp
//
// Header-only and dependency-free so kernels inline it in their inner loops.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace signdpu {

// Rounding modes with XIR's names and the legacy integer codes
// quant_*_round_mode: 0 = STD, 1 = DPU, 2 = PY3. [checked]
enum class RoundMode : int {
  kStd = 0,  // halves away from zero:   2.5 -> 3, -2.5 -> -3
  kDpu = 1,  // halves toward +inf:      2.5 -> 3, -2.5 -> -2
  kPy3 = 2,  // halves to even:          2.5 -> 2, -2.5 -> -2
};

const char* RoundModeName(RoundMode mode);  // "STD_ROUND", "DPU_ROUND", "PY3_ROUND"
bool ParseRoundMode(const char* name, RoundMode* mode);

constexpr int32_t kInt8Min = -128;
constexpr int32_t kInt8Max = 127;

// Rounds a real number with the given mode. Used for activations in float
// reference paths (kDpu) and for weights in the quantiser (kStd / kPy3).
inline double RoundReal(double x, RoundMode mode) {
  switch (mode) {
    case RoundMode::kDpu:
      return std::floor(x + 0.5);
    case RoundMode::kStd:
      return std::round(x);  // C's round(): halves away from zero
    case RoundMode::kPy3:
      return std::nearbyint(x);  // default FE_TONEAREST: halves to even
  }
  return std::floor(x + 0.5);
}

// (1) DPU_ROUND right shift by s (s may be <= 0: exact left shift).
inline int64_t ShiftRound(int64_t v, int s) {
  if (s > 0) return (v + (int64_t{1} << (s - 1))) >> s;
  return v * (int64_t{1} << (-s));  // multiply: left shift of a negative is UB before C++20
}

// (2) Saturate to signed 8 bit.
inline int32_t Sat8(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, kInt8Min, kInt8Max));
}

// Saturate to bit_width bits, signed or unsigned.
inline int64_t Saturate(int64_t v, int bit_width, bool if_signed) {
  const int64_t lo = if_signed ? -(int64_t{1} << (bit_width - 1)) : 0;
  const int64_t hi = if_signed ? (int64_t{1} << (bit_width - 1)) - 1 : (int64_t{1} << bit_width) - 1;
  return std::clamp(v, lo, hi);
}

// 2^e as a double, exact for |e| < 1023.
inline double Pow2(int e) { return std::ldexp(1.0, e); }

// (3) float2fix / input quantisation: Sat8(floor(x * 2^fix_point + 0.5)).
// NaN maps to 0 (inferred: the hardware never sees NaN; the application must
// not crash on it).
inline int8_t QuantizeDpu(float x, int fix_point) {
  const double scaled = static_cast<double>(x) * Pow2(fix_point);
  if (std::isnan(scaled)) return 0;
  const double r = std::floor(scaled + 0.5);
  if (r <= kInt8Min) return static_cast<int8_t>(kInt8Min);
  if (r >= kInt8Max) return static_cast<int8_t>(kInt8Max);
  return static_cast<int8_t>(r);
}

// General form with any rounding mode and width (used by the quantiser).
inline int64_t QuantizeReal(double x, int fix_point, RoundMode mode, int bit_width = 8,
                            bool if_signed = true) {
  double scaled = x * Pow2(fix_point);
  if (std::isnan(scaled)) return 0;
  const double lim = Pow2(bit_width + 1);
  scaled = std::clamp(scaled, -lim, lim);  // keep the cast below defined
  return Saturate(static_cast<int64_t>(RoundReal(scaled, mode)), bit_width, if_signed);
}

// (4) fix2float.
inline float Dequantize(int64_t q, int fix_point) {
  return static_cast<float>(static_cast<double>(q) * Pow2(-fix_point));
}

}  // namespace signdpu
