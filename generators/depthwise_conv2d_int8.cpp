// depthwise_conv2d_int8: NHWC int8 depthwise convolution (MobileNet), fused
// bias, requantization and clamp (ReLU / ReLU6); kernel_size x kernel_size
// taps (3; 1 makes it a per-channel int8 affine: the batch-normalization layer
// that BN folding removes, batch_norm_int8), run-time stride.
//
// The weight zero point is subtracted once per call (w - zw, as int32) and the
// input zero point's term zx * sum (w - zw) joins the bias per channel, so the
// inner loop is one widening load, one multiply and one add per tap.
// symmetric_weights=true (symmetric weights in [-127, 127], the zero-point
// input unread): the products are int16 (|x w| <= 128 * 127 = 16256) and two
// taps are added in int16 (<= 32512) before one widening add to int32, so a
// vector multiplies twice the lanes (vpmullw instead of vpmulld on x86) and
// half the taps pay a widening: the same integers (docs/arithmetic.md).
// Weights are per channel by nature; a per-layer scheme is the same code with
// equal values, so per-channel quantization keeps the fast path.
// Input: padded NHWC (c, x, y, n) (the border holds the input zero point).
// Weights: (c, kx, ky), channel innermost, zero point per channel.
#include "Halide.h"
#include "layouts.h"
#include "depthwise_conv2d.h"
#include "int8_output_stage.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class DepthwiseConv2dInt8 : public Generator<DepthwiseConv2dInt8> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<int> kernel_size{"kernel_size", 3};
    GeneratorParam<bool> symmetric_weights{"symmetric_weights", false};
    // gemmlowp (default) or fp32 (generators/int8_output_stage.h).
    GeneratorParam<mobiq::Requantization> requantization{"requantization", mobiq::Requantization::kGemmlowp,
                                                         mobiq::requantization_names()};

    Input<Buffer<int8_t, 4>> input{"input"};
    Input<int32_t> input_zero_point{"input_zero_point"};
    Input<Buffer<int8_t, 3>> weights{"weights"};
    Input<Buffer<int32_t, 1>> weight_zero_point{"weight_zero_point"};
    Input<Buffer<int32_t, 1>> bias{"bias"};
    Input<Buffer<int32_t, 1>> multiplier{"multiplier"};
    Input<Buffer<int32_t, 1>> shift{"shift"};
    Input<int32_t> output_zero_point{"output_zero_point"};
    Input<int32_t> output_min{"output_min"};
    Input<int32_t> output_max{"output_max"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Output<Buffer<int8_t, 4>> output{"output"};

    void generate() {
        mobiq::DepthwiseStages s;
        Var c = s.c, ox = s.ox, oy = s.oy, n = s.n, kx("kx"), ky("ky");
        const int k = kernel_size;
        const bool int16_pairs = symmetric_weights;
        if (int16_pairs) s.weights(c, kx, ky) = cast<int16_t>(weights(c, kx, ky));
        else s.weights(c, kx, ky) = cast<int32_t>(weights(c, kx, ky)) - weight_zero_point(c);
        // sum (x - zx)(w - zw) = sum x (w - zw) - zx sum (w - zw): the second
        // term is per channel and joins the bias.
        Expr weight_sum = 0;
        for (int y = 0; y < k; y++)
            for (int x = 0; x < k; x++) weight_sum += cast<int32_t>(s.weights(c, x, y));
        s.column_term(c) = bias(c) - input_zero_point * weight_sum;
        Expr acc = s.column_term(c);
        std::vector<Expr> products;
        for (int y = 0; y < k; y++)
            for (int x = 0; x < k; x++) {
                Expr v = input(c, ox * stride_x + x, oy * stride_y + y, n);
                products.push_back(int16_pairs ? cast<int16_t>(v) * s.weights(c, x, y)
                                               : cast<int32_t>(v) * s.weights(c, x, y));
            }
        for (size_t t = 0; t < products.size(); t += int16_pairs ? 2 : 1)
            acc += int16_pairs && t + 1 < products.size() ? cast<int32_t>(products[t] + products[t + 1])
                                                          : cast<int32_t>(products[t]);
        output(c, ox, oy, n) = cast<int8_t>(mobiq::requantize_epilogue_i32(s.channel_requant, c, requantization, get_target(),
                                                                           acc, multiplier(c), shift(c), output_zero_point,
                                                                           output_min, output_max));

        add_requirement(weights.dim(1).extent() == k && weights.dim(2).extent() == k,
                        "depthwise_conv2d_int8: weights must be (C, ", k, ", ", k, ")");
        add_requirement(stride_x > 0 && stride_y > 0, "depthwise_conv2d_int8: strides must be positive");
        add_requirement(output_min <= output_max, "depthwise_conv2d_int8: output_min > output_max");
        mobiq::require_dense_from_zero(input, 4);
        mobiq::require_dense_from_zero(weights, 3);
        mobiq::require_dense_from_zero(output, 4);
        input.set_estimates({{0, 128}, {0, 58}, {0, 58}, {0, 1}});
        weights.set_estimates({{0, 128}, {0, k}, {0, k}});
        for (auto *b : {&weight_zero_point, &bias, &multiplier, &shift}) b->set_estimates({{0, 128}});
        output.set_estimates({{0, 128}, {0, 56}, {0, 56}, {0, 1}});

        s.output = output;
        s.channels = output.dim(0).extent();
        s.OW = output.dim(1).extent();
        s.stride_x = stride_x;
        s.stride_y = stride_y;
        s.kernel_size = k;
        s.int8 = true;
        mobiq::ScheduleRegistry<mobiq::DepthwiseStages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(DepthwiseConv2dInt8, depthwise_conv2d_int8)
