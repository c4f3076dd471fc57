// machine_peak: this machine's measured int8 (AVX-512 VNNI, Intel AMX) and
// fp32 peaks at the given thread count, as one JSON line, for the tools that
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
    std::printf("{\"threads\": %d, \"peak_int8_GMACps\": %.3f, \"peak_fp32_GMACps\": %.3f, \"peak_amx_int8_GMACps\": %.3f}\n",
                threads, p.int8_macs_per_s / 1e9, p.fp32_macs_per_s / 1e9, p.amx_int8_macs_per_s / 1e9);
    return 0;
}
