// Probe: what the padded border costs im2col_int8_x86 (the kernel of the
// build). Times one im2col of a C x W x W int8 image, 3x3, pad 0 or 1, on
// Halide's own thread pool (HL_NUM_THREADS threads), median of 2000 calls.
//
//   HI=$(find .venv -path "*halide/include" -type d | head -1)
//   g++ -O2 -std=c++17 -I$HI -Ibuild/host/generators tools/experiments/im2col_padding_probe.cpp \
//       build/host/generators/libim2col_int8_x86.a build/host/generators/libmobiq_halide_runtime.a \
//       -lpthread -ldl -o /tmp/im2col_padding_probe
//   HL_NUM_THREADS=2 /tmp/im2col_padding_probe 256 14 1 1      (C W pad stride)
//
// Results (AMD EPYC Zen 4, family 25 model 17, 2 threads, 2026-12-07; us):
//   256 x 14 x 14, pad 1: 17.1 (441 KB out)   pad 0: 6.2 (324 KB)
//   512 x 7 x 7,   pad 1: 13.2 (220 KB)       pad 0: 2.0 (112 KB)
//   128 x 28 x 28, pad 1: 22.6 (882 KB);  256 x 28 x 28 stride 2, pad 1: 9.1 (441 KB)
// The border pixels (a quarter of a 14 x 14 image's) run Halide's
// constant_exterior as per-byte inserts (vpinsrb / vpextrd in the assembly:
// the clamped ramp of the flattened C * W row is not seen as dense), so the
// padded call takes about twice the time per byte. In the network it does
// not show: an im2col from a bordered copy of the input (the conv operator
// copying the input into an image with the node's padding, then im2col
// unpadded) measured level on ResNet50's nine 14 x 14 / 7 x 7 3x3 layers
// (docs/networks.md), and was not kept.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>
#include "HalideBuffer.h"
#include "im2col_int8_x86.h"
using Halide::Runtime::Buffer;
int main(int argc, char **argv) {
    const int C = atoi(argv[1]), W = atoi(argv[2]), pad = atoi(argv[3]), S = atoi(argv[4]);
    const int OW = (W + 2 * pad - 3) / S + 1;
    Buffer<int8_t> in(C * W, W, 1);
    in.fill(3);
    const int K = 9 * C;
    halide_dimension_t d[5] = {{0, 3 * C, 1}, {0, 3, 3 * C}, {0, OW, K}, {0, OW, K * OW}, {0, 1, K * OW * OW}};
    std::vector<int8_t> cols(size_t(K) * OW * OW);
    Buffer<int8_t> out(cols.data(), 5, d);
    std::vector<double> ts;
    for (int i = 0; i < 2000; i++) {
        auto t0 = std::chrono::steady_clock::now();
        im2col_int8_x86(C, S, S, pad, pad, 0, in, out);
        ts.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ts.begin(), ts.end());
    std::printf("C=%d W=%d pad=%d stride=%d: median %.1f us (%.0f KB out)\n", C, W, pad, S, ts[ts.size() / 2], cols.size() / 1024.0);
}
