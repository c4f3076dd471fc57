#include "mobiq/kernel_registry.h"

#include <algorithm>
#include <type_traits>

#include "mobiq/kernel_errors.h"
#include "mobiq/thread_pool.h"

namespace mobiq {
namespace {

constexpr NumericContract kexact = NumericContract::kExact;
constexpr NumericContract kfp32 = NumericContract::kFp32;
constexpr NumericContract klossy = NumericContract::kLossy;

// One row per mobiq_add_kernel() line; a function whose signature is not its
// op's does not compile.
#define MOBIQ_KERNEL_ROW(fn_name, op_name, family, variant, contract, opencl)                        \
    static_assert(std::is_same_v<decltype(&::fn_name), kernel_op::op_name::fn>,                       \
                  #fn_name " does not have the signature of op " #op_name);
#include "mobiq_kernel_rows.inc"
#undef MOBIQ_KERNEL_ROW

std::vector<std::string> split_params(std::string_view params) {
    std::vector<std::string> kv;
    std::string cur;
    for (char c : params) {
        if (c == ',' || c == ' ') {
            if (!cur.empty()) kv.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) kv.push_back(cur);
    return kv;
}

}  // namespace

const char *contract_name(NumericContract c) {
    switch (c) {
        case NumericContract::kExact: return "exact";
        case NumericContract::kFp32: return "fp32";
        case NumericContract::kLossy: return "lossy";
    }
    return "?";
}

std::string canonical_params(std::string_view params) {
    std::vector<std::string> kv = split_params(params);
    std::sort(kv.begin(), kv.end());
    std::string s;
    for (const auto &p : kv) s += (s.empty() ? "" : ",") + p;
    return s;
}

std::string without_params(std::string_view params, std::initializer_list<std::string_view> keys) {
    std::string kept;
    for (const auto &kv : split_params(canonical_params(params))) {
        const std::string_view key = std::string_view(kv).substr(0, kv.find('='));
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) kept += (kept.empty() ? "" : ",") + kv;
    }
    return kept;
}

std::string KernelRow::param(std::string_view key) const {
    for (const auto &p : split_params(variant)) {
        const size_t eq = p.find('=');
        if (eq != std::string::npos && std::string_view(p).substr(0, eq) == key) return p.substr(eq + 1);
    }
    return "";
}

std::string KernelRow::params_beyond(std::string_view base) const {
    const std::vector<std::string> skip = split_params(base);
    std::string s;
    for (const auto &p : split_params(variant))
        if (std::find(skip.begin(), skip.end(), p) == skip.end()) s += (s.empty() ? "" : ",") + p;
    return s;
}

bool KernelRow::has_params(std::string_view params) const {
    const std::vector<std::string> mine = split_params(variant);
    for (const auto &p : split_params(params))
        if (std::find(mine.begin(), mine.end(), p) == mine.end()) return false;
    return true;
}

const std::vector<KernelRow> &kernel_rows() {
    install_kernel_error_handler();  // kernel errors become return codes, not aborts
    install_cpu_level_hook();        // before any multi-target kernel chooses its target
    install_thread_pool();           // parallel loops on OpenMP's team
    static const std::vector<KernelRow> rows = {
#define MOBIQ_KERNEL_ROW(fn_name, op_name, family, variant, contract, opencl) \
    {#fn_name, #op_name, family, variant, k##contract, opencl, reinterpret_cast<KernelRow::AnyFn>(&::fn_name)},
#include "mobiq_kernel_rows.inc"
#undef MOBIQ_KERNEL_ROW
    };
    return rows;
}

const KernelRow *find_kernel_row(std::string_view op, std::string_view family, std::string_view params) {
    const std::string want = canonical_params(params);
    for (const auto &r : kernel_rows())
        if (op == r.op && family == r.family && want == r.variant) return &r;
    return nullptr;
}

std::vector<const KernelRow *> kernel_rows_with(std::string_view op, std::string_view family,
                                                std::string_view params) {
    std::vector<const KernelRow *> v;
    for (const auto &r : kernel_rows())
        if (op == r.op && family == r.family && r.has_params(params)) v.push_back(&r);
    return v;
}

const std::vector<KernelSet> &kernel_sets() {
    kernel_rows();  // the error handler and the CPU-level hook, before any kernel runs
    static const std::vector<KernelSet> sets = [] {
        std::vector<KernelSet> v;
        std::vector<std::string> families;
        for (const auto &r : kernel_rows())
            if (std::find(families.begin(), families.end(), r.family) == families.end()) families.push_back(r.family);
        for (const auto &f : families) {
            if (f == "x86") {
                v.push_back({"host_x86", f, false, CpuLevel::kBest});
                v.push_back({"host_x86_avx2", f, false, CpuLevel::kAvx2});
                v.push_back({"host_x86_sse41", f, false, CpuLevel::kSse41});
            } else if (f == "arm64") {
                v.push_back({"arm64", f, false, CpuLevel::kBest});
            } else {
                v.push_back({"opencl_" + f, f, true, CpuLevel::kBest});
            }
        }
        return v;
    }();
    return sets;
}

const KernelSet *find_kernel_set(std::string_view name) {
    for (const auto &s : kernel_sets())
        if (s.name == name) return &s;
    return nullptr;
}

const KernelSet &cpu_kernel_set() {
    for (const auto &s : kernel_sets())
        if (!s.opencl && s.cap == CpuLevel::kBest) return s;
    static const KernelSet none{"none", "none", false, CpuLevel::kBest};
    return none;
}

namespace detail {
bool enter_cpu_level(CpuLevel cap) {
    if (set_cpu_level_cap(cap)) return true;
    set_kernel_error(std::string("kernels already ran at CPU level '") + cpu_level_name(cpu_level_cap()) +
                     "' in this process; the '" + cpu_level_name(cap) +
                     "' set needs a process of its own (ctest runs each test alone)");
    return false;
}
}  // namespace detail

}  // namespace mobiq
