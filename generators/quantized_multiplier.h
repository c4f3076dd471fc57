// Fixed-point requantization arithmetic (docs/arithmetic.md, "Requantization").
// Bit-exact with gemmlowp/TFLite's MultiplyByQuantizedMultiplier:
//   SaturatingRoundingDoublingHighMul(x << left_shift, multiplier)
//   followed by RoundingDivideByPOT(., right_shift).
#pragma once

#include "Halide.h"

namespace mobiq {

// gemmlowp's SaturatingRoundingDoublingHighMul(a, b) equals round-half-up of
// a*b / 2^31, saturated (only INT32_MIN*INT32_MIN saturates; proof in
// docs/arithmetic.md). Our multipliers are Q31 values in [2^30, 2^31), never
// INT32_MIN, so the saturation cannot trigger and the product is written as
// one 32x32->64 widening multiply (vpmuldq / smull), a rounding add and a
// shift, which the backends lower better than the generic saturating
// rounding_mul_shift_right(a, b, 31).
//
// `rounding` is the 2^30 of round half up; opaque_srdhm_rounding gives it for
// x86 (below).
inline Halide::Expr saturating_rounding_doubling_high_mul(const Halide::Expr &a, const Halide::Expr &b,
                                                          const Halide::Expr &rounding = Halide::Expr(int64_t(1) << 30)) {
    using namespace Halide;
    return cast<int32_t>((widening_mul(a, b) + rounding) >> 31);
}

// 2^30, for every m, in a form that Halide's simplifier and pattern matcher
// leave alone: as a constant, Halide turns (p + 2^30) >> 31 into an
// overflow-safe rounding shift (8 instructions per 8 lanes on x86 instead of
// 2), which this product, well inside int64, does not need. For x86 only:
// arm64 and the GPUs lower the constant form to their rounding multiplies.
inline Halide::Expr opaque_srdhm_rounding(const Halide::Expr &m) {
    using namespace Halide;
    return cast<int64_t>((m | (1 << 30)) & (1 << 30));
}

// gemmlowp's RoundingDivideByPOT: arithmetic shift right by `exponent`
// (0..31) rounding to nearest, ties away from zero.
inline Halide::Expr rounding_divide_by_pot(const Halide::Expr &x, const Halide::Expr &exponent) {
    using namespace Halide;
    Expr mask = (Expr(1) << exponent) - 1;
    Expr remainder = x & mask;
    Expr threshold = (mask >> 1) + select(x < 0, 1, 0);
    return (x >> exponent) + select(remainder > threshold, 1, 0);
}

// saturating_rounding_doubling_high_mul(x << left_shift, multiplier) for a
// small x (|x| <= 255: a difference of two int8 values) and left_shift in
// [9, 22], in 32-bit arithmetic only: with d = 31 - left_shift and
// multiplier = mh * 2^d + ml (0 <= ml < 2^d) it equals
// x * mh + ((x * ml + 2^(d-1)) >> d) exactly, and neither product leaves
// int32 (docs/arithmetic.md, "Add"). Two 32-bit multiplies instead of a
// 64-bit one (which x86 assembles from two vpmuldq and shuffles).
inline Halide::Expr srdhm_of_shifted_small(const Halide::Expr &x, const Halide::Expr &multiplier,
                                           const Halide::Expr &left_shift) {
    using namespace Halide;
    Expr d = 31 - left_shift;
    Expr mh = multiplier >> d;
    Expr ml = multiplier & ((Expr(1) << d) - 1);
    return x * mh + ((x * ml + (Expr(1) << (d - 1))) >> d);
}

// x * multiplier * 2^shift with multiplier a Q31 value in [2^30, 2^31) and
// shift in [-31, 30] (positive: left). The left shift saturates instead of
// wrapping (TFLite leaves that overflow undefined).
inline Halide::Expr multiply_by_quantized_multiplier(const Halide::Expr &x, const Halide::Expr &multiplier,
                                                     const Halide::Expr &shift) {
    using namespace Halide;
    Expr left = max(shift, 0);
    Expr right = max(-shift, 0);
    // Saturating 32-bit left shift: clamp first so that the shift cannot overflow.
    Expr shifted = clamp(x, Int(32).min() >> left, Int(32).max() >> left) << left;
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

// The same for multipliers below one (shift in [-31, 0]): no left shift, so
// no saturation clamp. TFLite's ADD uses exactly this form for its three
// rescalings (MultiplyByQuantizedMultiplierSmallerThanOneExp).
inline Halide::Expr multiply_by_quantized_multiplier_below_one(const Halide::Expr &x, const Halide::Expr &multiplier,
                                                                const Halide::Expr &shift, bool x86 = false) {
    Halide::Expr rounding = x86 ? opaque_srdhm_rounding(multiplier) : Halide::Expr(int64_t(1) << 30);
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier, rounding), -shift);
}

// 2^e as a float, exactly, for e in [-126, 127]: built from the exponent bits
// (pow() promises no exact result).
inline Halide::Expr exact_power_of_two(const Halide::Expr &e) {
    using namespace Halide;
    return reinterpret<float>(cast<uint32_t>(e + 127) << 23);
}

// The float scale a Q31 multiplier and shift stand for (fp32 requantization,
// docs/arithmetic.md): fl(multiplier) * 2^(shift - 31), one rounding (of the
// multiplier to 24 bits); the power of two is exact.
inline Halide::Expr fp32_scale(const Halide::Expr &multiplier, const Halide::Expr &shift) {
    using namespace Halide;
    return cast<float>(multiplier) * exact_power_of_two(shift - 31);
}

}  // namespace mobiq
