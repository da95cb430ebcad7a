// Softmax and top-k on the CPU in float (softmax never runs on this DPU
// [source: DPUCZDX8G_ISA1_B4096 target description has no softmax engine]).
//   softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x)
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace signdpu::reference {

// Row-wise softmax over `classes` values for each of `rows` rows.
void Softmax(const float* in, int64_t rows, int64_t classes, float* out);

// Indices of the k largest values, largest first; ties keep the lower index.
std::vector<std::pair<int, float>> TopK(const float* values, int64_t count, int k);

}  // namespace signdpu::reference
