// 2 x 2 accumulator tiles (32 rows x 32 columns of int32) per pass over K:
// each A and B tile loaded from memory serves two tdpbssd, where Halide's
// one-tile schedule loads two tiles per tdpbssd. B comes tile-packed (each
// tile 1 KiB contiguous), A straight from the im2col / activation rows.
// Measured against the one-tile kernel: tools/experiments/amx_2x2_probe.cpp,
// docs/results/amx_tiles_x86.md.
#include "amx_tile_gemm.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace {

struct TileConfig {
    uint8_t palette = 1, start_row = 0, reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

// Tiles 0-3: accumulators (16 rows x 16 int32); 4-5: A (16 rows x k_bytes
// int8); 6-7: B (k_bytes / 4 rows of 16 columns x 4 int8). `rows` < 16: tiles
// 0 and 4 (the one-tile block's accumulator and A) have that many rows.
// k_bytes: 64, or fewer for the kernel-row tiles of a narrow input.
void configure_tiles(int rows, int k_bytes = 64) {
    TileConfig c;
    for (int t = 0; t < 8; t++) c.colsb[t] = 64, c.rows[t] = 16;
    c.rows[0] = c.rows[4] = uint8_t(rows);
    c.colsb[4] = c.colsb[5] = uint16_t(k_bytes);
    c.rows[6] = c.rows[7] = uint8_t(k_bytes / 4);
    _tile_loadconfig(&c);
}

// A's k tile j starts a_offset(j) bytes after a row's start: 64 j for a GEMM
// (K contiguous), a tap's pixel offset plus a channel block for the implicit
// convolution.
struct GemmOffsets {
    size_t operator()(int j) const { return size_t(64) * j; }
};
struct TableOffsets {
    const size_t *table;
    size_t operator()(int j) const { return table[j]; }
};

// One block of 32 rows (m, m + 16) x 32 columns (n, n + 16); two_n false: 16 columns.
// B's k tiles are b_tile bytes apart (1024, or 16 k_bytes for narrow tiles).
template <bool two_n, typename Offsets>
inline void block_2x2(const int8_t *a0, size_t a_stride, Offsets a_offset, const int8_t *b0, size_t b_next_tile,
                      size_t b_tile, int k_tiles, int32_t *c, size_t c_stride) {
    const int8_t *a1 = a0 + 16 * a_stride, *b1 = b0 + b_next_tile;
    _tile_zero(0);
    _tile_zero(2);
    if (two_n) {
        _tile_zero(1);
        _tile_zero(3);
    }
    for (int j = 0; j < k_tiles; j++) {
        const size_t o = a_offset(j);
        _tile_loadd(4, a0 + o, a_stride);
        _tile_loadd(6, b0 + b_tile * j, 64);
        _tile_dpbssd(0, 4, 6);
        _tile_loadd(5, a1 + o, a_stride);
        _tile_dpbssd(2, 5, 6);
        if (two_n) {
            _tile_loadd(7, b1 + b_tile * j, 64);
            _tile_dpbssd(1, 4, 7);
            _tile_dpbssd(3, 5, 7);
        }
    }
    _tile_stored(0, c, c_stride);
    _tile_stored(2, c + 16 * c_stride / 4, c_stride);
    if (two_n) {
        _tile_stored(1, c + 16, c_stride);
        _tile_stored(3, c + 16 * c_stride / 4 + 16, c_stride);
    }
}

// 16 rows x 16 columns (the row tail when the region has 16 rows mod 32); with
// tiles 0 and 4 configured for fewer rows, that many.
template <typename Offsets>
inline void block_1x1(const int8_t *a0, size_t a_stride, Offsets a_offset, const int8_t *b0, size_t b_tile, int k_tiles,
                      int32_t *c, size_t c_stride) {
    _tile_zero(0);
    for (int j = 0; j < k_tiles; j++) {
        _tile_loadd(4, a0 + a_offset(j), a_stride);
        _tile_loadd(6, b0 + b_tile * j, 64);
        _tile_dpbssd(0, 4, 6);
    }
    _tile_stored(0, c, c_stride);
}

// Rows [0, m_extent) x columns [0, n_extent) (n_extent % 16 == 0) of C = A B:
// blocks of 32 rows, the last one shifted back onto rows already computed
// (the same values written twice) where m_extent is not a multiple of 32;
// under 16 rows, tiles of m_extent rows (configured by the caller:
// configure_tiles(tile_rows(m_extent), ...), released after).
inline int tile_rows(int m_extent) { return m_extent < 16 ? m_extent : 16; }

template <typename Offsets>
void multiply_configured(const int8_t *a, size_t a_stride, Offsets a_offset, const int8_t *b, size_t b_next_tile,
                         size_t b_tile, int k_tiles, int m_extent, int n_extent, int32_t *c, size_t c_stride) {
    auto columns = [&](int m, bool two_m) {
        const int8_t *am = a + size_t(m) * a_stride;
        int32_t *cm = c + size_t(m) * (c_stride / 4);
        if (two_m) {
            int n = 0;
            for (; n + 32 <= n_extent; n += 32)
                block_2x2<true>(am, a_stride, a_offset, b + size_t(n / 16) * b_next_tile, b_next_tile, b_tile,
                                k_tiles, cm + n, c_stride);
            if (n < n_extent)
                block_2x2<false>(am, a_stride, a_offset, b + size_t(n / 16) * b_next_tile, b_next_tile, b_tile,
                                 k_tiles, cm + n, c_stride);
        } else {
            for (int n = 0; n < n_extent; n += 16)
                block_1x1(am, a_stride, a_offset, b + size_t(n / 16) * b_next_tile, b_tile, k_tiles, cm + n,
                          c_stride);
        }
    };
    if (m_extent >= 32) {
        for (int m = 0; m < m_extent; m += 32) columns(m + 32 <= m_extent ? m : m_extent - 32, true);
    } else if (m_extent >= 16) {
        columns(0, false);
        if (m_extent > 16) columns(m_extent - 16, false);
    } else {
        columns(0, false);
    }
}

template <typename Offsets>
void multiply(const int8_t *a, size_t a_stride, Offsets a_offset, const int8_t *b, size_t b_next_tile, int k_tiles,
              int m_extent, int n_extent, int32_t *c, size_t c_stride) {
    configure_tiles(tile_rows(m_extent));
    multiply_configured(a, a_stride, a_offset, b, b_next_tile, 1024, k_tiles, m_extent, n_extent, c, c_stride);
    _tile_release();
}

// The bounds query's answer for the tile-packed rhs: every K tile (of
// tile_bytes) of the region's columns.
void query_rhs_tiles(halide_buffer_t *rhs, int k_tiles, int n0, int n_extent, int tile_bytes = 1024) {
    const int mins[3] = {0, 0, n0 / 16}, extents[3] = {tile_bytes, k_tiles, n_extent / 16};
    for (int d = 0; d < 3; d++) rhs->dim[d].min = mins[d], rhs->dim[d].extent = extents[d];
}

}  // namespace

