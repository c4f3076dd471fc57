// Probe: Halide's one-tile AMX GEMM (tools/experiments/amx_gemm_probe.cpp) with
// both operands packed tile by tile, so that every tile load reads 1 KiB of
// contiguous memory: lhs as (64, 16, K/64, M/16) (64 k of 16 rows), rhs as
// (64, 16, K/64, N/16) (4 k x 16 columns, 16 groups of 4 k, per 64 k). Does
// Halide 21 still lower it to AMX (tileloadd with a stride of 64), exactly,
// and how fast is it against the (K, M) / (4, N, K/4) layouts? JIT, on a CPU
// with amx_int8:
//
//   HL=.venv/lib/python3.11/site-packages/halide
//   g++ -O2 -std=c++17 tools/experiments/amx_packed_probe.cpp -I$HL/include -L$HL/lib64 -lHalide \
//       -Wl,-rpath,$PWD/$HL/lib64 -lpthread -ldl -o /tmp/amx_packed_probe
//   HL_NUM_THREADS=1 /tmp/amx_packed_probe M N K [packed 0|1] [parallel 0|1]
//
// Writes /tmp/amx_packed_probe.s (grep tileloadd / tdpbssd).
// Result (Halide 21.0.0, 2026-12-01): the packed form is rejected ("Store to
// AMX tile allocation of a non-tile value": its tile-lowering pass does not
// match these loads); the (K, M) / (4, N, K/4) form is the one it takes.
// Halide's main branch has since rewritten that pass (several accumulator
// sub-tiles per allocation): worth retrying with the next release.
#include "Halide.h"
#include <chrono>
#include <cstdio>
#include <random>
#include <sys/syscall.h>
#include <unistd.h>
using namespace Halide;
int main(int argc, char **argv) {
    if (syscall(SYS_arch_prctl, 0x1023, 18) != 0) return printf("no AMX permission\n"), 1;
    const int M = argc > 1 ? atoi(argv[1]) : 784, N = argc > 2 ? atoi(argv[2]) : 512, K = argc > 3 ? atoi(argv[3]) : 4608;
    const bool packed = argc > 4 ? atoi(argv[4]) : 1, par = argc > 5 ? atoi(argv[5]) : 1;
    ImageParam A(Int(8), packed ? 4 : 2, "lhs"), B(Int(8), packed ? 4 : 3, "rhs");
    Var x("x"), y("y");  // y: column n, x: row m
    Func out("out");
    Var rxi("rxi"), ryi("ryi"), ixi("ixi"), iyi("iyi"), yi("yi"), xi("xi");
    if (packed) {
        // In tile coordinates: mm(ni, mi, nt, mt), the reduction as 64 k (r.x) x K/64 chunks (r.y), so that
        // every index is affine in the tile's lanes without Halide having to prove alignment.
        Var ni("ni"), mi("mi"), nt("nt"), mt("mt");
        RDom r(0, 64, 0, K / 64);
        Func mm("mm");
        mm(ni, mi, nt, mt) = 0;
        mm(ni, mi, nt, mt) += cast<int32_t>(A(r.x, mi, r.y, mt)) * cast<int32_t>(B(r.x % 4 + 4 * ni, r.x / 4, r.y, nt));
        out(y, x) = mm(y % 16, x % 16, y / 16, x / 16);
        out.tile(y, x, yi, xi, 16, 16).vectorize(yi).vectorize(xi);
        mm.compute_at(out, y).store_in(MemoryType::AMXTile).bound_extent(ni, 16).bound_extent(mi, 16)
            .vectorize(ni).vectorize(mi);
        mm.update().reorder(r.x, ni, mi, r.y, nt, mt).atomic().vectorize(r.x).vectorize(ni).vectorize(mi);
        out.output_buffer().dim(0).set_min(0).dim(1).set_min(0);
    } else {
        RDom r(0, K);
        Func mm("mm");
        mm(y, x) = 0;
        mm(y, x) += cast<int32_t>(A(r.x, x)) * cast<int32_t>(B(r.x % 4, y, r.x / 4));
        out(y, x) = mm(y, x);
        RVar rri("rri"), rro("rro");
        mm.compute_at(out, y).store_in(MemoryType::AMXTile).update()
            .tile(y, x, ryi, rxi, 16, 16, TailStrategy::GuardWithIf).split(r.x, rro, rri, 64)
            .reorder(rri, ryi, rxi, rro, y, x).atomic().vectorize(rri).vectorize(ryi).vectorize(rxi);
        mm.compute_at(out, y).tile(y, x, iyi, ixi, 16, 16).vectorize(iyi).vectorize(ixi);
        out.tile(y, x, yi, xi, 16, 16).vectorize(yi).vectorize(xi);
    }
    if (par) out.parallel(x);
    if (packed) {
        A.dim(0).set_extent(64).dim(1).set_extent(16).set_stride(64).dim(2).set_stride(1024);
        B.dim(0).set_extent(64).dim(1).set_extent(16).set_stride(64).dim(2).set_stride(1024);
    }
    Target t = get_host_target().with_feature(Target::AVX512_SapphireRapids);
    try {
        out.compile_to_assembly("/tmp/amx_packed_probe.s", {A, B}, "amx_mm", t);
    } catch (const CompileError &e) {
        return printf("Halide: %s\n", e.what()), 1;
    }
    std::mt19937 rng(1);
    std::vector<int8_t> av(size_t(K) * M), bv(size_t(K) * N);  // a(k, m), b(k, n)
    for (auto &v : av) v = int8_t(rng());
    for (auto &v : bv) v = int8_t(rng());
    Buffer<int8_t> ab = packed ? Buffer<int8_t>(64, 16, K / 64, M / 16) : Buffer<int8_t>(K, M);
    Buffer<int8_t> bb = packed ? Buffer<int8_t>(64, 16, K / 64, N / 16) : Buffer<int8_t>(4, N, K / 4);
    for (int m = 0; m < M; m++)
        for (int kk = 0; kk < K; kk++) {
            if (packed) ab(kk % 64, m % 16, kk / 64, m / 16) = av[size_t(m) * K + kk];
            else ab(kk, m) = av[size_t(m) * K + kk];
        }
    for (int n = 0; n < N; n++)
        for (int kk = 0; kk < K; kk++) {
            if (packed) bb(kk % 4 + 4 * (n % 16), (kk / 4) % 16, kk / 64, n / 16) = bv[size_t(n) * K + kk];
            else bb(kk % 4, n, kk / 4) = bv[size_t(n) * K + kk];
        }
    A.set(ab);
    B.set(bb);
    Buffer<int32_t> res(N, M);
    out.compile_jit(t);
    out.realize(res);
    int bad = 0;
    for (int m = 0; m < M; m += 7)
        for (int n = 0; n < N; n += 3) {
            int32_t s = 0;
            for (int kk = 0; kk < K; kk++) s += int(av[size_t(m) * K + kk]) * int(bv[size_t(n) * K + kk]);
            bad += s != res(n, m);
        }
    double best = 1e9;
    for (int i = 0; i < 20; i++) {
        auto t0 = std::chrono::steady_clock::now();
        out.realize(res);
        best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    printf("mismatches %d; AMX one-tile GEMM %dx%dx%d, %s: %.3f ms, %.0f GMAC/s\n", bad, M, N, K,
           packed ? "tile-packed operands" : "(K, M) / (4, N, K/4)", best, double(M) * N * K / best / 1e6);
}
