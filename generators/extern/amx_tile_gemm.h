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
// The region: n extent and n min multiples of 16, any m extent (rows past a
// multiple of 32 by a block shifted back; under 16 rows, tiles of that many).
#pragma once

#include "HalideRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

int mobiq_amx_tile_gemm_s8(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out);

// The multiply of conv2d_int8_implicit's amx_tiles variant: the same tiles,
// with A read straight from the padded NHWC input (no im2col). Output pixels
// are numbered by the input's own row pitch, p = x + pitch y + (pitch H) n
// (pitch = in stride y / stride x), so that 16 consecutive p are 16 input
// pixels at one stride: one tile load per (tap, 64-channel block). The p of
// x >= the output width are computed and never read (stride 1 only).
//   out(n, p) = sum_{ky, kx, c} in(c, p + kx + pitch ky) * B(c + C (kx + KW ky), n)
// in: int8 (C, W, H, N), C % 64 == 0, channels dense; rhs as above with
// K = C * kernel_w * kernel_h; in_w, in_h, in_n: the input's extents (the
// bounds query's answer: all of it).
int mobiq_amx_tile_conv_s8(halide_buffer_t *in, halide_buffer_t *rhs, int32_t kernel_w, int32_t kernel_h,
                           int32_t in_w, int32_t in_h, int32_t in_n, halide_buffer_t *out);

// The multiply of conv2d_int8_implicit's amx_kernel_rows variant: any
// stride, for inputs whose kernel row (kernel_w pixels x C channels, contiguous
// in NHWC) is at most 64 bytes or a multiple of 64 (the networks' stems: C = 4
// stored channels, 7 x 7 stride 2 or 3 x 3). A k tile is one kernel row (or a
// 64-byte part of it), so the 16 rows of an A tile are 16 output pixels
// stride_x * C bytes apart, read where they lie; tiles of k_bytes =
// min(kernel_w * C, 64) bytes, so nothing is read past the kernel's last tap.
//   out(n, ox, oy, b) = sum_{ky, kx, c} in(c, stride_x ox + kx, stride_y oy + ky, b) * B(c + C kx + row(ky), n)
// in: int8 (C, W, H, N) with pixels C bytes apart; rhs: (16 k_bytes,
// kernel_h * ceil(kernel_w C / 64), N / 16), tile-packed as above with the k
// of each tile (ky, block) (mobiq/gemm_weights.h, pack_gemm_int8_amx_kernel_rows);
// out: int32 (N, OW, OH, batch), one multiply per output row.
int mobiq_amx_tile_conv_rows_s8(halide_buffer_t *in, halide_buffer_t *rhs, int32_t kernel_w, int32_t kernel_h,
                                int32_t stride_x, int32_t stride_y, int32_t in_w, int32_t in_h, int32_t in_n,
                                halide_buffer_t *out);

#ifdef __cplusplus
}
#endif
