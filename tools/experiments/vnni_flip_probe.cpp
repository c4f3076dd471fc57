// Probe: does the u8 flip of A (x ^ 0x80 per broadcast, gemm_int8's
// unsigned_lhs formulation for vpdpbusd) cost anything, and do larger register
// blocks help, on the few-row GEMMs of ResNet50's layer3 / layer4? Same loops
// as vnni_block_probe.cpp (64-column contiguous panels, 2 OpenMP threads over
// the panels, each sweeping every row strip, hot data, no epilogue), with
//   MODE 0: A as is (no flip: wrong numbers, the bound);
//   MODE 1: A flipped per broadcast (what gemm_int8 computes);
//   MODE 2: the weights as the unsigned operand (they would be stored + 128)
//           and A the signed one, broadcast from memory (an embedded {1to16}
//           operand where the compiler folds it).
// Columns not a multiple of a block's width are scaled from the ones computed.
//
//   clang++ -O3 -march=icelake-server -fopenmp tools/experiments/vnni_flip_probe.cpp -o /tmp/vnni_flip_probe
//   g++ -O3 -march=icelake-server -fopenmp tools/experiments/vnni_flip_probe.cpp -o /tmp/vnni_flip_probe_gcc
//   OMP_NUM_THREADS=2 OMP_PROC_BIND=true /tmp/vnni_flip_probe
//
// Results (AMD EPYC Zen 4, family 25 model 17, 2 vCPUs, 2026-12-07, two
// passes each; ms; the 2-thread VNNI peak is ~465 GMAC/s):
//   clang 15          4x4 noflip    4x4 flip      4x4 u8w       7x4 u8w       7x3 flip      6x4 flip
//   49 x 512 x 4608   0.271/0.263   0.273/0.264   0.272/0.263   0.263/0.259   0.263/0.262   0.295/0.274
//   196 x 256 x 2304  0.266/0.252   0.278/0.263   0.257/0.269   0.280/0.270   0.309/0.326   0.268/0.252
//   49 x 512 x 2048   0.122/0.118   0.123/0.120   0.124/0.118   0.112/0.111   0.112/0.113   0.122/0.123
//   784 x 512 x 4608  4.171/4.037   4.148/4.062   4.094/4.120   4.058/4.299   4.062/4.159   4.099/4.034
//   GCC 12: 4x4 0.280-0.287 (noflip), 0.286-0.305 (flip) on 49 x 512 x 4608;
//   every larger block spilled (7x4 u8w 0.58-0.74, 7x3 0.39-0.53, 6x4 0.51-0.52).
// So on Zen 4 the flip is free in the 4 x 4 block; 7-row blocks gain 1-8 %
// on 49-row GEMMs and lose on 196-row ones, and only where the compiler keeps
// 28 accumulators in registers (clang, not GCC 12; Halide 21's LLVM did not
// fold the broadcast either and spilled 7 x 4). Not pursued (docs/networks.md).
#include <immintrin.h>
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>
template <int R, int V, int MODE>
__attribute__((noinline)) void block(const uint8_t *a, size_t lda, const int8_t *b, size_t ldb, int K, int32_t *c, size_t ldc) {
    __m512i acc[R][V];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_si512();
    for (int k = 0; k < K; k += 4) {
        const int8_t *bk = b + size_t(k / 4) * ldb;
        __m512i bv[V];
        for (int v = 0; v < V; v++) bv[v] = _mm512_loadu_si512(bk + 64 * v);
        for (int r = 0; r < R; r++) {
            int32_t x; std::memcpy(&x, a + r * lda + k, 4);
            if (MODE == 1) x ^= int32_t(0x80808080);
            const __m512i av = _mm512_set1_epi32(x);
            for (int v = 0; v < V; v++)
                acc[r][v] = MODE == 2 ? _mm512_dpbusd_epi32(acc[r][v], bv[v], av) : _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < V; v++) _mm512_storeu_si512(c + r * ldc + 16 * v, acc[r][v]);
}
template <int R, int V, int MODE>
void gemm(const uint8_t *A, const int8_t *B, int32_t *C, int M, int N, int K) {
    const int cols = 16 * V, blocks = N / cols;
#pragma omp parallel for schedule(static)
    for (int j = 0; j < blocks; j++) {
        const int8_t *bj = B + size_t(j) * cols * K;
        for (int m = 0; m < M; m += R) {
            const int mm = std::min(m, M - R);
            block<R, V, MODE>(A + size_t(mm) * K, K, bj, size_t(cols) * 4, K, C + size_t(mm) * N + cols * j, N);
        }
    }
}
template <int R, int V, int MODE>
double ms(int M, int N, int K, int passes = 200) {
    std::vector<uint8_t> A(size_t(M) * K, 3);
    std::vector<int8_t> B(size_t(N) * K, 1);
    std::vector<int32_t> C(size_t(M) * N);
    std::vector<double> ts;
    for (int it = 0; it < passes; it++) {
        const auto t0 = std::chrono::steady_clock::now();
        gemm<R, V, MODE>(A.data(), B.data(), C.data(), M, N - N % (16 * V), K);
        ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ts.begin(), ts.end());
    return ts[ts.size() / 2] * double(N) / (N - N % (16 * V));
}
int main() {
    const int shapes[][3] = {{49, 512, 4608}, {196, 256, 2304}, {49, 512, 2048}, {784, 512, 4608}};
    for (int rep = 0; rep < 2; rep++)
    for (const auto &s : shapes) {
        const int M = s[0], N = s[1], K = s[2];
        std::printf("%dx%dx%d: 4x4 noflip %.3f flip %.3f u8w %.3f | 7x4 u8w %.3f | 7x3 flip %.3f u8w %.3f | 6x4 flip %.3f u8w %.3f\n", M, N, K,
                    ms<4, 4, 0>(M, N, K), ms<4, 4, 1>(M, N, K), ms<4, 4, 2>(M, N, K), ms<7, 4, 2>(M, N, K),
                    ms<7, 3, 1>(M, N, K), ms<7, 3, 2>(M, N, K), ms<6, 4, 1>(M, N, K), ms<6, 4, 2>(M, N, K));
    }
}
