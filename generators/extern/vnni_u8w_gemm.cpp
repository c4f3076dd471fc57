// AVX-512 VNNI int8 GEMM blocks with the weights as vpdpbusd's unsigned
// operand (see the header). Built by clang: GCC 12 spills 7-row blocks.
#include "vnni_u8w_gemm.h"

#include "row_blocks.h"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

constexpr int kRows = 7;  // rows of A per register block: 7 x 3 accumulators + 3 rows of B

// 128 * sum_k a(k) over K bytes (K % 4 == 0): the +128 of the weights, taken back per row.
int32_t shift_correction(const int8_t *a, int K) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i acc = _mm512_setzero_si512();
    int k = 0;
    for (; k + 64 <= K; k += 64) acc = _mm512_dpbusd_epi32(acc, ones, _mm512_loadu_si512(a + k));
    if (k < K) {
        const __mmask64 tail = _bzhi_u64(~0ull, unsigned(K - k));
        acc = _mm512_dpbusd_epi32(acc, ones, _mm512_maskz_loadu_epi8(tail, a + k));
    }
    return 128 * _mm512_reduce_add_epi32(acc);
}

inline __m512i broadcast4(const int8_t *p) {
    int32_t x;
    std::memcpy(&x, p, 4);
    return _mm512_set1_epi32(x);
}

// R rows x V vectors of 16 columns: sum over the K / 4 groups of
// u8(B group) . s8(4 k of a row); `b` steps `ldb` bytes per group.
template <int R, int V>
inline void block(const int8_t *a, size_t lda, const uint8_t *b, size_t ldb, int groups, const int32_t *correction,
                  int32_t *c, size_t ldc) {
    __m512i acc[R][V];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_si512();
    for (int g = 0; g < groups; g++) {
        const uint8_t *bg = b + size_t(g) * ldb;
        __m512i bv[V];
        for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_si512(bg + 64 * v);
        for (int r = 0; r < R; r++) {
            const __m512i av = broadcast4(a + r * lda + 4 * g);
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], bv[v], av);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m512i corr = _mm512_set1_epi32(correction[r]);
        for (int v = 0; v < V; v++) _mm512_storeu_si512(c + r * ldc + 16 * v, _mm512_sub_epi32(acc[r][v], corr));
    }
}

// Every row of one column block of V vectors, kRows at a time.
template <int V>
void column_block(const int8_t *a, size_t lda, const uint8_t *b, size_t ldb, int groups, int M,
                  const int32_t *correction, int32_t *c, size_t ldc) {
    mobiq_extern::for_row_blocks<kRows>(M, [&](auto rows, int m) {
        block<decltype(rows)::value, V>(a + m * lda, lda, b, ldb, groups, correction + m, c + m * ldc, ldc);
    });
}

}  // namespace

extern "C" int mobiq_vnni_u8w_gemm(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out) {
    const int K = lhs->dim[0].extent, groups = rhs->dim[2].extent;
    const int n0 = out->dim[0].min, n_extent = out->dim[0].extent;
    const int m0 = out->dim[1].min, m_extent = out->dim[1].extent;
    if (out->host == nullptr) {  // bounds query: the region's rows of A and columns of B, all of K
        lhs->dim[0].min = 0;
        lhs->dim[0].extent = K;
        lhs->dim[1].min = m0;
        lhs->dim[1].extent = m_extent;
        rhs->dim[0].min = 0;
        rhs->dim[0].extent = 4;
        rhs->dim[1].min = n0;
        rhs->dim[1].extent = n_extent;
        rhs->dim[2].min = 0;
        rhs->dim[2].extent = groups;
        return 0;
    }
    if (n_extent % 16 || m_extent <= 0 || K != 4 * groups || lhs->dim[0].min != 0 || lhs->dim[0].stride != 1 ||
        rhs->dim[0].stride != 1 || rhs->dim[1].stride != 4 || rhs->dim[2].min != 0 || out->dim[0].stride != 1)
        return -1;  // the generator's requirements keep every call inside this
    const size_t lda = size_t(lhs->dim[1].stride), ldb = size_t(rhs->dim[2].stride);
    const size_t ldc = size_t(out->dim[1].stride);
    const int8_t *a = reinterpret_cast<const int8_t *>(lhs->host) + (ptrdiff_t(m0) - lhs->dim[1].min) * ptrdiff_t(lda);
    const uint8_t *b = reinterpret_cast<const uint8_t *>(rhs->host) + 4 * (ptrdiff_t(n0) - rhs->dim[1].min);
    int32_t *c = reinterpret_cast<int32_t *>(out->host);
    // The rows' corrections once per call (a small array on the stack for the usual strips).
    int32_t local[256];
    std::vector<int32_t> heap;
    int32_t *correction = local;
    if (m_extent > 256) {
        heap.resize(size_t(m_extent));
        correction = heap.data();
    }
    for (int m = 0; m < m_extent; m++) correction[m] = shift_correction(a + m * lda, K);
    int n = 0;
    for (; n + 48 <= n_extent; n += 48)
        column_block<3>(a, lda, b + 4 * n, ldb, groups, m_extent, correction, c + n, ldc);
    switch ((n_extent - n) / 16) {
        case 2: column_block<2>(a, lda, b + 4 * n, ldb, groups, m_extent, correction, c + n, ldc); break;
        case 1: column_block<1>(a, lda, b + 4 * n, ldb, groups, m_extent, correction, c + n, ldc); break;
        default: break;
    }
    return 0;
}
