// INT8 and FP32 GEMM at the shapes of ResNet50's layers (bench/resnet50_gemm_shapes.h),
// on 1 or 2 threads (--threads), as GOP/s; this machine's peak is measured in
// the same process before and after the run (bench/machine_peak.h) and written
// beside the JSON (F.json.peak) for the % of peak columns (tools/gemm_table.py). int8: gemm_int8 with symmetric
// per-channel weights, requantized to int8 (the usual deployed scheme).
//
//   build/host/bench/gemm_bench --benchmark_out=F.json --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include "mobiq_kernels.h"
#include "machine_peak.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/thread_pool.h"
#include "resnet50_gemm_shapes.h"

namespace mobiq::bench {
namespace {

using Halide::Runtime::Buffer;

Peak g_peak;  // best of the measurements before and after the run, on g_threads threads
int g_threads = 1;

void report(benchmark::State &state, const LayerGemm &g) {
    const double macs = static_cast<double>(g.m) * g.n * g.k;
    state.counters["GOP/s"] = benchmark::Counter(2 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MACs"] = macs;
    state.counters["M"] = g.m;
    state.counters["N"] = g.n;
    state.counters["K"] = g.k;
    state.counters["threads"] = g_threads;
    state.counters["layers"] = g.count;
}

void bench_int8(benchmark::State &state, const LayerGemm g) {
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> d(-127, 127);
    std::vector<int8_t> w(static_cast<size_t>(g.n) * g.k);
    for (auto &v : w) v = static_cast<int8_t>(d(rng));
    PackedGemmInt8Weights packed;
    if (!pack_gemm_int8_weights(w.data(), g.k, g.n, nullptr, 0, &packed).is_ok()) {
        state.SkipWithError("packing failed");
        return;
    }
    Buffer<int8_t> lhs(packed.k_padded, g.m), rhs(packed.data.data(), 4, g.n, packed.k_padded / 4);
    lhs.for_each_value([&](int8_t &v) { v = static_cast<int8_t>(d(rng)); });
    Buffer<int32_t> colsum(packed.column_sum.data(), g.n), zw(g.n), bias(g.n), mult(g.n), shift(g.n);
    zw.fill(0);
    bias.fill(100);
    mult.fill(1 << 30);
    shift.fill(-10);
    Buffer<int8_t> out(g.n, g.m);
    for (auto _ : state) {
        if (gemm_int8_x86(lhs, 3, rhs, colsum, zw, bias, mult, shift, 0, -128, 127, out) != 0) {
            state.SkipWithError(take_last_kernel_error().c_str());
            break;
        }
    }
    report(state, g);
}

void bench_fp32(benchmark::State &state, const LayerGemm g) {
    std::mt19937 rng(2);
    std::normal_distribution<float> d;
    Buffer<float> lhs(g.k, g.m), rhs(g.n, g.k), bias(g.n), out(g.n, g.m);
    lhs.for_each_value([&](float &v) { v = d(rng); });
    rhs.for_each_value([&](float &v) { v = d(rng) * 0.05f; });
    bias.fill(0.1f);
    const float inf = std::numeric_limits<float>::infinity();
    for (auto _ : state) {
        if (gemm_fp32_x86(lhs, rhs, bias, -inf, inf, out) != 0) {
            state.SkipWithError(take_last_kernel_error().c_str());
            break;
        }
    }
    report(state, g);
}

void bench_peak(benchmark::State &state, bool int8) {
    Peak p;
    for (auto _ : state) p = measure_peak(g_threads, 1);
    state.counters["GMAC/s"] = (int8 ? p.int8_macs_per_s : p.fp32_macs_per_s) * 1e-9;
}

}  // namespace
}  // namespace mobiq::bench

// Usage: gemm_bench [--threads=N] [Google Benchmark flags]. The thread count
// is fixed per process (mobiq::set_thread_count for the kernels' parallel
// loops; HL_NUM_THREADS for Halide's own pool, read when it starts);
// tools/bench.sh runs 1 and 2 threads as two processes.
int main(int argc, char **argv) {
    using namespace mobiq::bench;
    std::vector<char *> args;
    std::string json_out;
    for (int i = 0; i < argc; i++) {
        std::string a = argv[i];
        if (a.rfind("--threads=", 0) == 0) {
            g_threads = std::atoi(a.c_str() + 10);
            if (g_threads < 1 || g_threads > 256) {
                std::fprintf(stderr, "gemm_bench: --threads must be 1..256, got '%s'\n", a.c_str() + 10);
                return 2;
            }
        } else {
            if (a.rfind("--benchmark_out=", 0) == 0) json_out = a.substr(16);
            args.push_back(argv[i]);
        }
    }
    setenv("HL_NUM_THREADS", std::to_string(g_threads).c_str(), 1);
    mobiq::set_thread_count(g_threads);  // the kernels' parallel loops run on OpenMP's team
    int n = static_cast<int>(args.size());
    mobiq::install_kernel_error_handler();
    // The peak is measured before and after the run (best of both), and the
    // % of peak columns are computed from it by tools/gemm_table.py.
    g_peak = measure_peak(g_threads);
    benchmark::RegisterBenchmark("peak/int8_vpdpbusd", bench_peak, true)->UseRealTime()->Iterations(3);
    benchmark::RegisterBenchmark("peak/fp32_fma", bench_peak, false)->UseRealTime()->Iterations(3);
    for (const auto &g : resnet50_gemms()) {
        for (const char *prec : {"int8", "fp32"}) {
            const bool int8 = prec[0] == 'i';
            auto *b = benchmark::RegisterBenchmark((std::string(prec) + "/" + g.name).c_str(), int8 ? bench_int8 : bench_fp32, g);
            b->UseRealTime()->Unit(benchmark::kMillisecond);
        }
    }
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_peak = max_peak(g_peak, measure_peak(g_threads));
    std::printf("threads: %d; peak: int8 %.1f GMAC/s (vpdpbusd zmm), fp32 %.1f GMAC/s (vfmadd zmm)\n", g_threads,
                g_peak.int8_macs_per_s * 1e-9, g_peak.fp32_macs_per_s * 1e-9);
    if (!json_out.empty()) {
        // Record the peak in the JSON's context for the table.
        std::FILE *f = std::fopen((json_out + ".peak").c_str(), "w");
        if (f) {
            std::fprintf(f, "{\"threads\": %d, \"peak_int8_GMACps\": %.3f, \"peak_fp32_GMACps\": %.3f}\n", g_threads,
                         g_peak.int8_macs_per_s * 1e-9, g_peak.fp32_macs_per_s * 1e-9);
            std::fclose(f);
        }
    }
    return 0;
}
