// Float GEMM for the reference executor: a plain reference loop and a
// cache-blocked, run-time dispatched version that is bit-exact with it.
//
//   C[i][j] = (accumulate ? C[i][j] : 0) + sum_{p = 0..k-1} A[i][p] * B[p][j]
//
// summed in increasing p, one rounding per multiply and per add (both files
// are compiled with -ffp-contract=off, so no FMA contraction changes the
// result). The blocked version splits p into blocks but keeps each C element's
// running sum in order, so it returns the same bits as the reference
// (tests/graph/float_gemm_test.cc demands exact equality).
#pragma once

#include <cstdint>

namespace signdpu::graph::kernels {

// Row-major with leading dimensions (elements between rows).
void GemmReference(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                   int64_t ldb, float* c, int64_t ldc, bool accumulate);

// Blocked micro-kernel GEMM (GCC vector extensions; on x86-64 the compiler
// emits AVX-512, AVX2 and SSE2 clones and picks one at load time).
void Gemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
          int64_t ldb, float* c, int64_t ldc, bool accumulate);

// Name of the clone Gemm dispatches to on this CPU ("avx512f", "avx2", "default"),
// for benchmark reports.
const char* GemmIsa();

}  // namespace signdpu::graph::kernels