extern "C" int mobiq_amx_tile_gemm_s8(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out) {
    const int k_tiles = rhs->dim[1].extent, K = 64 * k_tiles;
    const int n0 = out->dim[0].min, n_extent = out->dim[0].extent;
    const int m0 = out->dim[1].min, m_extent = out->dim[1].extent;
    if (out->host == nullptr) {  // bounds query (inputs are copies of their buffers): the region's rows, all of K
        lhs->dim[0].min = 0;
        lhs->dim[0].extent = K;
        lhs->dim[1].min = m0;
        lhs->dim[1].extent = m_extent;
        query_rhs_tiles(rhs, k_tiles, n0, n_extent);
        return 0;
    }
    if (n0 % 16 || n_extent % 16 || m_extent <= 0 || lhs->dim[0].extent < K || lhs->dim[0].stride != 1 ||
        out->dim[0].stride != 1 || rhs->dim[0].extent != 1024 || rhs->dim[0].stride != 1 || rhs->dim[1].stride != 1024)
        return -1;  // the generator's requirements keep every call inside this
    const size_t a_stride = size_t(lhs->dim[1].stride), c_stride = size_t(out->dim[1].stride) * 4;
    const size_t b_next_tile = size_t(rhs->dim[2].stride);
    const int8_t *a = reinterpret_cast<const int8_t *>(lhs->host) - size_t(lhs->dim[0].min) +
                      (ptrdiff_t(m0) - lhs->dim[1].min) * ptrdiff_t(a_stride);
    const int8_t *b = reinterpret_cast<const int8_t *>(rhs->host) + (ptrdiff_t(n0 / 16) - rhs->dim[2].min) * ptrdiff_t(b_next_tile);
    int32_t *c = reinterpret_cast<int32_t *>(out->host);
    multiply(a, a_stride, GemmOffsets{}, b, b_next_tile, k_tiles, m_extent, n_extent, c, c_stride);
    return 0;
}

