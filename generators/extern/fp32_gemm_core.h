// The multiply of gemm_fp32's avx512_core variant (x86 AVX-512): a Halide
// extern stage, because Halide 21's prefetch directive emits prefetchnta
// only, which evicts the weight panel that the next row strip reads again
// (decision 48). The register block is Halide's (6 rows x 4 vectors of 16
// floats, 24 accumulators); the difference is prefetcht0 of B 8 k ahead.
//
// Computes, for the region of `out` Halide asks for (n, m):
//   out(n, m) = sum_k lhs(k, m) * rhs(n, k)      (float, k in order from 0)
// lhs: (K, M), k dense; rhs: (N, K), n dense; out: n dense. The region's n
// extent and n min are multiples of 16 (the generator requires N % 16 == 0).
#pragma once

#include "HalideRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

int mobiq_fp32_gemm_avx512(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out);

#ifdef __cplusplus
}
#endif
