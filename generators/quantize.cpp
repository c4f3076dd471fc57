// quantize (float32 -> int8) and dequantize (int8 -> float32), per tensor
// (docs/arithmetic.md, "Quantize / dequantize"):
//   q = clamp(round_half_even(x * inverse_scale) + z, -128, 127)
//   x = scale * (q - z)
// Multiplying by the reciprocal (computed once on the host) rather than
// dividing keeps every device bit-exact: a float multiply is correctly rounded
// everywhere, an OpenCL division need not be.
//
// quantize_to_nhwc: the same q for a network's planar (NCHW) input, written
// straight into the NHWC int8 tensor the first layer reads (channels the
// image lacks, up to the tensor's stored count, get z): one pass where a
// quantize and a byte-by-byte transpose were two.
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

class QuantizeToNhwc : public Generator<QuantizeToNhwc> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    Input<Buffer<float, 4>> input{"input"};  // (x, y, c, n): NCHW
    Input<float> inverse_scale{"inverse_scale"};
    Input<int32_t> zero_point{"zero_point"};
    Output<Buffer<int8_t, 4>> output{"output"};  // (c, x, y, n): NHWC, c >= the input's channels

    void generate() {
        mobiq::QuantizeToNhwcStages s;
        Expr channels = input.dim(2).extent();
        Expr x = input(s.x, s.y, min(s.c, channels - 1), s.n);
        Expr q = cast<int32_t>(clamp(round(x * inverse_scale), -1e9f, 1e9f)) + zero_point;
        output(s.c, s.x, s.y, s.n) = select(s.c < channels, cast<int8_t>(clamp(q, -128, 127)), cast<int8_t>(zero_point));
        add_requirement(output.dim(0).extent() >= channels, "quantize_to_nhwc: the output has ",
                        output.dim(0).extent(), " channels, fewer than the input's ", channels);
        add_requirement(output.dim(1).extent() == input.dim(0).extent() &&
                            output.dim(2).extent() == input.dim(1).extent() &&
                            output.dim(3).extent() == input.dim(3).extent(),
                        "quantize_to_nhwc: the output's width, height and batch must be the input's");
        mobiq::require_dense_from_zero(input, 4);
        mobiq::require_dense_from_zero(output, 4);
        input.set_estimates({{0, 224}, {0, 224}, {0, 3}, {0, 1}});
        output.set_estimates({{0, 4}, {0, 224}, {0, 224}, {0, 1}});
        s.output = output;
        s.channels = output.dim(0).extent();
        s.width = output.dim(1).extent();
        s.pixel_stride = output.dim(1).stride();
        s.in_channels = channels;
        mobiq::ScheduleRegistry<mobiq::QuantizeToNhwcStages>::apply(schedule_family, s, get_target());
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
HALIDE_REGISTER_GENERATOR(QuantizeToNhwc, quantize_to_nhwc)
HALIDE_REGISTER_GENERATOR(Dequantize, dequantize)
