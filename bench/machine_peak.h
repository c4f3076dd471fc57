// Measured arithmetic peak of this machine, so every kernel figure can be read
// as a percentage of it: int8 MACs through the widest dot-product instruction
// (AVX-512 VNNI vpdpbusd: 64 MACs per zmm instruction), fp32 FMAs (16 per
// zmm vfmadd), each with enough independent accumulators to hide latency, and
// Intel AMX (tdpbssd: 16 x 16 x 64 MACs, four accumulator tiles in a 2 x 2 block).
#pragma once

namespace mobiq::bench {

struct Peak {
    double int8_macs_per_s = 0;  // 0 where the instruction is unavailable
    double fp32_macs_per_s = 0;
    double amx_int8_macs_per_s = 0;  // Intel AMX tdpbssd; 0 where the CPU or the OS does not allow AMX
};

// Best of `repetitions` timed runs on `threads` threads (one loop per thread).
Peak measure_peak(int threads, int repetitions = 9);

// Element-wise maximum (peaks measured before and after a benchmark run).
inline Peak max_peak(const Peak &a, const Peak &b) {
    auto mx = [](double x, double y) { return x > y ? x : y; };
    return {mx(a.int8_macs_per_s, b.int8_macs_per_s), mx(a.fp32_macs_per_s, b.fp32_macs_per_s),
            mx(a.amx_int8_macs_per_s, b.amx_int8_macs_per_s)};
}

}  // namespace mobiq::bench
