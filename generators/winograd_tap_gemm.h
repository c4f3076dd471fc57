// winograd_tap_gemm: the Funcs and Vars its schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct WinogradTapGemmStages {
    Halide::Func output;  // (n, m, t): int32 or float
    Halide::Func dot;     // (n, m, t): sum_k lhs(k, m, t) * rhs(k, n, t)
    Halide::Var n, m, t;  // output column, row (tile), Winograd tap
    Halide::RDom k;       // k.x: inside a packed group (4 int8, 2 int16, 1 float), k.y: group
    Halide::Expr N, M;    // output extents (for specialize)
    bool fp32 = false;    // domain float32 (the schedules take the FP32 GEMM's tile)
};

}  // namespace mobiq
