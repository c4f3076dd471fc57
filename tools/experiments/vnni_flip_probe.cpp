// Probe: does the u8 flip of A (x ^ 0x80 per broadcast, gemm_int8's
// unsigned_lhs formulation for vpdpbusd) cost anything, and do larger register
// blocks help, on the few-row GEMMs of ResNet50's layer3 / layer4? Same loops
// as vnni_block_probe.cpp (vnni_register_block.h; 64-column contiguous panels, 2 OpenMP threads over
// the panels, each sweeping every row strip, hot data, no epilogue), with
//   kAsIs: A as is (no flip: wrong numbers, the bound);
//   kFlipA: A flipped per broadcast (what gemm_int8 computes);
//   kUnsignedB: the weights as the unsigned operand (they would be stored + 128)
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
//
// Intel Xeon family 6 model 207 (Emerald Rapids, the device tool's host,
// `taskset -c 2,3`, clang 14 with -fopenmp=libgomp, 2026-12-07; a noisy
// shared host, machine_peak 2 gave 578 GMAC/s VNNI in the same call); ms, two
// runs of two passes:
//   clang 14          4x4 noflip        4x4 flip          7x4 u8w           7x3 u8w           6x4 u8w
//   49 x 512 x 4608   0.54-0.75         0.55-0.77         0.44-0.47         0.38-0.43         0.44-0.48
//   196 x 256 x 2304  0.48-0.59         0.48-0.62         0.40-0.60         0.34-0.39         0.35-0.44
//   49 x 512 x 2048   0.22-0.29         0.23-0.28         0.18-0.25         0.15-0.22         0.17-0.18
//   784 x 512 x 4608  8.06-11.30        8.15-10.04        7.18-9.52         6.30-9.88         6.20-7.45
// So on Intel the flip costs 0-5 % (pass to pass, within the noise), but the
// register block matters: 7 x 3 with the weights as the unsigned operand and A
// broadcast from memory ran 1.3-1.9x faster than the 4 x 4 flip block
// gemm_int8's x86 schedule uses in 11 of the 12 pass pairs (one 784-row pass
// 0.95x); level on Zen 4: the lead for an Intel VNNI variant (docs/status.md).
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "vnni_register_block.h"

namespace {

using M = VnniOperands;

template <int R, int V, M Mode>
void gemm(const uint8_t *A, const int8_t *B, int32_t *C, int rows, int N, int K) {
    const int cols = 16 * V, blocks = N / cols;
#pragma omp parallel for schedule(static)
    for (int j = 0; j < blocks; j++) {
        const int8_t *bj = B + size_t(j) * cols * K;  // the panel of block j, contiguous
        for (int m = 0; m < rows; m += R) {
            const int mm = std::min(m, rows - R);  // the last strip shifted inwards
            vnni_block<R, V, Mode>(A + size_t(mm) * K, K, bj, size_t(cols) * 4, K, C + size_t(mm) * N + cols * j, N);
        }
    }
}

// Median ms of 200 hot passes, scaled to all N columns where a block's width does not divide N.
template <int R, int V, M Mode>
double ms(int rows, int N, int K) {
    std::vector<uint8_t> A(size_t(rows) * K, 3);
    std::vector<int8_t> B(size_t(N) * K, 1);
    std::vector<int32_t> C(size_t(rows) * N);
    const int n = N - N % (16 * V);
    std::vector<double> ts;
    for (int it = 0; it < 200; it++) {
        const auto t0 = std::chrono::steady_clock::now();
        gemm<R, V, Mode>(A.data(), B.data(), C.data(), rows, n, K);
        ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ts.begin(), ts.end());
    return ts[ts.size() / 2] * double(N) / n;
}

}  // namespace

int main() {
    const int shapes[][3] = {{49, 512, 4608}, {196, 256, 2304}, {49, 512, 2048}, {784, 512, 4608}};
    for (int pass = 0; pass < 2; pass++)
        for (const auto &s : shapes) {
            const int rows = s[0], N = s[1], K = s[2];
            std::printf("%dx%dx%d: 4x4 noflip %.3f flip %.3f u8w %.3f | 7x4 u8w %.3f | 7x3 flip %.3f u8w %.3f | "
                        "6x4 flip %.3f u8w %.3f\n",
                        rows, N, K, ms<4, 4, M::kAsIs>(rows, N, K), ms<4, 4, M::kFlipA>(rows, N, K),
                        ms<4, 4, M::kUnsignedB>(rows, N, K), ms<7, 4, M::kUnsignedB>(rows, N, K),
                        ms<7, 3, M::kFlipA>(rows, N, K), ms<7, 3, M::kUnsignedB>(rows, N, K),
                        ms<6, 4, M::kFlipA>(rows, N, K), ms<6, 4, M::kUnsignedB>(rows, N, K));
        }
}
