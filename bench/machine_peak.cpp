#include "machine_peak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace mobiq::bench {
namespace {

constexpr long kIterations = 20'000'000;
constexpr int kAccumulators = 12;  // > latency x issue width of either instruction

__attribute__((target("avx512f,avx512vnni"))) int vnni_loop(long iterations) {
    __m512i acc[kAccumulators];
    for (int i = 0; i < kAccumulators; i++) acc[i] = _mm512_set1_epi32(i);
    const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x01FF01FF);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < kAccumulators; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    }
    __m512i s = acc[0];
    for (int i = 1; i < kAccumulators; i++) s = _mm512_add_epi32(s, acc[i]);
    return _mm512_reduce_add_epi32(s);
}

__attribute__((target("avx512f,fma"))) float fma_loop(long iterations) {
    __m512 acc[kAccumulators];
    for (int i = 0; i < kAccumulators; i++) acc[i] = _mm512_set1_ps(static_cast<float>(i));
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < kAccumulators; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
    for (int i = 1; i < kAccumulators; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

template <typename F>
double timed_rate(int threads, int repetitions, double ops_per_iteration, F loop) {
    std::vector<double> rates;
    for (int r = 0; r < repetitions; r++) {
        std::vector<std::thread> pool;
        const auto t0 = std::chrono::steady_clock::now();
        for (int t = 0; t < threads; t++) pool.emplace_back([&] { volatile auto sink = loop(kIterations); (void)sink; });
        for (auto &t : pool) t.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(threads * kIterations * ops_per_iteration / s);
    }
    // The best run: interference (other processes, a noisy VM neighbour) only
    // ever lowers the rate, so the maximum is the estimate of the hardware peak.
    return *std::max_element(rates.begin(), rates.end());
}

}  // namespace

Peak measure_peak(int threads, int repetitions) {
    Peak p;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni"))
        p.int8_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 64.0, vnni_loop);
    if (__builtin_cpu_supports("avx512f"))
        p.fp32_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 16.0, fma_loop);
    return p;
}

}  // namespace mobiq::bench
