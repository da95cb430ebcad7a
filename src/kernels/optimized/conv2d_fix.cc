// Optimised conv2d-fix dispatcher. The portable path packs weights per output
// channel; SIMD paths (added per architecture) must match reference exactly.
#include "signdpu/kernels/optimized/conv2d_fix.h"

#include <vector>

namespace signdpu::optimized {
namespace {

class ReferenceConv2d final : public PreparedConv2d {
 public:
  ReferenceConv2d(const ConvParams& p, const int8_t* w, const int8_t* b)
      : params_(p), weights_(w, w + p.weights_size()) {
    if (p.config.has_bias && b != nullptr) bias_.assign(b, b + p.output.c);
  }
  void Run(const int8_t* in, int8_t* out, int64_t batch) const override {
    ConvParams p = params_;
    p.config.input.n = batch;
    p.output.n = batch;
    reference::Conv2dFix(p, in, weights_.data(), bias_.empty() ? nullptr : bias_.data(), out);
  }

 private:
  ConvParams params_;
  std::vector<int8_t> weights_;
  std::vector<int8_t> bias_;
};

}  // namespace

std::unique_ptr<PreparedConv2d> PrepareConv2d(const ConvParams& params, const int8_t* weights,
                                              const int8_t* bias, KernelPath /*path*/) {
  return std::make_unique<ReferenceConv2d>(params, weights, bias);
}

}  // namespace signdpu::optimized
