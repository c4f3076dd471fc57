// The x86 multi-target libraries: the cap on their level (the families
// host_x86_avx2 / host_x86_sse41 run every kernel test through it, each test
// in its own process; this file checks the cap itself).
#include <cstdint>
#include <vector>

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include "gtest/gtest.h"
#include "mobiq/cpu_level.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/kernel_registry.h"

namespace {

std::vector<uint64_t> feature_bits(std::initializer_list<halide_target_feature_t> fs) {
    std::vector<uint64_t> bits((halide_target_feature_end + 63) / 64, 0);
    for (auto f : fs) bits[f / 64] |= uint64_t{1} << (f % 64);
    return bits;
}

bool can_use(std::initializer_list<halide_target_feature_t> fs) {
    const auto bits = feature_bits(fs);
    return halide_can_use_target_features(static_cast<int>(bits.size()), bits.data()) != 0;
}

class CpuLevelCap : public testing::Test {
protected:
    void SetUp() override { mobiq::kernel_sets(); }  // installs the hook, as any runtime use does
    void TearDown() override { mobiq::set_cpu_level_cap(mobiq::CpuLevel::kBest); }
};

// Each test sets its cap before its first query (a query fixes the cap).
bool host_has_avx512_vnni() { return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw"); }

const auto kAvx512 = {halide_target_feature_avx512, halide_target_feature_avx512_zen4};
const auto kAvx2 = {halide_target_feature_avx, halide_target_feature_avx2, halide_target_feature_fma};

TEST_F(CpuLevelCap, Avx2CapRefusesAvx512) {
    if (!host_has_avx512_vnni()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI: its AVX2 code runs by default";
    ASSERT_TRUE(mobiq::set_cpu_level_cap(mobiq::CpuLevel::kAvx2));
    EXPECT_FALSE(can_use(kAvx512));
    EXPECT_TRUE(can_use(kAvx2));
    EXPECT_TRUE(can_use({halide_target_feature_sse41}));
}

TEST_F(CpuLevelCap, Sse41CapRefusesAvx) {
    if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "this CPU has no AVX2: its SSE4.1 code runs by default";
    ASSERT_TRUE(mobiq::set_cpu_level_cap(mobiq::CpuLevel::kSse41));
    EXPECT_FALSE(can_use(kAvx512));
    EXPECT_FALSE(can_use(kAvx2));
    EXPECT_TRUE(can_use({halide_target_feature_sse41}));
}

TEST_F(CpuLevelCap, NoCapAllowsAvx512) {
    if (!host_has_avx512_vnni()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
    EXPECT_TRUE(can_use(kAvx512));
    EXPECT_TRUE(can_use(kAvx2));
}

// A CPU with AVX2 but no AVX-512 (AMD Zen 3, older Intel): without a cap the
// AVX2 code runs, and the AVX-512 target is refused.
TEST_F(CpuLevelCap, NoCapOnAvx2CpuRunsAvx2) {
    if (__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "this CPU has AVX-512 (NoCapAllowsAvx512 covers it)";
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) GTEST_SKIP() << "this CPU has no AVX2 + FMA";
    EXPECT_FALSE(can_use(kAvx512));
    EXPECT_TRUE(can_use(kAvx2));
}

// Halide's multi-target wrapper picks its target on its first call and keeps
// it: so the cap is fixed once a kernel ran, and a family at another level
// reports an error instead of running the wrong code.
TEST_F(CpuLevelCap, FixedOnceAKernelRan) {
    const mobiq::KernelSet *best_set = mobiq::find_kernel_set("host_x86");
    const mobiq::KernelSet *avx2_set = mobiq::find_kernel_set("host_x86_avx2");
    ASSERT_NE(best_set, nullptr);
    ASSERT_NE(avx2_set, nullptr);
    const auto best = mobiq::find_kernel<mobiq::kernel_op::quantize>(*best_set);
    const auto avx2 = mobiq::find_kernel<mobiq::kernel_op::quantize>(*avx2_set);
    ASSERT_TRUE(best && avx2);
    Halide::Runtime::Buffer<float> x(16, 8);
    x.fill(1.5f);
    Halide::Runtime::Buffer<int8_t> q(16, 8);
    ASSERT_EQ(best(x, 0.5f, 0, q), 0);
    EXPECT_FALSE(mobiq::set_cpu_level_cap(mobiq::CpuLevel::kAvx2));
    EXPECT_TRUE(mobiq::set_cpu_level_cap(mobiq::CpuLevel::kBest));
    EXPECT_NE(avx2(x, 0.5f, 0, q), 0);
    EXPECT_NE(mobiq::take_last_kernel_error().find("process of its own"), std::string::npos);
}

}  // namespace
