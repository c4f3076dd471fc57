// conv2d_fp32_implicit, the FP32 direct-convolution baseline: NHWC, padded
// input (as conv2d_int8_implicit), weights as gemm_fp32's (C_out innermost,
// k = c + C * (kx + KW * ky)), bias and a clamp for ReLU / ReLU6.
#include "Halide.h"
#include "residual_add.h"
#include "layouts.h"
#include "conv2d_implicit.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class Conv2dFp32Implicit : public Generator<Conv2dFp32Implicit> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<bool> residual_add{"residual_add", false};  // generators/residual_add.h
    // One thread per call (CPU): the runtime runs calls on panels of output
    // channels and blocks of output rows in parallel.
    GeneratorParam<bool> serial{"serial", false};

    Input<Buffer<float, 4>> input{"input"};  // (c, x, y, n), padded
    Input<Buffer<float, 2>> rhs{"rhs"};      // (C_out, K)
    Input<Buffer<float, 1>> bias{"bias"};
    Input<float> output_min{"output_min"}, output_max{"output_max"};
    Input<int32_t> kernel_w{"kernel_w"}, kernel_h{"kernel_h"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Output<Buffer<float, 4>> output{"output"};

    void configure() {
        if (residual_add) fused_.add_inputs(this);
    }

    void generate() {
        mobiq::Conv2dImplicitStages s;
        Var co = s.co, ox = s.ox, oy = s.oy, n = s.n;
        Expr C = input.dim(0).extent();
        s.r = RDom({{0, C}, {0, kernel_w}, {0, kernel_h}}, "r");
        RVar c = s.r[0], kx = s.r[1], ky = s.r[2];
        s.dot(co, ox, oy, n) = 0.0f;
        s.dot(co, ox, oy, n) += input(c, ox * stride_x + kx, oy * stride_y + ky, n) * rhs(co, c + C * (kx + kernel_w * ky));
        Expr y = clamp(s.dot(co, ox, oy, n) + bias(co), output_min, output_max);
        output(co, ox, oy, n) = residual_add ? fused_.apply(y, {co, ox, oy, n}) : y;
        if (residual_add) {
            fused_.require();
            fused_.residual->set_estimates({{0, 128}, {0, 28}, {0, 28}, {0, 1}});
        }

        add_requirement(rhs.dim(1).extent() == C * kernel_w * kernel_h, "conv2d_fp32_implicit: weights have K = ",
                        rhs.dim(1).extent(), ", want C*KW*KH = ", C * kernel_w * kernel_h);
        add_requirement(kernel_w > 0 && kernel_h > 0 && stride_x > 0 && stride_y > 0,
                        "conv2d_fp32_implicit: kernel size and strides must be positive");
        mobiq::require_dense_from_zero(input, 4);
        rhs.dim(0).set_min(0).set_stride(1);
        rhs.dim(1).set_min(0);
        mobiq::require_dense_from_zero(output, 4);
        input.set_estimates({{0, 128}, {0, 30}, {0, 30}, {0, 1}});
        rhs.set_estimates({{0, 128}, {0, 1152}});
        bias.set_estimates({{0, 128}});
        output.set_estimates({{0, 128}, {0, 28}, {0, 28}, {0, 1}});

        s.output = output;
        s.C_out = output.dim(0).extent();
        s.OW = output.dim(1).extent();
        s.int8 = false;
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::Conv2dImplicitStages>::apply(schedule_family, s, get_target());
    }

private:
    mobiq::ResidualAddFp32<4> fused_;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Conv2dFp32Implicit, conv2d_fp32_implicit)
