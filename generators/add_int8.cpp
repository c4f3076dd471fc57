// add_int8: the residual addition of two int8 tensors with their own scales
// (ResNet50), as TFLite's quantized ADD (docs/arithmetic.md, "Add"):
//   a' = MBQM((a - za) << left_shift, multiplier_a, shift_a), b' likewise,
//   out = clamp(MBQM(a' + b', multiplier_out, shift_out) + z_out, lo, hi).
// The left shift (20 in TFLite) keeps precision through the rescaling.
#include "Halide.h"
#include "layouts.h"
#include "elementwise.h"
#include "int8_output_stage.h"
#include "residual_add.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class AddInt8 : public Generator<AddInt8> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    // gemmlowp (default) or fp32 (generators/int8_output_stage.h).
    GeneratorParam<mobiq::Requantization> requantization{"requantization", mobiq::Requantization::kGemmlowp,
                                                         mobiq::requantization_names()};

    Input<Buffer<int8_t, 2>> a{"a"};
    Input<int32_t> a_zero_point{"a_zero_point"}, a_multiplier{"a_multiplier"}, a_shift{"a_shift"};
    Input<Buffer<int8_t, 2>> b{"b"};
    Input<int32_t> b_zero_point{"b_zero_point"}, b_multiplier{"b_multiplier"}, b_shift{"b_shift"};
    Input<int32_t> left_shift{"left_shift"};
    Input<int32_t> output_multiplier{"output_multiplier"}, output_shift{"output_shift"};
    Input<int32_t> output_zero_point{"output_zero_point"}, output_min{"output_min"}, output_max{"output_max"};
    Output<Buffer<int8_t, 2>> output{"output"};

    void generate() {
        mobiq::ElementwiseStages s;
        Var c = s.c, p = s.p;
        if (requantization == mobiq::Requantization::kFp32)
            output(c, p) = mobiq::quantized_add_fp32(a(c, p), a_zero_point, a_multiplier, a_shift, b(c, p), b_zero_point,
                                                     b_multiplier, b_shift, left_shift, output_multiplier, output_shift,
                                                     output_zero_point, output_min, output_max);
        else
            output(c, p) = mobiq::quantized_add(a(c, p), a_zero_point, a_multiplier, a_shift, b(c, p), b_zero_point,
                                                b_multiplier, b_shift, left_shift, output_multiplier, output_shift,
                                                output_zero_point, output_min, output_max,
                                                get_target().arch == Target::X86);

        add_requirement(left_shift >= 9 && left_shift <= 22, "add_int8: left_shift must be in [9, 22] (TFLite: 20)");
        add_requirement(a_shift <= 0 && b_shift <= 0 && output_shift <= 0 && a_shift >= -31 && b_shift >= -31 &&
                            output_shift >= -31,
                        "add_int8: the three multipliers must be below one (shifts in [-31, 0]), as TFLite's ADD");
        add_requirement(output_min <= output_max, "add_int8: output_min > output_max");
        s.element_bytes = 4;
        mobiq::finish_elementwise(s, output, schedule_family, get_target(), a, b);
    }
};

// add_fp32: out = clamp(a + b, lo, hi) (the residual addition with a fused ReLU).
class AddFp32 : public Generator<AddFp32> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    Input<Buffer<float, 2>> a{"a"}, b{"b"};
    Input<float> output_min{"output_min"}, output_max{"output_max"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        mobiq::ElementwiseStages s;
        output(s.c, s.p) = clamp(a(s.c, s.p) + b(s.c, s.p), output_min, output_max);
        s.element_bytes = 4;
        mobiq::finish_elementwise(s, output, schedule_family, get_target(), a, b);
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AddInt8, add_int8)
HALIDE_REGISTER_GENERATOR(AddFp32, add_fp32)
