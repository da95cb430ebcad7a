// Choosing power-of-two fix points (real = q * 2^-fix_point).
//
// Weights and biases: the position minimising the squared quantisation error
// over the tensor, rounding half away from zero (STD_ROUND, what Vitis AI's
// TF1 quantiser does for weights [source: vai_q_tensorflow]).
// Activations, per calibration batch, with Vitis AI's two methods:
//   non-overflow: the largest position with max|x| * 2^fp <= 127 (no value
//                 saturates);
//   min-MSE ("diffs"): try the non-overflow position and the next ones up
//                 (finer steps, some saturation), keep the least squared
//                 error under DPU_ROUND + Sat8 [source: vai_q_pytorch
//                 diffs method; the number of extra steps (4) is ours].
// Batches are combined like Vitis AI: the most common position over the
// batches wins; ties go to the smaller (safer) position.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu::quantize {

enum class CalibMethod { kNonOverflow, kMinMse };
const char* CalibMethodName(CalibMethod m);          // "non-overflow", "min-mse"
bool ParseCalibMethod(const std::string& s, CalibMethod* m);

constexpr int kMinFixPoint = -16;
constexpr int kMaxFixPoint = 24;

// Largest position whose max |x| fits in int8 without saturating.
int NonOverflowFixPoint(const float* data, int64_t size, int bit_width = 8);

// Sum of squared errors of quantising data at `fix_point` (with `mode`, saturating).
double QuantizationSquaredError(const float* data, int64_t size, int fix_point, RoundMode mode);

// Position in [non-overflow, non-overflow + extra_steps] with the least error.
int MinMseFixPoint(const float* data, int64_t size, RoundMode mode, int extra_steps = 4);

// One activation's calibration state across batches.
class ActivationObserver {
 public:
  explicit ActivationObserver(CalibMethod method = CalibMethod::kMinMse) : method_(method) {}
  void ObserveBatch(const float* data, int64_t size);
  // Adds another observer's votes (batches observed on another thread).
  void Merge(const ActivationObserver& other);
  bool empty() const { return votes_.empty(); }
  // The most common per-batch position; ties to the smaller one.
  int FixPoint() const;
  float max_abs() const { return max_abs_; }
  const std::map<int, int>& votes() const { return votes_; }

 private:
  CalibMethod method_;
  std::map<int, int> votes_;
  float max_abs_ = 0.0f;
};

// Quantises a weight/bias tensor with the best position (min squared error,
// STD_ROUND) unless `forced_fix_point` is given.
struct QuantizedTensor {
  std::vector<int8_t> q;
  int fix_point = 0;
  double sqnr_db = 0.0;
};
QuantizedTensor QuantizeWeights(const std::vector<float>& w, RoundMode mode = RoundMode::kStd);
QuantizedTensor QuantizeWeightsAt(const std::vector<float>& w, int fix_point, RoundMode mode = RoundMode::kStd);

// 10 log10(sum x^2 / sum (x - y)^2); +inf (reported as 200 dB) when equal.
double SqnrDb(const float* x, const float* y, int64_t size);

}  // namespace signdpu::quantize
