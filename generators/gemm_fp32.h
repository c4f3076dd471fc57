// gemm_fp32: the Funcs and Vars its schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct GemmFp32Stages {
    Halide::Func output;  // float (n, m)
    Halide::Func dot;     // float (n, m): sum_k lhs(k, m) * rhs(n, k)
    Halide::Var n, m;
    Halide::RDom k;
    Halide::Expr N, M;
    bool serial = false;  // generator parameter serial: no parallel loop (the caller runs calls in parallel)
    // generator parameter k_block (serial only): > 0 sums K in chunks of this
    // many, each chunk of B serving every row of the call (schedules/common/cpu_gemm.h)
    int k_block = 0;
    // generator parameter avx512_core: dot is the extern AVX-512 core
    // (generators/extern/fp32_gemm_core.h); schedules place it, nothing more
    bool avx512_core = false;
};

}  // namespace mobiq
