// quantize (float32 -> int8) and dequantize (int8 -> float32), per tensor
// (docs/arithmetic.md, "Quantize / dequantize"):
//   q = clamp(round_half_even(x * inverse_scale) + z, -128, 127)
//   x = scale * (q - z)
// Multiplying by the reciprocal (computed once on the host) rather than
// dividing keeps every device bit-exact: a float multiply is correctly rounded
// everywhere, an OpenCL division need not be.
#include "Halide.h"
#include "layouts.h"
#include "elementwise.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class Quantize : public Generator<Quantize> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    Input<Buffer<float, 2>> input{"input"};
    Input<float> inverse_scale{"inverse_scale"};
    Input<int32_t> zero_point{"zero_point"};
    Output<Buffer<int8_t, 2>> output{"output"};

    void generate() {
        mobiq::ElementwiseStages s;
        Expr q = cast<int32_t>(clamp(round(input(s.c, s.p) * inverse_scale), -1e9f, 1e9f)) + zero_point;
        output(s.c, s.p) = cast<int8_t>(clamp(q, -128, 127));
        mobiq::require_dense_from_zero(input, 2);
        mobiq::require_dense_from_zero(output, 2);
        input.set_estimates({{0, 3}, {0, 50176}});
        output.set_estimates({{0, 3}, {0, 50176}});
        s.output = output;
        s.channels = output.dim(0).extent();
        s.element_bytes = 4;
        mobiq::ScheduleRegistry<mobiq::ElementwiseStages>::apply(schedule_family, s, get_target());
    }
};

class Dequantize : public Generator<Dequantize> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    Input<Buffer<int8_t, 2>> input{"input"};
    Input<float> scale{"scale"};
    Input<int32_t> zero_point{"zero_point"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        mobiq::ElementwiseStages s;
        output(s.c, s.p) = scale * cast<float>(cast<int32_t>(input(s.c, s.p)) - zero_point);
        mobiq::require_dense_from_zero(input, 2);
        mobiq::require_dense_from_zero(output, 2);
        input.set_estimates({{0, 1000}, {0, 1}});
        output.set_estimates({{0, 1000}, {0, 1}});
        s.output = output;
        s.channels = output.dim(0).extent();
        s.element_bytes = 4;
        mobiq::ScheduleRegistry<mobiq::ElementwiseStages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Quantize, quantize)
HALIDE_REGISTER_GENERATOR(Dequantize, dequantize)
