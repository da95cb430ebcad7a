#include "signdpu/kernels/reference/softmax.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace signdpu::reference {

void Softmax(const float* in, int64_t rows, int64_t classes, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = in + r * classes;
    float* y = out + r * classes;
    float mx = x[0];
    for (int64_t i = 1; i < classes; ++i) mx = std::max(mx, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < classes; ++i) {
      y[i] = std::exp(x[i] - mx);
      sum += y[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < classes; ++i) y[i] *= inv;
  }
}

std::vector<std::pair<int, float>> TopK(const float* values, int64_t count, int k) {
  std::vector<int> idx(static_cast<size_t>(count));
  std::iota(idx.begin(), idx.end(), 0);
  k = static_cast<int>(std::min<int64_t>(std::max(k, 0), count));
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) {
    if (values[a] != values[b]) return values[a] > values[b];
    return a < b;
  });
  std::vector<std::pair<int, float>> result;
  result.reserve(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) result.emplace_back(idx[i], values[idx[i]]);
  return result;
}

}  // namespace signdpu::reference
