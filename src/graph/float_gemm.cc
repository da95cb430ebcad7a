#include "signdpu/graph/float_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace signdpu::graph::kernels {

void GemmReference(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = accumulate ? c[i * ldc + j] : 0.0f;
      for (int64_t p = 0; p < k; ++p) acc += a[i * lda + p] * b[p * ldb + j];
      c[i * ldc + j] = acc;
    }
  }
}

namespace {

// Register block: kMr rows of A times one 16-float vector of B columns. 6x16
// keeps 6 accumulators in zmm registers (AVX-512) or 12 in ymm (AVX2), the
// classic shape that leaves room for the B vector and the A broadcast.
constexpr int kMr = 6;
constexpr int64_t kNr = 16;
// K block: a kKc x 16 panel of B (16 KiB) stays in L1 while all row blocks of
// A sweep over it.
constexpr int64_t kKc = 256;

// A GCC/Clang generic vector: the compiler lowers it to whatever the clone's
// ISA offers (one zmm, two ymm, four xmm; NEON on aarch64).
typedef float Vec16 __attribute__((vector_size(64)));

template <int MR>
inline __attribute__((always_inline)) void MicroKernel(int64_t kc, const float* a, int64_t lda,
                                                       const float* b, int64_t ldb, float* c,
                                                       int64_t ldc, bool load_c) {
  Vec16 acc[MR];
  for (int r = 0; r < MR; ++r) {
    if (load_c) {
      std::memcpy(&acc[r], c + r * ldc, sizeof(Vec16));
    } else {
      acc[r] = Vec16{};
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    Vec16 bv;
    std::memcpy(&bv, b + p * ldb, sizeof(Vec16));
    for (int r = 0; r < MR; ++r) acc[r] += a[r * lda + p] * bv;
  }
  for (int r = 0; r < MR; ++r) std::memcpy(c + r * ldc, &acc[r], sizeof(Vec16));
}

// Calls the micro-kernel for every row block of one 16-column panel.
template <typename Kernel6, typename KernelTail>
inline __attribute__((always_inline)) void RowBlocks(int64_t m, Kernel6 full, KernelTail tail) {
  int64_t i = 0;
  for (; i + kMr <= m; i += kMr) full(i);
  if (i < m) tail(i, m - i);
}

template <int MR>
inline __attribute__((always_inline)) void MicroKernelRows(int rows, int64_t kc, const float* a,
                                                           int64_t lda, const float* b, int64_t ldb,
                                                           float* c, int64_t ldc, bool load_c) {
  if constexpr (MR > 1) {
    if (rows < MR) return MicroKernelRows<MR - 1>(rows, kc, a, lda, b, ldb, c, ldc, load_c);
  }
  MicroKernel<MR>(kc, a, lda, b, ldb, c, ldc, load_c);
}

// ThreadSanitizer builds skip the clones: GCC instruments the ifunc resolver,
// which the dynamic loader runs before the TSan runtime is initialised (crash).
#if defined(__x86_64__) && defined(__has_attribute) && !defined(SIGNDPU_NO_IFUNC)
#if __has_attribute(target_clones)
#define SIGNDPU_GEMM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef SIGNDPU_GEMM_CLONES
#define SIGNDPU_GEMM_CLONES
#endif

SIGNDPU_GEMM_CLONES
void GemmBlocked(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                 int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  const int64_t n_full = n - n % kNr;
  const int64_t n_tail = n - n_full;
  // The last, partial panel runs through the same vector kernel on copies
  // padded to 16 columns (the padding's results are discarded), so it keeps
  // the order of operations and the speed of the full panels.
  std::vector<float> b_tail(n_tail > 0 ? kKc * kNr : 0);
  float c_tail[kMr * kNr];
  for (int64_t pc = 0; pc == 0 || pc < k; pc += kKc) {
    const int64_t kc = std::min(kKc, k - pc);
    const bool load_c = accumulate || pc > 0;
    const float* a_blk = a + pc;
    const float* b_blk = b + pc * ldb;
    for (int64_t j = 0; j < n_full; j += kNr) {
      RowBlocks(
          m,
          [&](int64_t i) {
            MicroKernel<kMr>(kc, a_blk + i * lda, lda, b_blk + j, ldb, c + i * ldc + j, ldc, load_c);
          },
          [&](int64_t i, int64_t rows) {
            MicroKernelRows<kMr - 1>(static_cast<int>(rows), kc, a_blk + i * lda, lda, b_blk + j,
                                     ldb, c + i * ldc + j, ldc, load_c);
          });
    }
    if (n_tail > 0) {
      for (int64_t p = 0; p < kc; ++p) {
        std::memcpy(&b_tail[p * kNr], b_blk + p * ldb + n_full, n_tail * sizeof(float));
        std::fill(&b_tail[p * kNr] + n_tail, &b_tail[p * kNr] + kNr, 0.0f);
      }
      for (int64_t i = 0; i < m; i += kMr) {
        const int rows = static_cast<int>(std::min<int64_t>(kMr, m - i));
        for (int r = 0; r < rows; ++r) {
          float* dst = c_tail + r * kNr;
          if (load_c) std::memcpy(dst, c + (i + r) * ldc + n_full, n_tail * sizeof(float));
          std::fill(dst + (load_c ? n_tail : 0), dst + kNr, 0.0f);
        }
        MicroKernelRows<kMr>(rows, kc, a_blk + i * lda, lda, b_tail.data(), kNr, c_tail, kNr,
                             /*load_c=*/true);
        for (int r = 0; r < rows; ++r) {
          std::memcpy(c + (i + r) * ldc + n_full, c_tail + r * kNr, n_tail * sizeof(float));
        }
      }
    }
    if (k == 0) break;
  }
}

}  // namespace

void Gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
          int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  GemmBlocked(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

const char* GemmIsa() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("avx2")) return "avx2";
  return "default (sse2)";
#elif defined(__aarch64__)
  return "default (neon)";
#else
  return "default";
#endif
}

}  // namespace signdpu::graph::kernels
