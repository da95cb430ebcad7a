// Optimised conv2d-fix / depthwise-conv2d-fix: weights packed once at
// prepare time, then run for any batch. Bit-exact with
// kernels/reference/conv2d_fix (tests/kernels/conv2d_fix_optimized_test.cc).
//
// Paths (KernelPath, chosen by the caller, normally BestKernelPath()):
//   kReference   the reference kernel itself
//   kPortable    im2col + int8 GEMM in plain C++ (any CPU)
//   kAvx2        int16 vpmaddwd micro-kernels (x86-64 with AVX2)
//   kAvx512Vnni  vpdpbusd micro-kernels, activations + 128 (AVX-512 VNNI)
//   kNeon        vmull_s8 + vpadalq_s16, or sdot with __ARM_FEATURE_DOTPROD
// Depthwise convs use direct per-channel loops on every optimised path.
// The optimised paths accumulate in int32 only when the layer's weights prove
// it exact (128 * sum |w[o]| < 2^31 for every output channel o; e.g. any
// layer with K < 131072); otherwise the op runs the reference kernel. The
// output stage runs in int32 when its intermediates are provably in range,
// else reference::ConvOutputStage (int64) finishes each element.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu::optimized {

class PreparedConv2d {
 public:
  virtual ~PreparedConv2d() = default;
  // in/out: `batch` images in params' NHWC layout (params.config.input.n
  // ignored). Const and thread-safe: scratch memory is per thread.
  virtual void Run(const int8_t* in, int8_t* out, int64_t batch) const = 0;
};

// weights/bias are copied; `path` must be in AvailableKernelPaths() (CHECKed).
std::unique_ptr<PreparedConv2d> PrepareConv2d(const ConvParams& params, const int8_t* weights,
                                              const int8_t* bias, KernelPath path);

// Weight groups (the grouped conv op, ir/ops/grouped_conv2d_fix.cc): convs on
// the same input with the same geometry and activation whose outputs are
// joined along channels (in this order).
// Returns one kernel that writes the concatenated output: one GEMM over all
// groups' channels in int32 accumulators, then each group's own output stage
// (bit-exact with running each conv and the concat). nullptr when it does not
// apply: kReference path, fewer than 2 groups, depthwise, different geometry,
// or accumulators not provably int32 (then run the convs one by one).
struct ConvGroupSpec {
  ConvParams params;
  const int8_t* weights = nullptr;  // OHWI, params.weights_size()
  const int8_t* bias = nullptr;     // [params.output.c] or null
};
std::unique_ptr<PreparedConv2d> PrepareGroupedConv2d(const std::vector<ConvGroupSpec>& groups, KernelPath path);

// True when the optimised paths may accumulate this layer in int32, i.e.
// 128 * sum_k |w[o][k]| < 2^31 for every output channel (false: reference).
bool UsesInt32Accumulators(const ConvParams& params, const int8_t* weights);

}  // namespace signdpu::optimized
