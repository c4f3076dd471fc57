#include "machine_peak.h"

#include <immintrin.h>

#include <cstdint>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "mobiq/cpu_level.h"

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

// AVX2 without VNNI (e.g. AMD Zen 3): the exact int8 product is vpmaddwd on
// int16 pairs (16 MACs per ymm instruction), the rate an exact kernel can
// reach there. The product reads the accumulator, so that the compiler cannot
// hoist it out of the loop (12 chains of 4-cycle latency: enough to fill the
// multipliers).
__attribute__((target("avx2"))) int avx2_madd16_loop(long iterations) {
    __m256i acc[kAccumulators];
    for (int i = 0; i < kAccumulators; i++) acc[i] = _mm256_set1_epi32(i);
    const __m256i b = _mm256_set1_epi32(0x0001FFFF);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < kAccumulators; i++) acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(acc[i], b));
    }
    __m256i s = acc[0];
    for (int i = 1; i < kAccumulators; i++) s = _mm256_add_epi32(s, acc[i]);
    return _mm256_extract_epi32(s, 0) + _mm256_extract_epi32(s, 7);
}

// vpmaddubsw (u8 x s8 pairs summed in int16 with saturation) + vpmaddwd by
// ones: 32 MACs per ymm triple, the peers' u8s8 path on AVX2 (onnxruntime's
// MLAS, oneDNN). Not exact: the int16 pair sum saturates for large operands.
__attribute__((target("avx2"))) int avx2_maddubs_loop(long iterations) {
    __m256i acc[kAccumulators];
    for (int i = 0; i < kAccumulators; i++) acc[i] = _mm256_set1_epi32(i);
    const __m256i b = _mm256_set1_epi32(0x01FF01FF), ones = _mm256_set1_epi16(1);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < kAccumulators; i++)
            acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(acc[i], b), ones));
    }
    __m256i s = acc[0];
    for (int i = 1; i < kAccumulators; i++) s = _mm256_add_epi32(s, acc[i]);
    return _mm256_extract_epi32(s, 0) + _mm256_extract_epi32(s, 7);
}

__attribute__((target("avx2,fma"))) float avx2_fma_loop(long iterations) {
    __m256 acc[kAccumulators];
    for (int i = 0; i < kAccumulators; i++) acc[i] = _mm256_set1_ps(static_cast<float>(i));
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
    for (long it = 0; it < iterations; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < kAccumulators; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    __m256 s = acc[0];
    for (int i = 1; i < kAccumulators; i++) s = _mm256_add_ps(s, acc[i]);
    return _mm256_cvtss_f32(s);
}

// The AMX tile configuration (palette 1): eight tiles of 16 rows x 64 bytes.
struct alignas(64) TileConfig {
    uint8_t palette_id = 1, start_row = 0, reserved[14] = {};
    uint16_t colsb[16] = {};
    uint8_t rows[16] = {};
};

__attribute__((target("amx-tile,amx-int8"))) int amx_loop(long iterations) {
    TileConfig cfg;
    for (int t = 0; t < 8; t++) {
        cfg.rows[t] = 16;
        cfg.colsb[t] = 64;
    }
    _tile_loadconfig(&cfg);
    alignas(64) int8_t a[16 * 64], b[16 * 64];
    alignas(64) int32_t c[16 * 16];
    for (int i = 0; i < 16 * 64; i++) a[i] = static_cast<int8_t>(i), b[i] = static_cast<int8_t>(3 * i);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_loadd(4, a, 64);
    _tile_loadd(5, b, 64);
    _tile_loadd(6, b, 64);
    _tile_loadd(7, a, 64);
    for (long it = 0; it < iterations; it++) {  // a 2 x 2 block of accumulators: no dependency between neighbours
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
    }
    _tile_stored(0, c, 64);
    _tile_release();
    return c[0];
}

template <typename F>
double timed_rate(int threads, int repetitions, double ops_per_iteration, F loop, long iterations = kIterations) {
    std::vector<double> rates;
    for (int r = 0; r < repetitions; r++) {
        std::vector<std::thread> pool;
        const auto t0 = std::chrono::steady_clock::now();
        for (int t = 0; t < threads; t++) pool.emplace_back([&] { volatile auto sink = loop(iterations); (void)sink; });
        for (auto &t : pool) t.join();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rates.push_back(threads * iterations * ops_per_iteration / s);
    }
    // The best run: interference (other processes, a noisy VM neighbour) only
    // ever lowers the rate, so the maximum is the estimate of the hardware peak.
    return *std::max_element(rates.begin(), rates.end());
}

}  // namespace

Peak measure_peak(int threads, int repetitions) {
    Peak p;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni")) {
        p.int8_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 64.0, vnni_loop);
        p.int8_instruction = "vpdpbusd zmm";
    } else if (__builtin_cpu_supports("avx2")) {
        p.int8_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 16.0, avx2_madd16_loop);
        p.int8_instruction = "vpmaddwd ymm (int16 pairs)";
        p.int8_saturating_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 32.0, avx2_maddubs_loop);
    }
    if (__builtin_cpu_supports("avx512f")) {
        p.fp32_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 16.0, fma_loop);
        p.fp32_instruction = "vfmadd zmm";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        p.fp32_macs_per_s = timed_rate(threads, repetitions, kAccumulators * 8.0, avx2_fma_loop);
        p.fp32_instruction = "vfmadd ymm";
    }
    if (amx_usable())  // the CPU has AMX-INT8 and the OS granted this process the tile state
        p.amx_int8_macs_per_s = timed_rate(threads, repetitions, 4 * 16.0 * 16 * 64, amx_loop, kIterations / 10);
    return p;
}

}  // namespace mobiq::bench
