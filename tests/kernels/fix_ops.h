// FixOp / FixGraph builders shared by the kernels, xmodel and emu tests
// (framework-free: only signdpu::kernels).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/kernels/fix_graph.h"

namespace signdpu::testing {

// n uniform int8 values from `seed`.
std::vector<int8_t> RandomInt8(size_t n, uint32_t seed);

// conv2d-fix `name` from tensor `in` to `out`: k x k, stride 1, `pad` on
// every side, random weights from `seed` and (when `bias`) bias from seed + 1000.
FixOp ConvOp(const std::string& name, int in, int out, int64_t out_ch, int64_t in_ch, int k, int pad, int fw, int fb,
             Activation act, uint32_t seed, bool bias = true);

// concat-fix `name` of tensors `inputs` into `out` along `axis`.
FixOp ConcatOp(const std::string& name, std::vector<int> inputs, int out, int axis);

// Two [1,C] graph inputs x (3) and y (2), fp 5, concatenated along axis 1
// (the channels of a 2-D tensor) into xy [1,5].
FixGraph Concat2DGraph();

}  // namespace signdpu::testing
