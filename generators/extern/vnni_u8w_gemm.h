// The multiply of gemm_int8's u8_weights variant (x86 AVX-512 VNNI): a Halide
// extern stage. vpdpbusd multiplies unsigned by signed bytes, and only its
// signed operand can be a broadcast from memory; with the weights as the
// unsigned operand (stored + 128) and the activations as the signed one,
// a block of 7 rows x 3 vectors keeps 21 accumulators and 3 weight vectors in
// registers and reads A straight from memory. The block alone ran 1.3-1.9x
// faster than gemm_int8's 4 x 4 block with A flipped to unsigned on an Intel
// Xeon (tools/experiments/vnni_flip_probe.cpp); as a kernel, with its int32
// block stored for the epilogue, 2-20 % at K >= 128 and slower at K = 64
// (decision 53: opt-in). Halide 21's LLVM keeps no 7-row block in
// registers, so the core is C++ (clang).
//
// Computes, for the region of `out` Halide asks for (n, m):
//   out(n, m) = sum_k lhs(k, m) * B(k, n)      (int8 x int8 -> int32, exact)
// lhs: int8 (K, M), k dense, K % 4 == 0.
// rhs: (4, N, K / 4), gemm_int8's packing, each byte XOR 0x80: read as uint8,
//      B(k, n) + 128 (pack_gemm_int8_u8_weights in mobiq/gemm_weights.h).
// The core subtracts 128 * sum_k lhs(k, m) per row, so the result is exact.
// The region's n extent is a multiple of 16; any m extent.
#pragma once

#include "HalideRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

int mobiq_vnni_u8w_gemm(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out);

#ifdef __cplusplus
}
#endif
