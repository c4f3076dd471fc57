// The scalar references themselves, on values worked out by hand from the
// gemmlowp / TFLite definitions, so that a wrong reference cannot vouch for a
// wrong kernel.
#include <climits>
#include <cmath>
#include <cstdio>
#include <random>

#include "gtest/gtest.h"
#include "reference/reference_kernels.h"

namespace mobiq::ref {
namespace {

TEST(Reference, SaturatingRoundingDoublingHighMul) {
    EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN), INT32_MAX);
    EXPECT_EQ(saturating_rounding_doubling_high_mul(100, 1 << 30), 50);      // 100 * 0.5
    EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);         // 1.5 -> 2
    EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);       // -1.5 -> -1 (nudge then truncation)
    EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2);       // -2.5 -> -2
    EXPECT_EQ(saturating_rounding_doubling_high_mul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
}

TEST(Reference, RoundingDivideByPOTRoundsHalfAwayFromZero) {
    EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);
    EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);
    EXPECT_EQ(rounding_divide_by_pot(-3, 1), -2);
    EXPECT_EQ(rounding_divide_by_pot(-4, 1), -2);
    EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75
    EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5
    EXPECT_EQ(rounding_divide_by_pot(123, 0), 123);
    EXPECT_EQ(rounding_divide_by_pot(INT32_MIN, 31), -1);
}

TEST(Reference, QuantizeMultiplier) {
    int32_t m;
    int s;
    quantize_multiplier(0.5, &m, &s);
    EXPECT_EQ(m, 1 << 30);
    EXPECT_EQ(s, 0);
    quantize_multiplier(0.75 / 64, &m, &s);
    EXPECT_EQ(m, 3 << 29);
    EXPECT_EQ(s, -6);
    quantize_multiplier(3.0, &m, &s);
    EXPECT_EQ(m, 3 << 29);
    EXPECT_EQ(s, 2);
    for (double r : {1e-6, 0.0123, 0.3, 0.999999, 1.0, 7.5}) {
        quantize_multiplier(r, &m, &s);
        EXPECT_GE(m, 1 << 30);
        EXPECT_NEAR(std::ldexp(static_cast<double>(m), s - 31), r, r * 1e-9);
    }
}

TEST(Reference, MultiplyByQuantizedMultiplier) {
    int32_t m;
    int s;
    quantize_multiplier(0.1, &m, &s);
    EXPECT_EQ(multiply_by_quantized_multiplier(1000, m, s), 100);
    EXPECT_EQ(multiply_by_quantized_multiplier(-15, m, s), -2);  // -1.5 -> -2 (away from zero)
    EXPECT_EQ(multiply_by_quantized_multiplier(15, m, s), 2);
    quantize_multiplier(4.0, &m, &s);
    EXPECT_EQ(multiply_by_quantized_multiplier(1000, m, s), 4000);
    EXPECT_EQ(multiply_by_quantized_multiplier(INT32_MAX / 2, m, s), 1 << 30);  // x << 3 saturates, then * 0.5 rounds up
}

TEST(Reference, GemmZeroPoints) {
    // 1 x 1 x 2: (a - za) . (w - zw) + bias = (3 - 1)(5 - 2) + (-4 - 1)(2 - 2) + 10 = 16.
    const auto c = gemm_int8_acc({3, -4}, 1, {5, 2}, {2}, {10}, 1, 1, 2);
    EXPECT_EQ(c[0], 16);
}

// fp32 requantization by hand: ties to even, the clamp, the scale's power of two.
TEST(Reference, Fp32RequantizationByHand) {
    EXPECT_EQ(requantize_fp32(5, 1 << 30, 0, 0, -128, 127), 2);    // 2.5 -> 2 (even)
    EXPECT_EQ(requantize_fp32(7, 1 << 30, 0, 0, -128, 127), 4);    // 3.5 -> 4
    EXPECT_EQ(requantize_fp32(-5, 1 << 30, 0, 0, -128, 127), -2);  // -2.5 -> -2
    EXPECT_EQ(requantize_fp32(1000, 1 << 30, -2, -3, -128, 127), 122);  // 1000 * 2^30 * 2^-33 = 125, - 3
    EXPECT_EQ(requantize_fp32(1000, 1 << 30, -2, 3, -128, 127), 127);   // 128, clamped
    EXPECT_EQ(requantize_fp32(INT32_MIN, 1 << 30, 30, 0, -128, 127), -128);
    EXPECT_EQ(requantize_fp32(12345, 0, 0, -7, -128, 127), -7);    // multiplier 0: the zero point
}

// The two requantizations are different definitions, within 1 of each other;
// fp32 differs on a small share of outputs. The bound docs/arithmetic.md states.
TEST(Reference, Fp32RequantizationWithinOneOfGemmlowp) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> log_scale(std::log(1e-5), std::log(0.5));
    std::uniform_int_distribution<int32_t> acc_d(-(1 << 24), 1 << 24), zp_d(-128, 127);
    int differ = 0, n = 0;
    for (int i = 0; i < 2000; i++) {
        int32_t m;
        int sh;
        quantize_multiplier(std::exp(log_scale(rng)), &m, &sh);
        const int32_t z = zp_d(rng);
        for (int j = 0; j < 500; j++, n++) {
            const int32_t acc = acc_d(rng) >> (j % 16);
            Requantization rq{{m}, {sh}, z, -128, 127, false};
            const int g = rq.apply(acc, 0);
            const int f = requantize_fp32(acc, m, sh, z, -128, 127);
            ASSERT_LE(std::abs(g - f), 1) << "acc " << acc << " multiplier " << m << " shift " << sh;
            differ += g != f;
        }
    }
    std::printf("fp32 and gemmlowp requantization differ on %d of %d outputs (%.3f%%)\n", differ, n, 100.0 * differ / n);
    EXPECT_LT(differ, n / 100);
}

TEST(Reference, Fp32AddWithinOneOfTflite) {
    std::mt19937 rng(8);
    int differ = 0, n = 0;
    for (int i = 0; i < 200; i++) {
        std::uniform_real_distribution<double> sc(0.005, 0.2);
        std::uniform_int_distribution<int32_t> zp(-128, 127);
        AddParams p = make_add_params(sc(rng), zp(rng), sc(rng), zp(rng), sc(rng), zp(rng), -128, 127);
        AddParams q = p;
        q.fp32 = true;
        for (int a = -128; a < 128; a += 3)
            for (int b = -128; b < 128; b += 5, n++) {
                const int t = add_int8(static_cast<int8_t>(a), static_cast<int8_t>(b), p);
                const int f = add_int8(static_cast<int8_t>(a), static_cast<int8_t>(b), q);
                ASSERT_LE(std::abs(t - f), 1) << "a " << a << " b " << b;
                differ += t != f;
            }
    }
    std::printf("fp32 and TFLite ADD differ on %d of %d outputs (%.3f%%)\n", differ, n, 100.0 * differ / n);
    EXPECT_LT(differ, n / 20);
}

}  // namespace
}  // namespace mobiq::ref
