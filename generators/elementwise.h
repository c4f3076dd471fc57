// Element-wise kernels (add_int8, add_fp32, quantize, dequantize): the Funcs
// and Vars their schedules may touch. Tensors are seen as 2-D (c, p): channels
// innermost, p = every pixel of every image.
#pragma once

#include <string>

#include "Halide.h"
#include "layouts.h"
#include "schedule_registry.h"

namespace mobiq {

struct ElementwiseStages {
    Halide::Func output;  // (c, p)
    Halide::Var c, p;
    Halide::Expr channels;
    int element_bytes = 1;  // of the widest operand
};

// quantize_to_nhwc: a planar (x, y, c, n) float image quantized into an NHWC
// int8 tensor (c, x, y, n) whose channels past the image's are padding.
struct QuantizeToNhwcStages {
    Halide::Func output;  // (c, x, y, n)
    Halide::Var c, x, y, n;
    Halide::Expr channels, width, pixel_stride;  // the output's (stored) channels, width, dim 1 stride
    Halide::Expr in_channels;                   // the input's channels
};

// The common end of every element-wise generator: dense 2-D layouts and
// estimates for the output and each buffer input, then the family's schedule.
template <typename Output, typename... Inputs>
void finish_elementwise(ElementwiseStages &s, Output &output, const std::string &family, const Halide::Target &target,
                        Inputs &...inputs) {
    auto constrain = [](auto &b) {
        require_dense_from_zero(b, 2);
        b.set_estimates({{0, 256}, {0, 3136}});
    };
    (constrain(inputs), ...);
    constrain(output);
    s.output = output;
    s.channels = output.dim(0).extent();
    ScheduleRegistry<ElementwiseStages>::apply(family, s, target);
}

}  // namespace mobiq
