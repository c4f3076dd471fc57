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
        s.element_bytes = 4;
        mobiq::finish_elementwise(s, output, schedule_family, get_target(), input);
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
        s.element_bytes = 4;
        mobiq::finish_elementwise(s, output, schedule_family, get_target(), input);
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Quantize, quantize)
HALIDE_REGISTER_GENERATOR(Dequantize, dequantize)
