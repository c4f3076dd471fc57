// Probe: the int8 GEMM register block on AVX-512 VNNI (vpdpbusd: u8 rows of A
// broadcast 4 bytes at a time, s8 weights packed (k % 4, n, k / 4)), 2 OpenMP
// threads over 64- or 48-column blocks, each sweeping every row strip (what
// gemm_int8's few-rows schedule does). A is read as it is (no u8 flip), C is
// int32 (no epilogue). Median of 60-200 passes; "cold" flushes 48 MB of cache
// before each pass; "panel" packs each column block's weights contiguously
// (64 x K) where "strided" leaves them N * 4 bytes apart per k group.
//
//   clang++ -O3 -march=icelake-server -fopenmp tools/experiments/vnni_block_probe.cpp -o /tmp/vnni_block_probe
//   OMP_NUM_THREADS=2 OMP_PROC_BIND=true /tmp/vnni_block_probe
//
// Results (AMD EPYC Zen 4, family 25 model 17, 2 vCPUs, 2026-12-07, two runs
// on a quiet VM; ms; the 2-thread VNNI peak is ~465 GMAC/s):
//   M x N x K          4x4            6x4            7x3 (480 / 240 of the columns)
//   49 x 512 x 4608    0.272 / 0.275  0.279 / 0.280  0.237 / 0.249
//   196 x 256 x 2304   0.254 / 0.253  0.255 / 0.265  0.279 / 0.292
//   49 x 512 x 2048    0.121 / 0.133  0.139 / 0.131  0.118 / 0.112
//   M x N x K          hot strided    hot panel      cold strided   cold panel   (4x4)
//   49 x 512 x 4608    0.272 / 0.290  0.266 / 0.271  0.363 / 0.377  0.295 / 0.302
//   196 x 256 x 2304   0.256 / 0.280  0.266 / 0.260  0.318 / 0.314  0.278 / 0.280
//   49 x 512 x 2048    0.135 / 0.130  0.119 / 0.125  0.196 / 0.220  0.140 / 0.158
// Cold weights cost the strided layout (gemm_int8's packing) 0.06-0.09 ms on
// these layers, about what ResNet50's layer4 loses in the network (0.32 ms
// standalone, 0.41-0.45 in the network); packed in contiguous 64-column
// panels most of it comes back (the hardware prefetchers follow a contiguous
// stream, not one that jumps N * 4 bytes per k group). An earlier, noisier
// run of the same loops (while other jobs ran) showed no cold cost: measure
// on a quiet machine. 7 x 4 with the broadcast as a memory operand spilled
// its accumulators under GCC 12 (0.83 ms); clang kept them in registers.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "vnni_register_block.h"

namespace {

template <int R, int V>
void gemm(const uint8_t *A, const int8_t *B, int32_t *C, int M, int N, int K, bool panel) {
    const int cols = 16 * V, blocks = N / cols;
#pragma omp parallel for schedule(static)
    for (int j = 0; j < blocks; j++) {
        // A k group of the block: cols x 4 bytes, N * 4 apart (strided) or contiguous (panel).
        const int8_t *bj = panel ? B + size_t(j) * cols * K : B + size_t(cols) * 4 * j;
        const size_t ldb = panel ? size_t(cols) * 4 : size_t(N) * 4;
        for (int m = 0; m < M; m += R) {
            const int mm = std::min(m, M - R);  // the last strip shifted inwards
            vnni_block<R, V>(A + size_t(mm) * K, K, bj, ldb, K, C + size_t(mm) * N + cols * j, N);
        }
    }
}

template <int R, int V>
double median_ms(int M, int N, int K, bool panel, bool cold, int passes) {
    std::vector<uint8_t> A(size_t(M) * K, 3);
    std::vector<int8_t> B(size_t(N) * K, 1);
    std::vector<int32_t> C(size_t(M) * N);
    static std::vector<char> flush(48 << 20, 1);
    std::vector<double> ts;
    for (int it = 0; it < passes; it++) {
        if (cold)
            for (size_t i = 0; i < flush.size(); i += 64) flush[i]++;
        const auto t0 = std::chrono::steady_clock::now();
        gemm<R, V>(A.data(), B.data(), C.data(), M, N, K, panel);
        ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    if (C[0] != 3 * K) std::printf("wrong sum\n");
    std::sort(ts.begin(), ts.end());
    return ts[ts.size() / 2];
}

}  // namespace

int main() {
    const int shapes[][3] = {{49, 512, 4608}, {196, 256, 2304}, {49, 512, 2048}};
    for (const auto &s : shapes) {
        const int M = s[0], N = s[1], K = s[2];
        std::printf("%d x %d x %d: 4x4 %.3f  6x4 %.3f  7x3 %.3f | 4x4 hot strided %.3f panel %.3f, cold strided %.3f "
                    "panel %.3f\n",
                    M, N, K, median_ms<4, 4>(M, N, K, false, false, 200), median_ms<6, 4>(M, N, K, false, false, 200),
                    median_ms<7, 3>(M, N, K, false, false, 200), median_ms<4, 4>(M, N, K, false, false, 60),
                    median_ms<4, 4>(M, N, K, true, false, 60), median_ms<4, 4>(M, N, K, false, true, 60),
                    median_ms<4, 4>(M, N, K, true, true, 60));
    }
}
