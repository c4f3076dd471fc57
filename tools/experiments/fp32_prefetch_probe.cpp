// Probe: what does a prefetch of B buy the FP32 register block that
// gemm_fp32 runs (6 rows x 4 vectors of 16 floats, B as 64-column panels,
// (64, K) contiguous), and with which hint? One thread, best of 200 passes over
// every 64-column panel and 6-row strip (the panel's B from L2 after the first strip).
//
//   g++ -O3 -march=native tools/experiments/fp32_prefetch_probe.cpp -o /tmp/fp32_prefetch_probe
//   /tmp/fp32_prefetch_probe M K N
//
// Results (Intel Xeon, family 6 model 167, 2026-12-06; GMAC/s, one thread; the
// FMA peak is ~119 per core, bench/machine_peak), two runs each:
//   M x K x N          no prefetch    prefetcht0 8 k ahead   16 ahead   prefetchnta 8 / 16   prefetcht1 8
//   196 x 512 x 512     100 / 91        109 / 99              98         33 / 57              82
//   3136 x 128 x 128    82 / 79          87 / 76              87 / 77    60 / 65              80
//   49 x 1024 x 1024    81 / 79          88 / 87              94 / 85    17 / 20              73
// prefetchnta (what Halide 21's prefetch directive emits) loses up to 5x:
// the panel's rows leave the caches that the next strip reads them from.
// Hence the extern core of gemm_fp32 avx512_core (decision 48).
#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
// 6x64 register block: C[6][64] += A[6][K] * B[K][64] (B panel contiguous), strips over M rows.
template <int PF, int HINT = _MM_HINT_T0>
__attribute__((target("avx512f"))) void strip(const float *A, int lda, const float *B, int K, float *C, int ldc) {
    __m512 c[6][4];
    for (int i = 0; i < 6; i++) for (int j = 0; j < 4; j++) c[i][j] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const float *b = B + k * 64;
        if (PF) { _mm_prefetch((const char *)(b + PF * 64), (_mm_hint)HINT); _mm_prefetch((const char *)(b + PF * 64 + 16), (_mm_hint)HINT);
                  _mm_prefetch((const char *)(b + PF * 64 + 32), (_mm_hint)HINT); _mm_prefetch((const char *)(b + PF * 64 + 48), (_mm_hint)HINT); }
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), b2 = _mm512_loadu_ps(b + 32), b3 = _mm512_loadu_ps(b + 48);
        for (int i = 0; i < 6; i++) {
            __m512 a = _mm512_set1_ps(A[i * lda + k]);
            c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]); c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
            c[i][2] = _mm512_fmadd_ps(a, b2, c[i][2]); c[i][3] = _mm512_fmadd_ps(a, b3, c[i][3]);
        }
    }
    for (int i = 0; i < 6; i++) for (int j = 0; j < 4; j++) _mm512_storeu_ps(C + i * ldc + j * 16, c[i][j]);
}
int main(int argc, char **argv) {
    int M = atoi(argv[1]), K = atoi(argv[2]), N = atoi(argv[3]);
    std::vector<float> A(size_t(M) * K, 1.0f), B(size_t(K) * N, 0.5f), C(size_t(M) * N);
    auto run = [&](auto fn) {
        double best = 1e9;
        for (int rep = 0; rep < 200; rep++) {
            auto t0 = std::chrono::steady_clock::now();
            for (int p = 0; p < N / 64; p++)
                for (int m = 0; m + 6 <= M; m += 6) fn(A.data() + m * K, K, B.data() + size_t(p) * 64 * K, K, C.data() + m * N + p * 64, N);
            double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (t < best) best = t;
        }
        return (M / 6 * 6) * double(K) * N / best / 1e9;
    };
    printf("M=%d K=%d N=%d: nopf %.1f  pf8 %.1f  pf16 %.1f GMAC/s\n", M, K, N, run(strip<0>), run(strip<8>), run(strip<16>));
    printf("   nta: pf8 %.1f pf16 %.1f   t1: pf8 %.1f\n", run(strip<8, _MM_HINT_NTA>), run(strip<16, _MM_HINT_NTA>), run(strip<8, _MM_HINT_T1>));
}
