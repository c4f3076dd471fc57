// The scalar references themselves, on values worked out by hand from the
// gemmlowp / TFLite definitions, so that a wrong reference cannot vouch for a
// wrong kernel.
#include <climits>
#include <cmath>

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

}  // namespace
}  // namespace mobiq::ref
