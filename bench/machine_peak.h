// Measured arithmetic peak of this machine, so every kernel figure can be read
// as a percentage of it: int8 MACs through the widest dot-product instruction
// (AVX-512 VNNI vpdpbusd: 64 MACs per zmm instruction), fp32 FMAs (16 per
// zmm vfmadd; on CPUs without AVX-512: AVX2's vpmaddwd on int16 pairs, 16 MACs
// per ymm, and 8 fp32 FMAs per ymm), each with enough independent accumulators to hide latency, and
// Intel AMX (tdpbssd: 16 x 16 x 64 MACs, four accumulator tiles in a 2 x 2 block).
#pragma once

namespace mobiq::bench {

struct Peak {
    double int8_macs_per_s = 0;  // 0 where the instruction is unavailable
    double fp32_macs_per_s = 0;
    double amx_int8_macs_per_s = 0;  // Intel AMX tdpbssd; 0 where the CPU or the OS does not allow AMX
    // AVX2 without VNNI: vpmaddubsw + vpmaddwd (32 MACs, int16 saturation: the
    // peers' u8s8 path there, not exact); 0 elsewhere.
    double int8_saturating_macs_per_s = 0;
    const char *int8_instruction = "none";
    const char *fp32_instruction = "none";
};

// Best of `repetitions` timed runs on `threads` threads (one loop per thread).
Peak measure_peak(int threads, int repetitions = 9);

// Element-wise maximum (peaks measured before and after a benchmark run).
inline Peak max_peak(const Peak &a, const Peak &b) {
    auto mx = [](double x, double y) { return x > y ? x : y; };
    Peak p = a;
    p.int8_macs_per_s = mx(a.int8_macs_per_s, b.int8_macs_per_s);
    p.fp32_macs_per_s = mx(a.fp32_macs_per_s, b.fp32_macs_per_s);
    p.amx_int8_macs_per_s = mx(a.amx_int8_macs_per_s, b.amx_int8_macs_per_s);
    p.int8_saturating_macs_per_s = mx(a.int8_saturating_macs_per_s, b.int8_saturating_macs_per_s);
    return p;
}

}  // namespace mobiq::bench
