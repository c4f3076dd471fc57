// The parts of an int8 GEMM / convolution that do not depend on how the
// activations are addressed (docs/arithmetic.md, "GEMM" and "Requantization"):
// the per-column term and the requantizing epilogue.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "Halide.h"
#include "quantized_multiplier.h"

namespace mobiq {

// bias - za * sum_k b  (+ K * za * zb  with asymmetric weights)
//                      (- 128 * sum_k b when the dot product ran on a + 128).
inline Halide::Expr int8_column_term(const Halide::Expr &bias, const Halide::Expr &column_sum,
                                     const Halide::Expr &weight_zero_point, const Halide::Expr &lhs_zero_point,
                                     const Halide::Expr &K, bool weight_zp, bool unsigned_lhs) {
    Halide::Expr col = bias - lhs_zero_point * column_sum;
    if (weight_zp) col += K * lhs_zero_point * weight_zero_point;
    if (unsigned_lhs) col -= 128 * column_sum;
    return col;
}

// The activation operand of the dot product: a, or a + 128 as u8 (for u8 x s8
// dot-product instructions), widened to int32.
inline Halide::Expr int8_dot_operand(const Halide::Expr &a, bool unsigned_lhs) {
    using namespace Halide;
    return unsigned_lhs ? cast<int32_t>(cast<uint8_t>(a) ^ cast<uint8_t>(0x80)) : cast<int32_t>(a);
}

// How an int32 accumulator becomes int8 (generator parameter requantization,
// docs/arithmetic.md): gemmlowp's fixed-point multiplier and shift (TFLite's
// numbers), or XNNPACK-style fp32 (one float multiply and a rounding; the
// kernels read the same multiplier / shift and take fl(multiplier) * 2^(shift-31)
// as the scale).
enum class Requantization { kGemmlowp, kFp32 };
inline const std::map<std::string, Requantization> &requantization_names() {
    static const std::map<std::string, Requantization> m{{"gemmlowp", Requantization::kGemmlowp},
                                                         {"fp32", Requantization::kFp32}};
    return m;
}

// fp32 requantization: clamp(rne(fl(acc) * scale), lo - z, hi - z) + z. The
// clamp comes before the conversion (equal to clamping after it, since the
// bounds are integers) so that no out-of-range float reaches the int cast.
//
// rne(f) for the clamped f (|f| <= 255) as f + 1.5 * 2^23, whose float has
// ulp 1 and holds rne(f) in its low mantissa bits (the FPU's default rounding
// is to nearest even): two instructions where Halide's round() costs five on
// AVX-512 (it rounds 8 lanes at a time), and the same integer.
inline Halide::Expr rne_small_float_to_int32(const Halide::Expr &f) {
    using namespace Halide;
    const float magic = 12582912.0f;  // 1.5 * 2^23, bits 0x4B400000
    return reinterpret<int32_t>(strict_float(f + magic)) - 0x4B400000;
}

// The requantized value as int32 (in [lo, hi]): for epilogues that use it
// again (a fused Add) before the int8 store.
inline Halide::Expr int8_requantize_fp32_i32(const Halide::Expr &acc, const Halide::Expr &scale,
                                             const Halide::Expr &zero_point, const Halide::Expr &lo,
                                             const Halide::Expr &hi) {
    using namespace Halide;
    Expr f = clamp(cast<float>(acc) * scale, cast<float>(lo - zero_point), cast<float>(hi - zero_point));
    return rne_small_float_to_int32(f) + zero_point;
}

// gemmlowp's requantization (multiply_by_quantized_multiplier, then the zero
// point and the clamp) from per-channel constants computed once per channel:
// the shift amounts as unsigned (x86 shifts by a vector then need no sign
// test), the saturation bounds of the left shift, RDBP's mask and half mask,
// and SRDHM's rounding term (opaque_srdhm_rounding). The same integers as
// int8_requantize_i32; for x86 (arm64 and the GPUs lower the plain form to
// their rounding multiplies).
inline Halide::Tuple gemmlowp_channel_constants(const Halide::Expr &multiplier, const Halide::Expr &shift) {
    using namespace Halide;
    Expr left = cast<uint32_t>(max(shift, 0)), right = cast<uint32_t>(max(-shift, 0));
    Expr mask = (Expr(1) << right) - 1;
    return Tuple(std::vector<Expr>{left, right, Int(32).min() >> left, Int(32).max() >> left, mask, mask >> 1,
                                   multiplier, opaque_srdhm_rounding(multiplier)});
}

// The requantized value (int32, in [lo, hi]) from gemmlowp_channel_constants' tuple.
inline Halide::Expr int8_requantize_i32(const Halide::Expr &acc, const Halide::FuncRef &channel,
                                        const Halide::Expr &zero_point, const Halide::Expr &lo,
                                        const Halide::Expr &hi) {
    using namespace Halide;
    Expr left = channel[0], right = channel[1], shifted = clamp(acc, channel[2], channel[3]) << left;
    Expr h = cast<int32_t>((widening_mul(shifted, channel[6]) + channel[7]) >> 31);
    Expr threshold = channel[5] + select(h < 0, 1, 0);
    Expr y = (h >> right) + select((h & channel[4]) > threshold, 1, 0);
    return clamp(y + zero_point, lo, hi);
}

// int32 accumulator -> the requantized value (int32 in [lo, hi]) with the per-column multiplier / shift.
inline Halide::Expr int8_requantize_i32(const Halide::Expr &acc, const Halide::Expr &multiplier,
                                        const Halide::Expr &shift, const Halide::Expr &zero_point,
                                        const Halide::Expr &lo, const Halide::Expr &hi) {
    using namespace Halide;
    return clamp(multiply_by_quantized_multiplier(acc, multiplier, shift) + zero_point, lo, hi);
}

// The requantizing epilogue of a kernel, as int32 in [lo, hi]: defines the
// per-channel Func `channel` at channel `c` where the form has per-channel
// constants (fp32: the float scale; gemmlowp on x86: the constants above;
// otherwise `channel` stays undefined) and returns the requantized value.
inline Halide::Expr requantize_epilogue_i32(Halide::Func &channel, const Halide::Var &c, Requantization form,
                                            const Halide::Target &target, const Halide::Expr &acc,
                                            const Halide::Expr &multiplier, const Halide::Expr &shift,
                                            const Halide::Expr &zero_point, const Halide::Expr &lo,
                                            const Halide::Expr &hi) {
    if (form == Requantization::kFp32) {
        channel(c) = fp32_scale(multiplier, shift);
        return int8_requantize_fp32_i32(acc, channel(c), zero_point, lo, hi);
    }
    if (target.arch == Halide::Target::X86) {
        channel(c) = gemmlowp_channel_constants(multiplier, shift);
        return int8_requantize_i32(acc, channel(c), zero_point, lo, hi);
    }
    return int8_requantize_i32(acc, multiplier, shift, zero_point, lo, hi);
}

}  // namespace mobiq
