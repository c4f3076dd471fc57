// depthwise_conv2d_fp32: the FP32 baseline of depthwise_conv2d_int8 (same
// layouts, padded input), bias and clamp; kernel_size 1 is the FP32
// batch-normalization layer y = x * scale(c) + shift(c) (batch_norm_fp32).
// pads_input=true: the input is the unpadded image placed in the padded
// frame (its x / y mins are the left / top padding); outside it reads zeros,
// so its producer writes a dense output (no border, no copy).
#include "Halide.h"
#include "layouts.h"
#include "depthwise_conv2d.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class DepthwiseConv2dFp32 : public Generator<DepthwiseConv2dFp32> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<int> kernel_size{"kernel_size", 3};
    GeneratorParam<bool> pads_input{"pads_input", false};

    Input<Buffer<float, 4>> input{"input"};
    Input<Buffer<float, 3>> weights{"weights"};
    Input<Buffer<float, 1>> bias{"bias"};
    Input<float> output_min{"output_min"}, output_max{"output_max"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Output<Buffer<float, 4>> output{"output"};

    void generate() {
        mobiq::DepthwiseStages s;
        Var c = s.c, ox = s.ox, oy = s.oy, n = s.n, kx("kx"), ky("ky");
        const int k = kernel_size;
        s.weights(c, kx, ky) = weights(c, kx, ky);
        // The zero border: Halide's boundary condition along x (its `likely`
        // lets loop partitioning take the border columns out of the row's
        // loop); along y, a tap row outside the image reads the nearest row
        // with its weights zeroed (invariant in the row's loop).
        Func in("in");
        if (pads_input) {
            Func in_x = BoundaryConditions::constant_exterior(
                input, 0.0f, {{Expr(), Expr()}, {input.dim(1).min(), input.dim(1).extent()}});
            Var x("x"), y("y");
            in(c, x, y, n) = in_x(c, x, clamp(y, input.dim(2).min(), input.dim(2).max()), n);
        } else {
            in(c, ox, oy, n) = input(c, ox, oy, n);
        }
        Expr acc = bias(c);
        for (int y = 0; y < k; y++) {
            Expr row = oy * stride_y + y;
            Expr row_in = row >= input.dim(2).min() && row <= input.dim(2).max();
            for (int x = 0; x < k; x++) {
                Expr w = s.weights(c, x, y);
                if (pads_input) w = select(row_in, w, 0.0f);
                acc += in(c, ox * stride_x + x, row, n) * w;
            }
        }
        output(c, ox, oy, n) = clamp(acc, output_min, output_max);

        add_requirement(weights.dim(1).extent() == k && weights.dim(2).extent() == k,
                        "depthwise_conv2d_fp32: weights must be (C, ", k, ", ", k, ")");
        add_requirement(stride_x > 0 && stride_y > 0, "depthwise_conv2d_fp32: strides must be positive");
        if (pads_input) {
            input.dim(0).set_min(0).set_stride(1);
            input.dim(3).set_min(0);
        } else {
            mobiq::require_dense_from_zero(input, 4);
        }
        mobiq::require_dense_from_zero(weights, 3);
        mobiq::require_dense_from_zero(output, 4);
        input.set_estimates({{0, 128}, {0, 58}, {0, 58}, {0, 1}});
        weights.set_estimates({{0, 128}, {0, k}, {0, k}});
        bias.set_estimates({{0, 128}});
        output.set_estimates({{0, 128}, {0, 56}, {0, 56}, {0, 1}});

        s.output = output;
        s.channels = output.dim(0).extent();
        s.OW = output.dim(1).extent();
        s.stride_x = stride_x;
        s.stride_y = stride_y;
        s.kernel_size = k;
        s.int8 = false;
        s.pads_input = pads_input;
        mobiq::ScheduleRegistry<mobiq::DepthwiseStages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(DepthwiseConv2dFp32, depthwise_conv2d_fp32)
