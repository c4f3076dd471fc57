// Probe: how fast is an s8 x s8 -> int32 GEMM on AMX with 2 x 2 accumulator
// tiles (each A and B tile loaded once per two tdpbssd), in mobiq's layouts
// (lhs (K, M): row m contiguous over K; rhs packed (4, N, K/4), as gemm_int8;
// out (N, M) int32), against the one-tile arrangement Halide 21 lowers
// (tools/experiments/amx_gemm_probe.cpp)? One thread, or --threads 2 (rows of
// 32 split between two std::threads).
//
//   g++ -O2 -std=c++17 -mamx-tile -mamx-int8 tools/experiments/amx_2x2_probe.cpp -lpthread -o /tmp/amx_2x2_probe
//   /tmp/amx_2x2_probe M N K [threads] [n_block] [packed: 0 none, 1 both, 2 rhs only]
//
// Results (Intel Xeon, family 6 model 167, 2026-12-01; GMAC/s, one thread; the
// AMX peak is ~3700 per core, bench/machine_peak), against Halide's one-tile
// kernel (amx_gemm_probe, k step 64) on the same shapes:
//   M x N x K          Halide one tile   2x2, unpacked   2x2, rhs packed   2x2, both packed
//   768 x 512 x 4608        262               435              631               761-810
//   3136 x 64 x 576         868               495             1048              1182
//   768 x 128 x 1152        954               628              625               790
//   3136 x 64 x 256         954               785             1182              1263
// Two threads, 768 x 512 x 4608: 1416 (both packed), 1147 (rhs packed). Only the
// large-K, large-N shapes (VGG16 conv4 / conv5, ResNet50 layer3 / layer4 3x3)
// gain much, and only with operands packed tile by tile: the next AMX step
// (docs/status.md).
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

namespace {

struct TileConfig {
    uint8_t palette = 1, start_row = 0, reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

void configure() {
    TileConfig c;
    for (int t = 0; t < 8; t++) c.colsb[t] = 64, c.rows[t] = 16;
    _tile_loadconfig(&c);
}

// Rows [m_begin, m_end) (multiples of 32), all N (multiple of 32), columns in blocks of n_block.
// Operands as mobiq's (a: lhs (K, M), b: (4, N, K/4)) or packed tile by tile (each 16 x 64-byte
// tile contiguous, 1 KiB): a: [M/16][K/64][16][64], b: [N/16][K/64][16][64] (16 rows of K/4, 16
// columns x 4 bytes).
void gemm_rows(const int8_t *a, const int8_t *b, int32_t *c, int M, int N, int K, int m_begin, int m_end,
               int n_block, bool a_packed, bool b_packed) {
    configure();
    const size_t kt = K / 64;
    for (int nb = 0; nb < N; nb += n_block) {
        const int ne = std::min(N, nb + n_block);
        for (int m = m_begin; m < m_end; m += 32) {
            const int8_t *a0 = a_packed ? a + size_t(m / 16) * kt * 1024 : a + size_t(m) * K;
            const int8_t *a1 = a_packed ? a0 + kt * 1024 : a0 + size_t(16) * K;
            const size_t as = a_packed ? 1024 : 64, astride = a_packed ? 64 : K;
            for (int n = nb; n < ne; n += 32) {
                const int8_t *b0 = b_packed ? b + size_t(n / 16) * kt * 1024 : b + size_t(n) * 4;
                const int8_t *b1 = b_packed ? b0 + kt * 1024 : b0 + 64;
                const size_t bs = b_packed ? 1024 : size_t(16) * N * 4, bstride = b_packed ? 64 : N * 4;
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
                for (size_t k = 0; k < kt; k++) {
                    _tile_loadd(4, a0 + k * as, astride);
                    _tile_loadd(5, a1 + k * as, astride);
                    _tile_loadd(6, b0 + k * bs, bstride);
                    _tile_loadd(7, b1 + k * bs, bstride);
                    _tile_dpbssd(0, 4, 6);
                    _tile_dpbssd(1, 4, 7);
                    _tile_dpbssd(2, 5, 6);
                    _tile_dpbssd(3, 5, 7);
                }
                _tile_stored(0, c + size_t(m) * N + n, N * 4);
                _tile_stored(1, c + size_t(m) * N + n + 16, N * 4);
                _tile_stored(2, c + size_t(m + 16) * N + n, N * 4);
                _tile_stored(3, c + size_t(m + 16) * N + n + 16, N * 4);
            }
        }
    }
    _tile_release();
}

}  // namespace

int main(int argc, char **argv) {
    if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) return std::printf("no AMX permission\n"), 1;
    const int M = argc > 1 ? atoi(argv[1]) : 784, N = argc > 2 ? atoi(argv[2]) : 512, K = argc > 3 ? atoi(argv[3]) : 4608;
    const int threads = argc > 4 ? atoi(argv[4]) : 1, n_block = argc > 5 && atoi(argv[5]) ? atoi(argv[5]) : N;
    const int packed = argc > 6 ? atoi(argv[6]) : 0;  // 0: none, 1: both tile-packed, 2: b only
    if (M % 64 || N % 32 || K % 64) return std::printf("M %% 64, N %% 32, K %% 64 must be 0\n"), 1;
    std::vector<int8_t> a(size_t(K) * M), b(size_t(K) * N);
    std::vector<int32_t> c(size_t(N) * M);
    std::mt19937 rng(1);
    for (auto &v : a) v = int8_t(rng());
    for (auto &v : b) v = int8_t(rng());
    std::vector<int8_t> ap(a.size()), bp(b.size());
    for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++) ap[((size_t(m / 16) * (K / 64) + k / 64) * 16 + m % 16) * 64 + k % 64] = a[size_t(m) * K + k];
    for (int r = 0; r < K / 4; r++)
        for (int n = 0; n < N; n++)
            for (int q = 0; q < 4; q++)
                bp[((size_t(n / 16) * (K / 64) + r / 16) * 16 + r % 16) * 64 + (n % 16) * 4 + q] = b[(size_t(r) * N + n) * 4 + q];
    auto rows = [&](int m0, int m1) {
        gemm_rows(packed == 1 ? ap.data() : a.data(), packed ? bp.data() : b.data(), c.data(), M, N, K, m0, m1, n_block,
                  packed == 1, packed != 0);
    };
    auto run = [&] {
        if (threads == 1) return rows(0, M);
        const int half = M / 64 * 32;
        std::thread t([&] { rows(half, M); });
        rows(0, half);
        t.join();
    };
    run();
    int bad = 0;
    for (int m = 0; m < M; m += 7)
        for (int n = 0; n < N; n += 3) {
            int32_t s = 0;
            for (int k = 0; k < K; k++) s += int(a[size_t(m) * K + k]) * int(b[size_t(k / 4) * N * 4 + n * 4 + k % 4]);
            bad += s != c[size_t(m) * N + n];
        }
    double best = 1e9;
    for (int i = 0; i < 30; i++) {
        auto t0 = std::chrono::steady_clock::now();
        run();
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("mismatches %d; AMX 2x2 GEMM%s %dx%dx%d, %d thread(s), n_block %d: %.3f ms, %.0f GMAC/s\n", bad, packed == 1 ? " (tile-packed)" : packed == 2 ? " (b tile-packed)" : "", M, N, K,
                threads, n_block, best, double(M) * N * K / best / 1e6);
}
