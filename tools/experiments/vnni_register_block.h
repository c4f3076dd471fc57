// The int8 GEMM register block the VNNI probes time (vnni_block_probe.cpp,
// vnni_flip_probe.cpp): R rows x V vectors of 16 int32 columns, summed over K
// with vpdpbusd; B's k groups (4 k x 16 V columns) are ldb bytes apart.
//   kAsIs:         A's bytes as the unsigned operand, unchanged (wrong numbers: the bound);
//   kFlipA:        A flipped (x ^ 0x80) per broadcast, as gemm_int8's unsigned_lhs does;
//   kUnsignedB:    B as the unsigned operand (weights stored + 128), A the signed one.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

enum class VnniOperands { kAsIs, kFlipA, kUnsignedB };

template <int R, int V, VnniOperands Mode = VnniOperands::kAsIs>
__attribute__((noinline)) void vnni_block(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int K,
                                          int32_t *c, size_t ldc) {
    __m512i acc[R][V];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_si512();
    for (int k = 0; k < K; k += 4) {
        const int8_t *bk = b + size_t(k / 4) * ldb;
        __m512i bv[V];
        for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_si512(bk + 64 * v);
        for (int r = 0; r < R; r++) {
            int32_t x;
            std::memcpy(&x, a + r * lda + k, 4);
            if (Mode == VnniOperands::kFlipA) x ^= int32_t(0x80808080u);
            const __m512i av = _mm512_set1_epi32(x);
            for (int v = 0; v < V; v++)
                acc[r][v] = Mode == VnniOperands::kUnsignedB ? _mm512_dpbusd_epi32(acc[r][v], bv[v], av)
                                                             : _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) _mm512_storeu_si512(c + r * ldc + 16 * v, acc[r][v]);
}