extern "C" int mobiq_amx_tile_conv_s8(halide_buffer_t *in, halide_buffer_t *rhs, int32_t kernel_w, int32_t kernel_h,
                                      int32_t in_w, int32_t in_h, int32_t in_n, halide_buffer_t *out) {
    const int k_tiles = rhs->dim[1].extent, taps = kernel_w * kernel_h;
    const int n0 = out->dim[0].min, n_extent = out->dim[0].extent;
    const int p0 = out->dim[1].min, p_extent = out->dim[1].extent;
    if (taps <= 0 || k_tiles % taps) return -1;
    const int channels = 64 * (k_tiles / taps);
    if (out->host == nullptr) {  // bounds query: the whole input, the columns' weight tiles
        const int extents[4] = {channels, in_w, in_h, in_n};
        for (int d = 0; d < 4; d++) in->dim[d].min = 0, in->dim[d].extent = extents[d];
        query_rhs_tiles(rhs, k_tiles, n0, n_extent);
        return 0;
    }
    const int64_t sx = in->dim[1].stride, sy = in->dim[2].stride;
    if (n0 % 16 || n_extent % 16 || p_extent <= 0 || in->dim[0].stride != 1 || in->dim[0].extent != channels ||
        sx < channels || sy % sx || in->dim[3].stride % sx || out->dim[0].stride != 1 || rhs->dim[0].extent != 1024 ||
        rhs->dim[0].stride != 1 || rhs->dim[1].stride != 1024)
        return -1;  // the generator's requirements keep every call inside this
    // Pixel p of the flat index (x + pitch y + (pitch H) n) starts p * sx bytes
    // into the input; k tile j = (tap, channel block) reads tap (kx, ky) of it.
    const int pitch = int(sy / sx), blocks = channels / 64;
    size_t offsets[1024];
    if (k_tiles > 1024) return -1;
    for (int j = 0; j < k_tiles; j++) {
        const int tap = j / blocks, kx = tap % kernel_w, ky = tap / kernel_w;
        offsets[j] = size_t(kx + size_t(pitch) * ky) * size_t(sx) + 64 * size_t(j % blocks);
    }
    const int8_t *a = reinterpret_cast<const int8_t *>(in->host) + ptrdiff_t(p0) * sx;
    const size_t b_next_tile = size_t(rhs->dim[2].stride);
    const int8_t *b = reinterpret_cast<const int8_t *>(rhs->host) + (ptrdiff_t(n0 / 16) - rhs->dim[2].min) * ptrdiff_t(b_next_tile);
    multiply(a, size_t(sx), TableOffsets{offsets}, b, b_next_tile, k_tiles, p_extent, n_extent,
             reinterpret_cast<int32_t *>(out->host), size_t(out->dim[1].stride) * 4);
    return 0;
}

