// machine_peak: this machine's measured int8 (AVX-512 VNNI, Intel AMX) and
// fp32 peaks (AVX2 where the CPU has no AVX-512) at the given thread count, as one JSON line, for the tools that
// express whole-network layers as a share of the peak.
#include <cstdio>
#include <cstdlib>

#include "machine_peak.h"

int main(int argc, char **argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    if (threads < 1) {
        std::fprintf(stderr, "machine_peak: usage: machine_peak [threads >= 1]\n");
        return 2;
    }
    const mobiq::bench::Peak p = mobiq::bench::measure_peak(threads);
    std::printf("{\"threads\": %d, \"peak_int8_GMACps\": %.3f, \"peak_fp32_GMACps\": %.3f, \"peak_amx_int8_GMACps\": %.3f, "
                "\"peak_int8_saturating_GMACps\": %.3f, \"int8_instruction\": \"%s\", \"fp32_instruction\": \"%s\"}\n",
                threads, p.int8_macs_per_s / 1e9, p.fp32_macs_per_s / 1e9, p.amx_int8_macs_per_s / 1e9,
                p.int8_saturating_macs_per_s / 1e9, p.int8_instruction, p.fp32_instruction);
    return 0;
}
