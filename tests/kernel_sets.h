// Test-side helpers over the kernel registry (mobiq/kernel_registry.h): every
// kernel test runs once per kernel set (host_x86, host_x86_avx2, opencl_gpu,
// opencl_mali_g52, ...) under a name that says which, and inside it over every
// registered variant of the op it tests (for_each_variant), so that a newly
// registered variant is tested because it is registered.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "HalideBuffer.h"
#include "gtest/gtest.h"
#include "mobiq/cpu_level.h"
#include "mobiq/kernel_registry.h"
#if defined(MOBIQ_HAVE_OPENCL)
#include "mobiq/opencl_arm_dot.h"
#endif

namespace mobiq::test {

using mobiq::Kernel;
using mobiq::KernelSet;
using mobiq::kernel_sets;
namespace op = mobiq::kernel_op;

// Marks host-filled buffers dirty so a GPU pipeline uploads them.
template <typename T>
void host_dirty(Halide::Runtime::Buffer<T> &b) {
    b.set_host_dirty();
}

// Brings a result back to the host (no-op for CPU families).
template <typename T>
void to_host(Halide::Runtime::Buffer<T> &b) {
    b.copy_to_host();
}

// Makes a kernel callable: arm_dot variants need the OpenCL build option
// (built in, or the portable definition); fails the test if that cannot be had.
inline void prepare_variant_or_fail(const KernelRow &row) {
#if defined(MOBIQ_HAVE_OPENCL)
    if (!row.needs_arm_dot()) return;
    std::string error;
    if (prepare_opencl_arm_dot(&error) == ArmDotSupport::kNoDevice) FAIL() << row.name << ": " << error;
#else
    (void)row;
#endif
}

// The kernel of op `Op` on `set` with exactly `params` (the base variant); fails the test if absent.
template <typename Op>
Kernel<Op> base_kernel(const KernelSet &set, const char *params = "") {
    Kernel<Op> k = find_kernel<Op>(set, params);
    if (!k) ADD_FAILURE() << "no " << Op::name << " kernel with variant '" << params << "' on " << set.name;
    return k;
}

// Whether a test runs `row` on `set`: MOBIQ_TEST_SKIP_PARAM=<key> skips the
// rows that have parameter <key> (the qemu runs skip autoschedule=: its guarded
// fallback, schedules/auto/apply.h, is too slow emulated); rows of one CPU
// class (avx512_core: one AVX-512 target, no dispatch inside) run only where
// the set runs that class, and say once why not.
inline bool runs_on(const KernelRow &row, const KernelSet &set) {
    const char *skip = std::getenv("MOBIQ_TEST_SKIP_PARAM");
    if (skip != nullptr && *skip != '\0' && !row.param(skip).empty()) return false;
    if (row.opencl && !row.param("autoschedule").empty()) {  // schedules/auto/apply.h: at its layer or larger only
        static std::set<std::string> said;
        if (said.insert(row.name).second)
            std::printf("[ note     ] %s not run at the op tests' shapes: an autoscheduled GPU kernel runs only at "
                        "shapes at least its layer's (tests/test_autoscheduled.cpp runs it there)\n", row.name);
        return false;
    }
    if (!row.param("avx512_core").empty() && !(set.cap == CpuLevel::kBest && avx512_usable())) {
        static std::set<std::string> said;  // once per row and set
        if (said.insert(std::string(row.name) + "@" + set.name).second)
            std::printf("[ note     ] %s not run on %s: %s\n", row.name, set.name.c_str(),
                        set.cap == CpuLevel::kBest ? "this CPU has no AVX-512" : "the set caps the CPU below AVX-512");
        return false;
    }
    // One-target rows built for Halide's avx512_zen4 feature set (gemm_int8 u8w_halide).
    if (!row.param("u8w_halide").empty() && !(set.cap == CpuLevel::kBest && avx512_zen4_set_usable())) {
        static std::set<std::string> said;
        if (said.insert(std::string(row.name) + "@" + set.name).second)
            std::printf("[ note     ] %s not run on %s: built for the Zen 4 / Sapphire Rapids feature set, which %s\n",
                        row.name, set.name.c_str(),
                        set.cap == CpuLevel::kBest ? "this CPU lacks" : "the set caps below");
        return false;
    }
    return true;
}

// Runs `body(kernel)` for every registered variant of op `Op` on `set` whose
// parameters include `params` and that runs_on the set; at least one must be
// registered. The weights7 rows (exact for weights in [-64, 63] only, decision
// 55) run where `params` names weights7=true: the tests that draw such weights.
template <typename Op, typename Body>
void for_each_variant(const KernelSet &set, const char *params, Body body) {
    const auto ks = kernels_with<Op>(set, params);
    if (ks.empty()) ADD_FAILURE() << "no " << Op::name << " kernel with '" << params << "' on " << set.name;
    const bool weights7 = std::string(params).find("weights7=true") != std::string::npos;
    for (const auto &k : ks) {
        if (!runs_on(*k.row, set)) continue;
        if (!weights7 && k.row->param("weights7") == "true") continue;  // the 7-bit-weight tests run it
        SCOPED_TRACE(std::string(k.row->name) + " [" + k.row->variant + ", " + contract_name(k.row->contract) + "]");
        prepare_variant_or_fail(*k.row);
        body(k);
    }
}

// Whether a kernel requantizes in fp32 (variant requantization=fp32): its
// reference is then ref::requantize_fp32 / the fp32 add (docs/arithmetic.md).
template <typename K>
bool fp32_requantization(const K &k) {
    return k.row->param("requantization") == "fp32";
}

}  // namespace mobiq::test

namespace mobiq {
// gtest prints the set by name (in test lists and failure messages).
inline void PrintTo(const KernelSet &s, std::ostream *os) { *os << s.name; }
}  // namespace mobiq

namespace mobiq::test {
inline std::string set_name(const testing::TestParamInfo<KernelSet> &info) { return info.param.name; }
}  // namespace mobiq::test
