// softmax_fp32: the Funcs and Vars its schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct SoftmaxStages {
    Halide::Func output;  // (k, n)
    Halide::Func max;     // (n): max_k x(k, n)
    Halide::Func sum;     // (n): sum_k exp(x(k, n) - max(n))
    Halide::Var k, n;
};

}  // namespace mobiq