extern "C" int mobiq_amx_tile_conv_rows_s8(halide_buffer_t *in, halide_buffer_t *rhs, int32_t kernel_w,
                                           int32_t kernel_h, int32_t stride_x, int32_t stride_y, int32_t in_w,
                                           int32_t in_h, int32_t in_n, halide_buffer_t *out) {
    const int channels = in->dim[0].extent, row_bytes = channels * kernel_w;
    // One k tile per kernel row where its taps fit 64 bytes, else 64-byte tiles across the row.
    const int k_bytes = row_bytes <= 64 ? row_bytes : 64, per_row = (row_bytes + 63) / 64;
    const int k_tiles = per_row * kernel_h, b_tile = 16 * k_bytes;
    const int n0 = out->dim[0].min, n_extent = out->dim[0].extent;
    if (out->host == nullptr) {  // bounds query: the whole input, the columns' weight tiles
        const int extents[4] = {channels, in_w, in_h, in_n};
        for (int d = 0; d < 4; d++) in->dim[d].min = 0, in->dim[d].extent = extents[d];
        query_rhs_tiles(rhs, k_tiles, n0, n_extent, b_tile);
        return 0;
    }
    const int64_t sx = in->dim[1].stride, sy = in->dim[2].stride, sn = in->dim[3].stride;
    if (n0 % 16 || n_extent % 16 || kernel_w <= 0 || kernel_h <= 0 || stride_x <= 0 || stride_y <= 0 ||
        channels % 4 || (row_bytes > 64 && row_bytes % 64) || in->dim[0].stride != 1 || sx != channels ||
        out->dim[0].stride != 1 || rhs->dim[0].extent != b_tile || rhs->dim[0].stride != 1 ||
        rhs->dim[1].extent != k_tiles || rhs->dim[1].stride != b_tile)
        return -1;  // the generator's requirements keep every call inside this
    // k tile j = (ky, 64-byte block q of the row's kernel_w * C contiguous bytes).
    size_t offsets[1024];
    if (k_tiles > 1024) return -1;
    for (int j = 0; j < k_tiles; j++) offsets[j] = size_t(j / per_row) * size_t(sy) + 64 * size_t(j % per_row);
    const int ox0 = out->dim[1].min, ox_extent = out->dim[1].extent;
    const size_t b_next_tile = size_t(rhs->dim[2].stride);
    const int8_t *b = reinterpret_cast<const int8_t *>(rhs->host) + (ptrdiff_t(n0 / 16) - rhs->dim[2].min) * ptrdiff_t(b_next_tile);
    const int8_t *in0 = reinterpret_cast<const int8_t *>(in->host);
    const size_t c_stride = size_t(out->dim[1].stride) * 4;
    configure_tiles(tile_rows(ox_extent), k_bytes);
    // One output row per multiply: its pixels are stride_x pixels apart in the input.
    for (int nn = out->dim[3].min; nn < out->dim[3].min + out->dim[3].extent; nn++)
        for (int oy = out->dim[2].min; oy < out->dim[2].min + out->dim[2].extent; oy++) {
            const int8_t *a = in0 + (nn - in->dim[3].min) * sn + (int64_t(oy) * stride_y - in->dim[2].min) * sy +
                              (int64_t(ox0) * stride_x - in->dim[1].min) * sx;
            int32_t *c = reinterpret_cast<int32_t *>(out->host) + int64_t(oy - out->dim[2].min) * out->dim[2].stride +
                         int64_t(nn - out->dim[3].min) * out->dim[3].stride;
            multiply_configured(a, size_t(stride_x) * size_t(sx), TableOffsets{offsets}, b, b_next_tile,
                                size_t(b_tile), k_tiles, ox_extent, n_extent, c, c_stride);
        }
    _tile_release();
    return 0;
}
