#include "mobiq/cpu_level.h"

#include <atomic>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <string>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>  // sysconf (cache sizes)
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#endif

#include "HalideRuntime.h"

namespace mobiq {
namespace {

std::mutex g_mu;
CpuLevel g_cap = CpuLevel::kBest;
bool g_dispatched = false;  // some multi-target wrapper has chosen under g_cap

bool uses(const uint64_t *features, int count, halide_target_feature_t f) {
    const int word = static_cast<int>(f) / 64;
    return word < count && ((features[word] >> (static_cast<int>(f) % 64)) & 1);
}

// Halide's multi-target dispatch asks this for each candidate target, best first.
int capped_can_use(int count, const uint64_t *features) {
    CpuLevel cap;
    {
        std::lock_guard<std::mutex> lock(g_mu);
        g_dispatched = true;
        cap = g_cap;
    }
    if (cap != CpuLevel::kBest) {
        for (auto f : {halide_target_feature_avx512, halide_target_feature_avx512_knl,
                       halide_target_feature_avx512_skylake, halide_target_feature_avx512_cannonlake,
                       halide_target_feature_avx512_zen4, halide_target_feature_avx512_zen5,
                       halide_target_feature_avx512_sapphirerapids, halide_target_feature_avxvnni,
                       halide_target_feature_avx10_1})
            if (uses(features, count, f)) return 0;
    }
    if (cap == CpuLevel::kSse41) {
        for (auto f : {halide_target_feature_avx, halide_target_feature_avx2, halide_target_feature_fma,
                       halide_target_feature_f16c})
            if (uses(features, count, f)) return 0;
    }
    return halide_default_can_use_target_features(count, features);
}

// The sysconf names of one core's L1 data and L2 caches, -1 where the OS has none.
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
constexpr int kL1Name = _SC_LEVEL1_DCACHE_SIZE, kL2Name = _SC_LEVEL2_CACHE_SIZE;
#else
constexpr int kL1Name = -1, kL2Name = -1;
#endif

// A cache size from sysconf, or `fallback` where the OS does not say (0 or -1:
// aarch64 Linux often does not).
long cache_bytes(int name, long fallback) {
#if defined(__unix__) || defined(__APPLE__)
    const long b = name >= 0 ? sysconf(name) : -1;
    return b > 0 ? b : fallback;
#else
    return fallback;
#endif
}

}  // namespace

bool avx512_usable() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
                            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                            __builtin_cpu_supports("avx512vl");
    return has && cpu_level_cap() == CpuLevel::kBest;
#else
    return false;
#endif
}

bool avx512_vnni_usable() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx512vnni");
    return has && avx512_usable();
#else
    return false;
#endif
}

bool avx512_zen4_set_usable() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vbmi") &&
                            __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("avx512bitalg") &&
                            __builtin_cpu_supports("avx512vpopcntdq") && __builtin_cpu_supports("avx512ifma") &&
                            __builtin_cpu_supports("gfni") && __builtin_cpu_supports("vpclmulqdq");
    return has && avx512_vnni_usable();
#else
    return false;
#endif
}

long cpu_l2_bytes() { return cache_bytes(kL2Name, 1L << 20); }

long cpu_l1_bytes() { return cache_bytes(kL1Name, 32L << 10); }

bool amx_usable() {
    static const bool usable = [] {
#if defined(__linux__) && defined(__x86_64__)
        std::ifstream f("/proc/cpuinfo");
        std::string line;
        bool flags = false;
        while (std::getline(f, line))
            if (line.rfind("flags", 0) == 0) {
                flags = line.find(" amx_int8") != std::string::npos && line.find(" amx_tile") != std::string::npos;
                break;
            }
        constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
        return flags && syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
        return false;
#endif
    }();
    return usable;
}

void install_cpu_level_hook() {
    static std::once_flag once;
    std::call_once(once, [] { halide_set_custom_can_use_target_features(capped_can_use); });
}

bool set_cpu_level_cap(CpuLevel level) {
    install_cpu_level_hook();
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_dispatched && level != g_cap) return false;
    g_cap = level;
    return true;
}

CpuLevel cpu_level_cap() {
    std::lock_guard<std::mutex> lock(g_mu);
    return g_cap;
}

const char *cpu_level_name(CpuLevel level) {
    switch (level) {
        case CpuLevel::kAvx2: return "avx2";
        case CpuLevel::kSse41: return "sse41";
        default: return "best";
    }
}

}  // namespace mobiq
