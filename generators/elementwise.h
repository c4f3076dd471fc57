// Element-wise kernels (add_int8, add_fp32, quantize, dequantize): the Funcs
// and Vars their schedules may touch. Tensors are seen as 2-D (c, p): channels
// innermost, p = every pixel of every image.
#pragma once

#include "Halide.h"

namespace mobiq {

struct ElementwiseStages {
    Halide::Func output;  // (c, p)
    Halide::Var c, p;
    Halide::Expr channels;
    int element_bytes = 1;  // of the widest operand
};

}  // namespace mobiq
