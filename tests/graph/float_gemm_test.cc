// The blocked GEMM must return exactly the bits of the reference loop for
// every shape (edges of the 6x16 register block and the 256-deep K block).
#include "signdpu/graph/float_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace signdpu::graph::kernels {
namespace {

constexpr float kPoison = 12345.678f;

void CheckExact(int64_t m, int64_t n, int64_t k, bool accumulate, std::mt19937* rng) {
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  // Leading dims larger than the logical sizes to catch stride bugs.
  const int64_t lda = k + 3, ldb = n + 5, ldc = n + 2;
  std::vector<float> a(m * lda + 1), b(std::max<int64_t>(k, 1) * ldb + 1), c0(m * ldc);
  for (float& v : a) v = dist(*rng);
  for (float& v : b) v = dist(*rng);
  for (float& v : c0) v = accumulate ? dist(*rng) : kPoison;
  std::vector<float> ref = c0, opt = c0;
  GemmReference(m, n, k, a.data(), lda, b.data(), ldb, ref.data(), ldc, accumulate);
  Gemm(m, n, k, a.data(), lda, b.data(), ldb, opt.data(), ldc, accumulate);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const float r = ref[i * ldc + j], o = opt[i * ldc + j];
      ASSERT_EQ(std::memcmp(&r, &o, sizeof(float)), 0)
          << "m=" << m << " n=" << n << " k=" << k << " accumulate=" << accumulate << " at (" << i
          << "," << j << "): reference " << r << " blocked " << o << " isa " << GemmIsa();
      if (j >= n) {
        ASSERT_EQ(o, c0[i * ldc + j]) << "wrote past n at column " << j;
      }
    }
  }
}

TEST(FloatGemm, BlockedIsBitExactWithReference) {
  std::mt19937 rng(7);
  const int64_t sizes[] = {1, 2, 3, 5, 6, 7, 11, 15, 16, 17, 31, 33};
  for (int64_t m : sizes) {
    for (int64_t n : sizes) {
      for (int64_t k : {int64_t{1}, int64_t{9}, int64_t{255}, int64_t{256}, int64_t{257}, int64_t{600}}) {
        CheckExact(m, n, k, false, &rng);
        CheckExact(m, n, k, true, &rng);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(FloatGemm, TutorialShapes) {
  std::mt19937 rng(8);
  CheckExact(28, 784, 9, true, &rng);      // conv1 per image
  CheckExact(64, 196, 252, true, &rng);    // conv2 per image
  CheckExact(32, 512, 3136, true, &rng);   // dense 1 at batch 32
  CheckExact(32, 10, 512, false, &rng);    // dense 2
}

TEST(FloatGemm, ZeroKGivesZeroOrKeepsC) {
  std::vector<float> c = {kPoison, kPoison};
  Gemm(1, 2, 0, nullptr, 1, nullptr, 2, c.data(), 2, false);
  EXPECT_EQ(c, (std::vector<float>{0.0f, 0.0f}));
  c = {1.5f, -2.0f};
  Gemm(1, 2, 0, nullptr, 1, nullptr, 2, c.data(), 2, true);
  EXPECT_EQ(c, (std::vector<float>{1.5f, -2.0f}));
}

TEST(FloatGemm, ReportsIsa) { std::printf("Gemm dispatches to: %s\n", GemmIsa()); }

}  // namespace
}  // namespace signdpu::graph::kernels
