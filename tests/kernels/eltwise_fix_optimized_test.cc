// Optimised eltwise-fix against the reference, exact equality, on random
// fix points, activations, operand counts and sizes (chunk edges included).
#include "signdpu/kernels/optimized/eltwise_fix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace signdpu {
namespace {

TEST(EltwiseFixOptimized, EqualsReferenceOnRandomCases) {
  std::mt19937 rng(17);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int64_t sizes[] = {1, 7, 1023, 1024, 1025, 5000};
  int64_t compared = 0;
  for (int t = 0; t < 300; ++t) {
    EltwiseConfig c;
    c.type = uni(0, 3) == 0 ? EltwiseType::kMul : EltwiseType::kAdd;
    const int k = c.type == EltwiseType::kMul ? 2 : uni(2, 5);
    const int base = uni(-4, 10);
    for (int j = 0; j < k; ++j) c.fix_in.push_back(base + uni(0, c.type == EltwiseType::kMul ? 3 : 15));
    const int ref_fp = c.type == EltwiseType::kMul ? c.fix_in[0] + c.fix_in[1]
                                                   : *std::min_element(c.fix_in.begin(), c.fix_in.end());
    c.fix_out = ref_fp + uni(-15, 15);
    c.activation = uni(0, 1) ? Activation::kRelu : Activation::kNone;
    const int64_t n = sizes[t % 6];
    c.out_shape = {n};
    auto p = MakeEltwiseParams(c);
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::vector<std::vector<int8_t>> ins(static_cast<size_t>(k), std::vector<int8_t>(static_cast<size_t>(n)));
    std::vector<const int8_t*> ptrs;
    for (auto& v : ins) {
      for (auto& x : v) x = static_cast<int8_t>(uni(-128, 127));
      ptrs.push_back(v.data());
    }
    std::vector<int8_t> want(static_cast<size_t>(n)), got(static_cast<size_t>(n), 0x5A);
    reference::EltwiseFix(p.value(), ptrs, want.data());
    optimized::EltwiseFix(p.value(), ptrs, got.data());
    ASSERT_EQ(got, want) << "t=" << t;
    compared += n;
  }
  EXPECT_GT(compared, 400000);
}

}  // namespace
}  // namespace signdpu
