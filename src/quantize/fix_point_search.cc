#include "signdpu/quantize/fix_point_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace signdpu::quantize {

const char* CalibMethodName(CalibMethod m) {
  return m == CalibMethod::kNonOverflow ? "non-overflow" : "min-mse";
}

bool ParseCalibMethod(const std::string& s, CalibMethod* m) {
  if (s == "non-overflow" || s == "non_overflow") { *m = CalibMethod::kNonOverflow; return true; }
  if (s == "min-mse" || s == "min_mse" || s == "diffs") { *m = CalibMethod::kMinMse; return true; }
  return false;
}

int NonOverflowFixPoint(const float* data, int64_t size, int bit_width) {
  float max_abs = 0.0f;
  float max_pos = 0.0f, min_neg = 0.0f;
  for (int64_t i = 0; i < size; ++i) {
    const float v = data[i];
    if (!(std::fabs(v) <= std::numeric_limits<float>::max())) continue;  // skip NaN/inf
    max_pos = std::max(max_pos, v);
    min_neg = std::min(min_neg, v);
  }
  max_abs = std::max(max_pos, -min_neg);
  if (max_abs == 0.0f) return kMaxFixPoint / 2;  // all zero: any position is exact
  const double hi = std::ldexp(1.0, bit_width - 1) - 1;  // 127
  const double lo = -std::ldexp(1.0, bit_width - 1);     // -128
  // Start from the analytic guess and walk so that max * 2^fp <= 127 and
  // min * 2^fp >= -128 hold, maximal fp.
  int fp = static_cast<int>(std::floor(std::log2(hi / max_abs)));
  fp = std::clamp(fp, kMinFixPoint, kMaxFixPoint);
  while (fp < kMaxFixPoint && max_pos * std::ldexp(1.0, fp + 1) <= hi && min_neg * std::ldexp(1.0, fp + 1) >= lo) ++fp;
  while (fp > kMinFixPoint && (max_pos * std::ldexp(1.0, fp) > hi || min_neg * std::ldexp(1.0, fp) < lo)) --fp;
  return fp;
}

double QuantizationSquaredError(const float* data, int64_t size, int fix_point, RoundMode mode) {
  if (mode != RoundMode::kDpu) {
    double err = 0.0;
    const double inv = std::ldexp(1.0, -fix_point);
    for (int64_t i = 0; i < size; ++i) {
      const double x = data[i];
      if (!std::isfinite(x)) continue;
      const double d = x - static_cast<double>(QuantizeReal(x, fix_point, mode)) * inv;
      err += d * d;
    }
    return err;
  }
  // DPU_ROUND + Sat8 in a form the compiler vectorises (this loop dominates
  // calibration time): clamping x * 2^fp to [-128.5, 127.49] first makes
  // floor(s + 0.5) a truncation of a non-negative number and already
  // saturated, identical to Sat8(floor(s + 0.5)) for every finite s.
  const float scale = std::ldexp(1.0f, fix_point), inv = std::ldexp(1.0f, -fix_point);
  double err = 0.0;
  constexpr int64_t kChunk = 4096;  // float partial sums, double across chunks
  for (int64_t begin = 0; begin < size; begin += kChunk) {
    const int64_t end = std::min(size, begin + kChunk);
    float part = 0.0f;
#pragma omp simd reduction(+ : part)
    for (int64_t i = begin; i < end; ++i) {
      const float x = data[i];
      const float s = std::min(std::max(x * scale, -128.5f), 127.49f);
      const float r = static_cast<float>(static_cast<int32_t>(s + 128.5f) - 128);
      const float d = x - r * inv;
      part += d * d;
    }
    err += part;
  }
  return err;
}

int MinMseFixPoint(const float* data, int64_t size, RoundMode mode, int extra_steps) {
  const int start = NonOverflowFixPoint(data, size);
  int best = start;
  double best_err = QuantizationSquaredError(data, size, start, mode);
  for (int fp = start + 1; fp <= std::min(start + extra_steps, kMaxFixPoint); ++fp) {
    const double e = QuantizationSquaredError(data, size, fp, mode);
    if (e < best_err) {
      best_err = e;
      best = fp;
    }
  }
  return best;
}

void ActivationObserver::ObserveBatch(const float* data, int64_t size) {
  if (size <= 0) return;
  for (int64_t i = 0; i < size; ++i)
    if (std::isfinite(data[i])) max_abs_ = std::max(max_abs_, std::fabs(data[i]));
  const int fp = method_ == CalibMethod::kNonOverflow ? NonOverflowFixPoint(data, size)
                                                      : MinMseFixPoint(data, size, RoundMode::kDpu);
  ++votes_[fp];
}

void ActivationObserver::Merge(const ActivationObserver& other) {
  for (const auto& [fp, n] : other.votes_) votes_[fp] += n;
  max_abs_ = std::max(max_abs_, other.max_abs_);
}

int ActivationObserver::FixPoint() const {
  int best = 0, best_votes = -1;
  for (const auto& [fp, n] : votes_) {  // ascending fp: ties keep the smaller
    if (n > best_votes) {
      best = fp;
      best_votes = n;
    }
  }
  return best;
}

double SqnrDb(const float* x, const float* y, int64_t size) {
  double sig = 0.0, noise = 0.0;
  for (int64_t i = 0; i < size; ++i) {
    sig += static_cast<double>(x[i]) * x[i];
    const double d = static_cast<double>(x[i]) - y[i];
    noise += d * d;
  }
  if (noise == 0.0) return 200.0;
  if (sig == 0.0) return -200.0;
  return 10.0 * std::log10(sig / noise);
}

QuantizedTensor QuantizeWeightsAt(const std::vector<float>& w, int fix_point, RoundMode mode) {
  QuantizedTensor t;
  t.fix_point = fix_point;
  t.q.resize(w.size());
  std::vector<float> back(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    t.q[i] = static_cast<int8_t>(QuantizeReal(w[i], fix_point, mode));
    back[i] = Dequantize(t.q[i], fix_point);
  }
  t.sqnr_db = SqnrDb(w.data(), back.data(), static_cast<int64_t>(w.size()));
  return t;
}

QuantizedTensor QuantizeWeights(const std::vector<float>& w, RoundMode mode) {
  const int64_t n = static_cast<int64_t>(w.size());
  const int start = NonOverflowFixPoint(w.data(), n);
  int best = start;
  double best_err = QuantizationSquaredError(w.data(), n, start, mode);
  // Finer positions saturate the largest weights; they can still win when a
  // few outliers dominate the range.
  for (int fp = start + 1; fp <= std::min(start + 4, kMaxFixPoint); ++fp) {
    const double e = QuantizationSquaredError(w.data(), n, fp, mode);
    if (e < best_err) {
      best_err = e;
      best = fp;
    }
  }
  return QuantizeWeightsAt(w, best, mode);
}

}  // namespace signdpu::quantize
