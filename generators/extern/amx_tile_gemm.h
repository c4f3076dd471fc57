// The multiply of gemm_int8's amx_tiles variant (x86 AMX, tdpbssd): a Halide
// extern stage, because Halide 21 lowers one accumulator tile per loop nest
// and only operands it loads itself (docs/decisions.md, decision 33).
//
// Computes, for the region of `out` Halide asks for (n, m):
//   out(n, m) = sum_k lhs(k, m) * B(k, n)      (int8 x int8 -> int32, exact)
// lhs: int8 (K, M), k dense (stride 1), K % 64 == 0.
// rhs: int8 (1024, K / 64, N / 16): B tile-packed (mobiq/gemm_weights.h,
//      pack_gemm_int8_amx_tiles): tile (t, j) holds columns 16 t .. 16 t + 15
//      and k = 64 j .. 64 j + 63 as 16 rows of 16 columns x 4 consecutive k.
// The region: n and m extents multiples of 16, n min a multiple of 16.
#pragma once

#include "HalideRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

int mobiq_amx_tile_gemm_s8(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out);

#ifdef __cplusplus
}
#endif
