// requantize: out(c, x) = clamp(z_out + M(c) * in(c, x), lo, hi) as int8, with
// M(c) = multiplier(c) * 2^shift(c) in fixed point (quantized_multiplier.h).
// Per-layer: multiplier/shift have extent 1 and every channel reads element 0.
#include "Halide.h"
#include "quantized_multiplier.h"
#include "requantize.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class Requantize : public Generator<Requantize> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<bool> per_channel{"per_channel", true};

    Input<Buffer<int32_t, 2>> input{"input"};
    Input<Buffer<int32_t, 1>> multiplier{"multiplier"};
    Input<Buffer<int32_t, 1>> shift{"shift"};
    Input<int32_t> output_zero_point{"output_zero_point"};
    Input<int32_t> output_min{"output_min"};
    Input<int32_t> output_max{"output_max"};
    Output<Buffer<int8_t, 2>> output{"output"};

    void generate() {
        mobiq::RequantizeStages s;
        Var c = s.c, x = s.x;
        Expr ch = per_channel ? Expr(c) : Expr(0);
        Expr scaled = mobiq::multiply_by_quantized_multiplier(input(c, x), multiplier(ch), shift(ch));
        output(c, x) = cast<int8_t>(clamp(scaled + output_zero_point, output_min, output_max));

        add_requirement(output_min <= output_max, "requantize: output_min > output_max");
        add_requirement(output_min >= -128 && output_max <= 127, "requantize: clamp bounds outside int8");
        if (per_channel) {
            add_requirement(multiplier.dim(0).extent() >= input.dim(0).extent() &&
                                shift.dim(0).extent() >= input.dim(0).extent(),
                            "requantize: per-channel multiplier/shift shorter than the channel count");
        }

        s.output = output;
        input.dim(0).set_stride(1);
        output.dim(0).set_stride(1);
        input.set_estimates({{0, 256}, {0, 3136}});
        multiplier.set_estimates({{0, 256}});
        shift.set_estimates({{0, 256}});
        output.set_estimates({{0, 256}, {0, 3136}});
        mobiq::ScheduleRegistry<mobiq::RequantizeStages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Requantize, requantize)
