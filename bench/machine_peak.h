// Measured arithmetic peak of this machine, so every kernel figure can be read
// as a percentage of it: int8 MACs through the widest dot-product instruction
// (AVX-512 VNNI vpdpbusd: 64 MACs per zmm instruction) and fp32 FMAs (16 per
// zmm vfmadd), each with enough independent accumulators to hide latency.
#pragma once

namespace mobiq::bench {

struct Peak {
    double int8_macs_per_s = 0;  // 0 where the instruction is unavailable
    double fp32_macs_per_s = 0;
};

// Best of `repetitions` timed runs on `threads` threads (one loop per thread).
Peak measure_peak(int threads, int repetitions = 9);

// Element-wise maximum (peaks measured before and after a benchmark run).
inline Peak max_peak(const Peak &a, const Peak &b) {
    return {a.int8_macs_per_s > b.int8_macs_per_s ? a.int8_macs_per_s : b.int8_macs_per_s,
            a.fp32_macs_per_s > b.fp32_macs_per_s ? a.fp32_macs_per_s : b.fp32_macs_per_s};
}

}  // namespace mobiq::bench
