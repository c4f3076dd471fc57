// Probe: an AMX GEMM (as tools/experiments/amx_gemm_probe.cpp) followed by an
// epilogue to int8: the accumulator tile (AMXTile) is computed at the
// `.in()` wrapper's 16 x 16 tile, the wrapper (a plain copy: tilestored) at
// one 16-row strip of the output, and the epilogue reads the wrapper.
// mode 1 is that schedule; mode 0 computes the wrapper for the whole output
// first. Schedules that put arithmetic between the tile and its store, or
// compute the tile at the epilogue's own tile, are refused by Halide ("Store
// to AMX tile allocation of a non-tile value"). Build and run as
// amx_gemm_probe.cpp, then: /tmp/amx_epilogue_probe M N K MODE
#include "Halide.h"
#include <chrono>
#include <cstdio>
#include <random>
#include <sys/syscall.h>
#include <unistd.h>
using namespace Halide;
int run(int argc, char **argv) {
    syscall(SYS_arch_prctl, 0x1023, 18);
    const int M = atoi(argv[1]), N = atoi(argv[2]), K = atoi(argv[3]), mode = atoi(argv[4]);
    ImageParam A(UInt(8), 2, "lhs"), B(Int(8), 3, "rhs");
    RDom r(0, K);
    Var x("x"), y("y");
    Func mm("mm");
    mm(y, x) = 0;
    mm(y, x) += cast<int32_t>(A(r.x, x)) * cast<int32_t>(B(r.x % 4, y, r.x / 4));
    Func acc = mm.in();
    Func out("out");
    out(y, x) = cast<int8_t>(clamp((acc(y, x) + 12345) >> 8, -128, 127));
    Var rxi("rxi"), ryi("ryi"), ixi("ixi"), iyi("iyi"), yi("yi"), xi("xi"), yo("yo"), xo("xo");
    RVar rri("rri"), rro("rro");
    mm.compute_at(acc, y).store_in(MemoryType::AMXTile).update()
        .tile(y, x, ryi, rxi, 16, 16, TailStrategy::GuardWithIf).split(r.x, rro, rri, 64)
        .reorder(rri, ryi, rxi, rro, y, x).atomic().vectorize(rri).vectorize(ryi).vectorize(rxi);
    mm.compute_at(acc, y).tile(y, x, iyi, ixi, 16, 16).vectorize(iyi).vectorize(ixi);
    acc.tile(y, x, yi, xi, 16, 16).vectorize(yi).vectorize(xi);
    if (mode == 0) acc.compute_root();
    else if (mode == 1) acc.compute_at(out, xo);   // one row of tiles of the output at a time
    out.split(x, xo, xi, 16).vectorize(y, 16).parallel(xo);
    Target t = get_host_target().with_feature(Target::AVX512_SapphireRapids);
    out.compile_to_assembly("/tmp/amx_epilogue_probe.s", {A, B}, "amx4", t);
    Buffer<uint8_t> a(K, M);
    Buffer<int8_t> b(4, N, K / 4);
    std::mt19937 rng(1);
    a.for_each_value([&](uint8_t &v) { v = rng() & 255; });
    b.for_each_value([&](int8_t &v) { v = int8_t(rng() & 255); });
    A.set(a); B.set(b);
    Buffer<int8_t> res(N, M);
    out.compile_jit(t);
    out.realize(res);
    int bad = 0;
    for (int mm_ = 0; mm_ < M; mm_ += 5)
        for (int nn = 0; nn < N; nn++) {
            int64_t s = 0;
            for (int kk = 0; kk < K; kk++) s += int(a(kk, mm_)) * int(b(kk % 4, nn, kk / 4));
            bad += std::min(127, std::max(-128, int((s + 12345) >> 8))) != res(nn, mm_);
        }
    double best = 1e9;
    for (int i = 0; i < 20; i++) {
        auto t0 = std::chrono::steady_clock::now();
        out.realize(res);
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("mode %d: mismatches %d; %dx%dx%d: %.3f ms, %.1f GMAC/s\n", mode, bad, M, N, K, best, double(M) * N * K / best / 1e6);
    return 0;
}
int main(int argc, char **argv) {
    try { return run(argc, argv); } catch (const Halide::Error &e) { printf("Halide error: %s\n", e.what()); return 1; }
}
