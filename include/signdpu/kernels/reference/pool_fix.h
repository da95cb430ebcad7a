// pool-fix (XIR op name), MAX and AVG, reference kernel.
//
// Integer formula (docs/arithmetic.md section 6 [source: Vitis-AI-Library pool-fix,
// vai_q_pytorch dpu_utils]):
//   MAX: y   = max over the window of in (padded pixels skipped; start at -128,
//              not at Xilinx's CPU reference's smallest positive float, which
//              turns all-negative windows into 0)
//        out = Sat8(ShiftRound(y, fi - fo))
//   AVG: s   = sum over the full kh x kw window (padded pixels are 0)
//        out = Sat8(ShiftRound(s * N, M + fi - fo))   with N / 2^M ~ 1 / (kh * kw)
// (N, M) for the DPU's fixed kernels: 2x2 (1,2) exact, 3x3 (7,6), 5x5 (10,8),
// 6x6 (7,8), 7x7 (21,10), 14x14 (21,12); other sizes: the smallest s in
// [0, ceil(log2(kh*kw*128))) minimising |round(2^s / k) / 2^s - 1 / k|.
#pragma once

#include <cstdint>
#include <string>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/reference/window.h"

namespace signdpu {

enum class PoolType { kMax, kAvg };

// What a pool op stores (its XIR attributes).
struct PoolSpec {
  PoolType type = PoolType::kMax;
  int kernel_h = 2, kernel_w = 2;
  int stride_h = 2, stride_w = 2;
  int pad_left = 0, pad_right = 0, pad_top = 0, pad_bottom = 0;
};

// One pool as the kernel sees it: the stored spec plus what a graph derives
// from its tensors (input shape, input/output fix points).
struct PoolConfig : PoolSpec {
  Nhwc input;
  int fix_in = 0, fix_out = 0;
};

struct PoolParams {
  PoolConfig config;
  Nhwc output;
  int shift = 0;            // MAX: fi - fo; AVG: M + fi - fo
  int64_t avg_multiplier = 1;  // N (AVG only)
  int avg_shift = 0;           // M (AVG only)
};

// The (N, M) pair for a kh x kw average (see header comment).
void AvgPoolFactor(int kernel_h, int kernel_w, int64_t* multiplier, int* shift);

Result<PoolParams> MakePoolParams(const PoolConfig& config, const std::string& name = "pool");

namespace reference {
void PoolFix(const PoolParams& params, const int8_t* in, int8_t* out);
}  // namespace reference
}  // namespace signdpu
