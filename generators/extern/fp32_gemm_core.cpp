// AVX-512 FP32 GEMM register blocks with B prefetched into L1 (see the header).
// Measured against Halide's own loop of the same block: decision 48.
#include "fp32_gemm_core.h"

#include "row_blocks.h"

#include <immintrin.h>

#include <cstddef>

namespace {

// Rows of B ahead that the prefetch asks for: ~8 k-steps (of ~12 cycles each)
// cover an L2 hit; 16 was no better (tools/experiments/fp32_prefetch_probe.cpp).
constexpr int kPrefetchRows = 8;

// R rows x V vectors of C: sum over k of A(k, r) * B(v, k). B's rows are
// b_stride floats apart; `prefetch` when the block spans 4 vectors (a 256-byte
// row of B is 4 cache lines).
template <int R, int V>
inline void block(const float *a, size_t a_stride, const float *b, size_t b_stride, int K, float *c,
                  size_t c_stride) {
    __m512 acc[R][V];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const float *bk = b + size_t(k) * b_stride;
        const float *ahead = bk + kPrefetchRows * b_stride;
        for (int v = 0; v < V; v++) _mm_prefetch(reinterpret_cast<const char *>(ahead + 16 * v), _MM_HINT_T0);
        __m512 bv[V];
        for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_ps(bk + 16 * v);
        for (int r = 0; r < R; r++) {
            const __m512 av = _mm512_set1_ps(a[r * a_stride + k]);
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) _mm512_storeu_ps(c + r * c_stride + 16 * v, acc[r][v]);
}

// Every row strip of one column block of V vectors: 6 rows at a time, the rest in one smaller block.
template <int V>
void column_block(const float *a, size_t a_stride, const float *b, size_t b_stride, int K, int M, float *c,
                  size_t c_stride) {
    mobiq_extern::for_row_blocks<6>(M, [&](auto rows, int m) {
        block<decltype(rows)::value, V>(a + m * a_stride, a_stride, b, b_stride, K, c + m * c_stride, c_stride);
    });
}

}  // namespace

extern "C" int mobiq_fp32_gemm_avx512(halide_buffer_t *lhs, halide_buffer_t *rhs, halide_buffer_t *out) {
    const int K = lhs->dim[0].extent;
    const int n0 = out->dim[0].min, n_extent = out->dim[0].extent;
    const int m0 = out->dim[1].min, m_extent = out->dim[1].extent;
    if (out->host == nullptr) {  // bounds query: the region's rows of A and columns of B, all of K
        lhs->dim[0].min = 0;
        lhs->dim[0].extent = K;
        lhs->dim[1].min = m0;
        lhs->dim[1].extent = m_extent;
        rhs->dim[0].min = n0;
        rhs->dim[0].extent = n_extent;
        rhs->dim[1].min = 0;
        rhs->dim[1].extent = K;
        return 0;
    }
    if (n0 % 16 || n_extent % 16 || m_extent <= 0 || lhs->dim[0].min != 0 || lhs->dim[0].stride != 1 ||
        rhs->dim[0].stride != 1 || rhs->dim[1].extent < K || out->dim[0].stride != 1)
        return -1;  // the generator's requirements keep every call inside this
    const size_t a_stride = size_t(lhs->dim[1].stride), b_stride = size_t(rhs->dim[1].stride);
    const size_t c_stride = size_t(out->dim[1].stride);
    const float *a = reinterpret_cast<const float *>(lhs->host) + (ptrdiff_t(m0) - lhs->dim[1].min) * ptrdiff_t(a_stride);
    const float *b = reinterpret_cast<const float *>(rhs->host) + (ptrdiff_t(n0) - rhs->dim[0].min) -
                     ptrdiff_t(rhs->dim[1].min) * ptrdiff_t(b_stride);
    float *c = reinterpret_cast<float *>(out->host);
    int n = 0;
    for (; n + 64 <= n_extent; n += 64) column_block<4>(a, a_stride, b + n, b_stride, K, m_extent, c + n, c_stride);
    switch ((n_extent - n) / 16) {
        case 3: column_block<3>(a, a_stride, b + n, b_stride, K, m_extent, c + n, c_stride); break;
        case 2: column_block<2>(a, a_stride, b + n, b_stride, K, m_extent, c + n, c_stride); break;
        case 1: column_block<1>(a, a_stride, b + n, b_stride, K, m_extent, c + n, c_stride); break;
        default: break;
    }
    return 0;
}
