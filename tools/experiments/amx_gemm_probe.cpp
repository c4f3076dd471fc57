// Probe: does Halide 21 lower a u8 x s8 GEMM in mobiq's layouts (lhs (K, M),
// rhs packed (4, N, K/4), as gemm_int8) to AMX tile instructions, exactly, and
// how fast is the plain schedule (one 16 x 16 int32 accumulator tile, K in
// steps of 4, int32 output, no epilogue)? JIT, on a CPU with amx_int8:
//
//   HL=.venv/lib/python3.11/site-packages/halide
//   g++ -O2 -std=c++17 tools/experiments/amx_gemm_probe.cpp -I$HL/include -L$HL/lib64 -lHalide \
//       -Wl,-rpath,$PWD/$HL/lib64 -lpthread -ldl -o /tmp/amx_gemm_probe
//   /tmp/amx_gemm_probe M N K [tile_rows] [p] [k_step] [n_block]   (p: rows of tiles in parallel; k_step: K per
//   tile op; n_block: column blocks of that many 16-column tiles outer, in parallel)
//
// Writes the assembly to /tmp/amx_gemm_probe.s (grep tdpbusd). Results:
// docs/status.md (issue 9). Linux needs arch_prctl(ARCH_REQ_XCOMP_PERM) first.
#include "Halide.h"
#include <chrono>
#include <cstdio>
#include <random>
#include <sys/syscall.h>
#include <unistd.h>
using namespace Halide;
int main(int argc, char **argv) {
    printf("arch_prctl: %ld\n", syscall(SYS_arch_prctl, 0x1023, 18));
    const int M = argc > 1 ? atoi(argv[1]) : 784, N = argc > 2 ? atoi(argv[2]) : 128, K = argc > 3 ? atoi(argv[3]) : 1152;
    const int ty = 16, tx = argc > 4 ? atoi(argv[4]) : 16, tr = argc > 6 ? atoi(argv[6]) : 4;
    ImageParam A(UInt(8), 2, "lhs"), B(Int(8), 3, "rhs");
    RDom r(0, K);
    Var x("x"), y("y");
    Func mm("mm");
    mm(y, x) = 0;
    mm(y, x) += cast<int32_t>(A(r.x, x)) * cast<int32_t>(B(r.x % 4, y, r.x / 4));
    Func out = mm.in();
    Var rxi("rxi"), ryi("ryi"), ixi("ixi"), iyi("iyi"), yi("yi"), xi("xi"), yo("yo"), xo("xo");
    RVar rri("rri"), rro("rro");
    // n_block (argument 7, tiles of 16 columns; 0: off): column blocks outer, every row tile inside, so that
    // a block of B stays in L2 while all of A streams past it (B re-read M / 16 times otherwise).
    const int nb = argc > 7 ? atoi(argv[7]) : 0;
    Var yt("yt");
    LoopLevel at = nb ? LoopLevel(out, yt) : LoopLevel(out, y);
    mm.compute_at(at).store_in(MemoryType::AMXTile).update()
        .tile(y, x, ryi, rxi, ty, tx, TailStrategy::GuardWithIf).split(r.x, rro, rri, tr)
        .reorder(rri, ryi, rxi, rro, y, x).atomic().vectorize(rri).vectorize(ryi).vectorize(rxi);
    mm.compute_at(at).tile(y, x, iyi, ixi, ty, tx).vectorize(iyi).vectorize(ixi);
    out.tile(y, x, yi, xi, ty, tx).vectorize(yi).vectorize(xi);
    if (nb) {
        out.split(y, yo, yt, nb).reorder(yi, xi, yt, x, yo);
        if (argc > 5) out.parallel(yo);
    } else if (argc > 5) {
        out.parallel(x);
    }
    Target t = get_host_target().with_feature(Target::AVX512_SapphireRapids);
    out.compile_to_assembly("/tmp/amx_gemm_probe.s", {A, B}, "amx_mm", t);
    Buffer<uint8_t> a(K, M);
    Buffer<int8_t> b(4, N, K / 4);
    std::mt19937 rng(1);
    a.for_each_value([&](uint8_t &v) { v = rng() & 255; });
    b.for_each_value([&](int8_t &v) { v = int8_t(rng() & 255); });
    A.set(a);
    B.set(b);
    Buffer<int32_t> res(N, M);
    out.compile_jit(t);
    out.realize(res);
    int bad = 0;
    for (int m = 0; m < M; m += 7)
        for (int n = 0; n < N; n++) {
            int64_t s = 0;
            for (int k = 0; k < K; k++) s += int(a(k, m)) * int(b(k % 4, n, k / 4));
            bad += s != res(n, m);
        }
    printf("mismatches: %d\n", bad);
    double best = 1e9;
    for (int i = 0; i < 20; i++) {
        auto t0 = std::chrono::steady_clock::now();
        out.realize(res);
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("AMX GEMM %dx%dx%d (tile %dx%d, k step %d%s): %.3f ms, %.1f GMAC/s\n", M, N, K, ty, tx, tr, argc > 5 ? ", parallel" : "", best,
           double(M) * N * K / best / 1e6);
}
