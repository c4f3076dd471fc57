// The residual Add (+ ReLU) fused into the epilogue of the convolution that
// produces one of its inputs (generator parameter residual_add): the Add's
// other input (`residual`) is read where the output is written, so the
// convolution's own output never goes to memory. The arithmetic is that of
// the separate ops, in the same order, so the fused kernel equals conv then
// add bit for bit (INT8: docs/arithmetic.md, "Add"; FP32: the same two
// roundings, (acc + bias) clamped, then + residual, clamped).
#pragma once

#include "Halide.h"
#include "int8_output_stage.h"
#include "quantized_multiplier.h"

namespace mobiq {

// TFLite's quantized ADD of two int8 values with their own scales:
//   a' = RDBP(SRDHM((a - za) << ls, ma), -sa), b' likewise,
//   out = clamp(RDBP(SRDHM(a' + b', mo), -so) + zo, lo, hi),
// the input rescalings in 32-bit arithmetic (quantized_multiplier.h); x86:
// the output rescaling's rounding term as opaque_srdhm_rounding.
inline Halide::Expr quantized_add(const Halide::Expr &a, const Halide::Expr &za, const Halide::Expr &ma,
                                  const Halide::Expr &sa, const Halide::Expr &b, const Halide::Expr &zb,
                                  const Halide::Expr &mb, const Halide::Expr &sb, const Halide::Expr &left_shift,
                                  const Halide::Expr &mo, const Halide::Expr &so, const Halide::Expr &zo,
                                  const Halide::Expr &lo, const Halide::Expr &hi, bool x86) {
    using namespace Halide;
    Expr ax = cast<int32_t>(a) - za, bx = cast<int32_t>(b) - zb;
    Expr sum = rounding_divide_by_pot(srdhm_of_shifted_small(ax, ma, left_shift), -sa) +
               rounding_divide_by_pot(srdhm_of_shifted_small(bx, mb, left_shift), -sb);
    Expr v = multiply_by_quantized_multiplier_below_one(sum, mo, so, x86) + zo;
    return cast<int8_t>(clamp(v, lo, hi));
}

// The scale of one ADD input relative to the output that TFLite's parameters
// stand for, as a float: fl(fl(m) * fl(mo)) * 2^(s + so + left_shift - 62).
inline Halide::Expr add_input_scale(const Halide::Expr &m, const Halide::Expr &s, const Halide::Expr &left_shift,
                                    const Halide::Expr &mo, const Halide::Expr &so) {
    using namespace Halide;
    return strict_float((cast<float>(m) * cast<float>(mo)) * exact_power_of_two(s + so + left_shift - 62));
}

// The ADD with fp32 requantization (docs/arithmetic.md, "fp32 requantization"):
//   out = clamp(rne(fl(a - za) * ra + fl(b - zb) * rb), lo - zo, hi - zo) + zo,
// two products and a sum each rounded to float (strict: no fused multiply-add,
// whatever the target), from the same parameters as quantized_add.
inline Halide::Expr quantized_add_fp32(const Halide::Expr &a, const Halide::Expr &za, const Halide::Expr &ma,
                                       const Halide::Expr &sa, const Halide::Expr &b, const Halide::Expr &zb,
                                       const Halide::Expr &mb, const Halide::Expr &sb, const Halide::Expr &left_shift,
                                       const Halide::Expr &mo, const Halide::Expr &so, const Halide::Expr &zo,
                                       const Halide::Expr &lo, const Halide::Expr &hi) {
    using namespace Halide;
    Expr ra = add_input_scale(ma, sa, left_shift, mo, so), rb = add_input_scale(mb, sb, left_shift, mo, so);
    Expr t = strict_float(cast<float>(cast<int32_t>(a) - za) * ra + cast<float>(cast<int32_t>(b) - zb) * rb);
    t = clamp(t, cast<float>(lo - zo), cast<float>(hi - zo));
    return cast<int8_t>(rne_small_float_to_int32(t) + zo);
}

// The inputs an int8 kernel with a fused residual Add takes after its own:
// the residual (laid out as the output) and the ADD's parameters, the
// kernel's own requantized output being the ADD's first operand (zero point:
// the kernel's output zero point).
template <int Dims>
struct ResidualAddInt8 {
    Halide::GeneratorInput<Halide::Buffer<int8_t, Dims>> *residual = nullptr;
    Halide::GeneratorInput<int32_t> *self_multiplier = nullptr, *self_shift = nullptr;
    Halide::GeneratorInput<int32_t> *residual_zero_point = nullptr, *residual_multiplier = nullptr,
                                    *residual_shift = nullptr;
    Halide::GeneratorInput<int32_t> *left_shift = nullptr, *add_multiplier = nullptr, *add_shift = nullptr;
    Halide::GeneratorInput<int32_t> *add_zero_point = nullptr, *add_min = nullptr, *add_max = nullptr;

