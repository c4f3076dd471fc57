// Weight pre-packing for the GEMM kernels (done once at model load).
// Layouts are described in docs/arithmetic.md ("Packed weights").
#pragma once

#include <cstdint>
#include <vector>

#include "mobiq/large_buffers.h"
#include "mobiq/status.h"

namespace mobiq {

// int8 weights packed for gemm_int8: data is (4, N, K_padded / 4), i.e.
// data[(g * N + n) * 4 + i] = w(n, 4g + i); K is padded to a multiple of 4 with
// the column's zero point (so padding adds nothing to any sum).
struct PackedGemmInt8Weights {
    int k = 0, k_padded = 0, n = 0;
    std::vector<int8_t> data;
    std::vector<int32_t> column_sum;  // sum over the padded K of each column
};

// w is (N, K) row-major: w[n * K + k] (output channel major, as OHWI conv weights).
// zero_point has N entries (per-channel) or 1 (per-layer); null means 0.
// Bad arguments (null or empty weights, a zero-point count that is neither 1
// nor N) are an invalid-argument Status.
Status pack_gemm_int8_weights(const int8_t *w, int k, int n, const int32_t *zero_point, int zero_point_count,
                              PackedGemmInt8Weights *out);

// The same weights tile-packed for gemm_int8's amx_tiles variant (x86 AMX):
// (1024, K_padded / 64, N / 16), tile (t, j) = columns 16 t .. 16 t + 15 and
// k = 64 j .. 64 j + 63 as 16 rows (k / 4) of 16 columns x 4 consecutive k:
//   out[((t * K_padded / 64 + j) * 16 + r) * 64 + c * 4 + i] = w(16 t + c, 64 j + 4 r + i).
// `rhs` is the gemm_int8 packing above ((4, N, K_padded / 4)); K_padded % 64
// and N % 16 must be 0 (an invalid-argument Status otherwise).
Status pack_gemm_int8_amx_tiles(const int8_t *rhs, int k_padded, int n, std::vector<int8_t> *out);

// A convolution's weights (k = c + C (kx + KW ky), C = `channels`) tile-packed
// by kernel rows for conv2d_int8_implicit's amx_kernel_rows variant: each
// kernel row's KW C bytes in k tiles of k_bytes = min(KW C, 64) bytes (KW C
// <= 64, or a multiple of 64), tile (t, j = per_row ky + q) holding row ky's
// bytes 64 q .. 64 q + k_bytes - 1 as k_bytes / 4 rows of 16 columns x 4 k:
//   out[((t * KH per_row + j) * (k_bytes / 4) + r) * 64 + col * 4 + i]
//       = w(16 t + col, KW C ky + 64 q + 4 r + i),  per_row = ceil(KW C / 64).
// `rhs` is the gemm_int8 packing ((4, N, K_padded / 4), K_padded >= C KW KH);
// C % 4 and N % 16 must be 0 (an invalid-argument Status otherwise).
Status pack_gemm_int8_amx_kernel_rows(const int8_t *rhs, int k_padded, int n, int channels, int kernel_w,
                                      int kernel_h, std::vector<int8_t> *out);

// The kernel-row tiles' geometry: k_bytes per tile, tiles per kernel row; the
// packed weights are (tile_bytes(), tiles(kernel_h), N / 16).
struct AmxKernelRowTiles {
    int k_bytes, per_row;
    int tile_bytes() const { return 16 * k_bytes; }
    int tiles(int kernel_h) const { return per_row * kernel_h; }
};
inline AmxKernelRowTiles amx_kernel_row_tiles(int channels, int kernel_w) {
    const int row_bytes = channels * kernel_w;
    return {row_bytes < 64 ? row_bytes : 64, (row_bytes + 63) / 64};
}

// gemm_int8's packing (any of the int8 layouts above) turned into the
// u8_weights variants' (generators/extern/vnni_u8w_gemm.h): every byte XOR
// 0x80, i.e. read as uint8 each weight + 128. In place; applying it twice
// restores the weights.
void flip_gemm_int8_weights_to_u8(int8_t *packed, size_t bytes);

// The same weights per chunk of `width` columns, each chunk gemm_int8's
// packing of its columns ((4, width, K_padded / 4), contiguous): fully
// connected layers at batch 1 run one matrix-vector call per 256-column chunk
// (runtime/ops/fully_connected.cpp), INT8 convolution GEMMs of few rows one
// call per 64-column panel (runtime/ops/conv.cpp), each streaming its own:
//   out[width t K_padded + (g * cols_t + c) * 4 + i] = w(width t + c, 4 g + i),
// cols_t = min(width, N - width t): a last chunk of N % width columns is packed
// at its own width. width % 16 and K_padded % 4 must be 0 (an invalid-argument
// Status otherwise).
Status pack_gemm_int8_chunks(const int8_t *rhs, int k_padded, int n, int width, LargeVector<int8_t> *out);

// fp32 weights for gemm_fp32: (N, K) row-major in, (N innermost, K) out.
Status pack_gemm_fp32_weights(const float *w, int k, int n, std::vector<float> *out);

// gemm_fp32's packed weights (N innermost, K) as blocks of `width` columns,
// each block (width, K) contiguous, the last one zero-padded to `width`:
// the FP32 conv panels and fully connected chunks, one serial call per block.
//   out[(t * K + kk) * width + c] = packed[kk * N + width * t + c].
Status pack_gemm_fp32_column_blocks(const float *packed, int k, int n, int width, LargeVector<float> *out);

// Smallest multiple of 4 >= k: the K every gemm_int8 operand uses.
inline int gemm_int8_padded_k(int k) { return (k + 3) / 4 * 4; }

}  // namespace mobiq
