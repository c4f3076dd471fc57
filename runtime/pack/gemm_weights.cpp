#include "mobiq/gemm_weights.h"

#include <algorithm>

#include <string>


namespace mobiq {

Status pack_gemm_int8_weights(const int8_t *w, int k, int n, const int32_t *zero_point, int zero_point_count,
                              PackedGemmInt8Weights *out) {
    if (!w || !out || k <= 0 || n <= 0)
        return {StatusCode::kInvalidArgument, "pack_gemm_int8_weights: empty or null weights"};
    if (zero_point && zero_point_count != 1 && zero_point_count != n)
        return {StatusCode::kInvalidArgument, "pack_gemm_int8_weights: zero_point count must be 1 or N"};
    PackedGemmInt8Weights &p = *out;
    p = PackedGemmInt8Weights{};
    p.k = k;
    p.k_padded = gemm_int8_padded_k(k);
    p.n = n;
    p.data.assign(static_cast<size_t>(p.k_padded) * n, 0);
    p.column_sum.assign(n, 0);
    const int groups = p.k_padded / 4;
    for (int j = 0; j < n; j++) {
        const int32_t zp = zero_point ? zero_point[zero_point_count == 1 ? 0 : j] : 0;
        int32_t sum = 0;
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < 4; i++) {
                const int kk = 4 * g + i;
                const int8_t v = kk < k ? w[static_cast<size_t>(j) * k + kk] : static_cast<int8_t>(zp);
                p.data[(static_cast<size_t>(g) * n + j) * 4 + i] = v;
                sum += v;
            }
        }
        p.column_sum[j] = sum;
    }
    return Status::ok();
}

Status pack_gemm_int8_amx_tiles(const int8_t *rhs, int k_padded, int n, std::vector<int8_t> *out) {
    if (!rhs || !out || k_padded <= 0 || n <= 0 || k_padded % 64 || n % 16)
        return {StatusCode::kInvalidArgument, "pack_gemm_int8_amx_tiles: K (" + std::to_string(k_padded) +
                                                  ") must be a multiple of 64 and N (" + std::to_string(n) +
                                                  ") of 16"};
    const int k_tiles = k_padded / 64;
    out->assign(static_cast<size_t>(k_padded) * n, 0);
    for (int g = 0; g < k_padded / 4; g++)  // rhs group g = k / 4: tile j = g / 16, row g % 16
        for (int j = 0; j < n; j++)
            for (int i = 0; i < 4; i++)
                (*out)[((static_cast<size_t>(j / 16) * k_tiles + g / 16) * 16 + g % 16) * 64 + (j % 16) * 4 + i] =
                    rhs[(static_cast<size_t>(g) * n + j) * 4 + i];
    return Status::ok();
}

Status pack_gemm_int8_amx_kernel_rows(const int8_t *rhs, int k_padded, int n, int channels, int kernel_w,
                                      int kernel_h, std::vector<int8_t> *out) {
    const int row_bytes = channels * kernel_w;
    if (!rhs || !out || n <= 0 || n % 16 || channels <= 0 || channels % 4 || kernel_w <= 0 || kernel_h <= 0 ||
        (row_bytes > 64 && row_bytes % 64) || k_padded < row_bytes * kernel_h)
        return {StatusCode::kInvalidArgument,
                "pack_gemm_int8_amx_kernel_rows: a kernel row (" + std::to_string(kernel_w) + " x " +
                    std::to_string(channels) + " channels) must be <= 64 bytes or a multiple of 64, C % 4 and N (" +
                    std::to_string(n) + ") % 16 must be 0, and K_padded >= C KW KH"};
    const AmxKernelRowTiles t = amx_kernel_row_tiles(channels, kernel_w);
    const int k_bytes = t.k_bytes, per_row = t.per_row, k_tiles = t.tiles(kernel_h);
    out->assign(static_cast<size_t>(k_tiles) * k_bytes * n, 0);
    for (int ky = 0; ky < kernel_h; ky++)
        for (int b = 0; b < row_bytes; b++) {  // byte b of kernel row ky: k = row_bytes ky + b
            const int k = row_bytes * ky + b, j = per_row * ky + b / 64, r = (b % 64) / 4, i = b % 4;
            for (int col = 0; col < n; col++)
                (*out)[((static_cast<size_t>(col / 16) * k_tiles + j) * (k_bytes / 4) + r) * 64 + (col % 16) * 4 + i] =
                    rhs[(static_cast<size_t>(k / 4) * n + col) * 4 + k % 4];
        }
    return Status::ok();
}

void flip_gemm_int8_weights_to_u8(int8_t *packed, size_t bytes) {
    for (size_t i = 0; i < bytes; i++) packed[i] = static_cast<int8_t>(static_cast<uint8_t>(packed[i]) ^ 0x80u);
}

Status pack_gemm_int8_chunks(const int8_t *rhs, int k_padded, int n, int width, LargeVector<int8_t> *out) {
    if (!rhs || !out || k_padded <= 0 || k_padded % 4 || width <= 0 || width % 16 || n <= 0)
        return {StatusCode::kInvalidArgument, "pack_gemm_int8_chunks: the chunk width (" + std::to_string(width) +
                                                  ") and K (" + std::to_string(k_padded) +
                                                  ") must be multiples of 16 and 4, N positive"};
    const int groups = k_padded / 4;
    out->assign(static_cast<size_t>(k_padded) * n, 0);
    for (int g = 0; g < groups; g++)
        for (int j = 0; j < n; j++) {
            // The last chunk holds the n % width columns left, at its own width.
            const int first = j / width * width, cols = std::min(width, n - first);
            for (int i = 0; i < 4; i++)
                (*out)[static_cast<size_t>(first) * k_padded + (static_cast<size_t>(g) * cols + j - first) * 4 + i] =
                    rhs[(static_cast<size_t>(g) * n + j) * 4 + i];
        }
    return Status::ok();
}

Status pack_gemm_fp32_weights(const float *w, int k, int n, std::vector<float> *out) {
    if (!w || !out || k <= 0 || n <= 0)
        return {StatusCode::kInvalidArgument, "pack_gemm_fp32_weights: empty or null weights"};
    out->assign(static_cast<size_t>(k) * n, 0.0f);
    for (int j = 0; j < n; j++)
        for (int kk = 0; kk < k; kk++) (*out)[static_cast<size_t>(kk) * n + j] = w[static_cast<size_t>(j) * k + kk];
    return Status::ok();
}

Status pack_gemm_fp32_column_blocks(const float *packed, int k, int n, int width, LargeVector<float> *out) {
    if (!packed || !out || k <= 0 || n <= 0 || width <= 0)
        return {StatusCode::kInvalidArgument, "pack_gemm_fp32_column_blocks: empty or null weights"};
    const int blocks = (n + width - 1) / width;
    out->assign(static_cast<size_t>(blocks) * width * k, 0.0f);
    for (int t = 0; t < blocks; t++) {
        const int cols = std::min(width, n - t * width);
        for (int kk = 0; kk < k; kk++)
            std::copy_n(packed + static_cast<size_t>(kk) * n + static_cast<size_t>(t) * width, cols,
                        out->data() + (static_cast<size_t>(t) * k + kk) * width);
    }
    return Status::ok();
}

}  // namespace mobiq