    // In configure(), before the output.
    template <typename G>
    void add_inputs(G *g) {
        residual = g->template add_input<Halide::Buffer<int8_t, Dims>>("residual");
        auto scalar = [&](const char *name) { return g->template add_input<int32_t>(name); };
        self_multiplier = scalar("self_multiplier");
        self_shift = scalar("self_shift");
        residual_zero_point = scalar("residual_zero_point");
        residual_multiplier = scalar("residual_multiplier");
        residual_shift = scalar("residual_shift");
        left_shift = scalar("left_shift");
        add_multiplier = scalar("add_multiplier");
        add_shift = scalar("add_shift");
        add_zero_point = scalar("add_zero_point");
        add_min = scalar("add_min");
        add_max = scalar("add_max");
    }

    // The fused output from the kernel's own int8 output `y` (zero point zy) at
    // `coords`; `y` may be the int32 of that int8 value (no wrap-around to redo).
    Halide::Expr apply(const Halide::Expr &y, const Halide::Expr &zy, const std::vector<Halide::Expr> &coords,
                       bool fp32_requantization, const Halide::Target &target) const {
        if (fp32_requantization)
            return quantized_add_fp32(y, zy, *self_multiplier, *self_shift, (*residual)(coords), *residual_zero_point,
                                      *residual_multiplier, *residual_shift, *left_shift, *add_multiplier, *add_shift,
                                      *add_zero_point, *add_min, *add_max);
        return quantized_add(y, zy, *self_multiplier, *self_shift, (*residual)(coords), *residual_zero_point,
                             *residual_multiplier, *residual_shift, *left_shift, *add_multiplier, *add_shift,
                             *add_zero_point, *add_min, *add_max, target.arch == Halide::Target::X86);
    }

    // The ADD's requirements (as add_int8's) and the residual's layout.
    template <typename G>
    void require(G *g) const {
        g->add_requirement(*left_shift >= 9 && *left_shift <= 22, "residual add: left_shift must be in [9, 22]");
        g->add_requirement(*self_shift <= 0 && *residual_shift <= 0 && *add_shift <= 0 && *self_shift >= -31 &&
                               *residual_shift >= -31 && *add_shift >= -31,
                           "residual add: the three multipliers must be below one (shifts in [-31, 0])");
        g->add_requirement(*add_min <= *add_max, "residual add: add_min > add_max");
        residual->dim(0).set_stride(1);
        for (int d = 0; d < Dims; d++) residual->dim(d).set_min(0);
    }
};

// FP32: out = clamp(clamp(acc + bias, lo, hi) + residual, add_min, add_max).
template <int Dims>
struct ResidualAddFp32 {
    Halide::GeneratorInput<Halide::Buffer<float, Dims>> *residual = nullptr;
    Halide::GeneratorInput<float> *add_min = nullptr, *add_max = nullptr;

    template <typename G>
    void add_inputs(G *g) {
        residual = g->template add_input<Halide::Buffer<float, Dims>>("residual");
        add_min = g->template add_input<float>("add_min");
        add_max = g->template add_input<float>("add_max");
    }

    Halide::Expr apply(const Halide::Expr &y, const std::vector<Halide::Expr> &coords) const {
        return Halide::clamp(y + (*residual)(coords), *add_min, *add_max);
    }

    void require() const {
        residual->dim(0).set_stride(1);
        for (int d = 0; d < Dims; d++) residual->dim(d).set_min(0);
    }
};

}  // namespace mobiq
