// conv2d_int8_implicit / conv2d_fp32_implicit: the Funcs and Vars their
// schedules may touch.
#pragma once

#include "Halide.h"
#include "int8_pair_sums.h"

namespace mobiq {

struct Conv2dImplicitStages {
    Halide::Func output;       // (co, ox, oy, n)
    Halide::Func dot;          // (co, ox, oy, n): the receptive-field dot product
    Halide::Func row_sum;      // (ox, oy, n): int8 with asymmetric weights only
    Halide::Func column_term;  // (co): int8 only
    Halide::Func channel_requant;  // (co): int8: per-channel requantization constants (requantize_epilogue_i32), or undefined
    Halide::Var co, ox, oy, n;
    Halide::RDom r;            // int8: (ci in 0..3, cg, kx, ky); fp32: (c, kx, ky)
    Halide::RDom row_r;        // reduction of row_sum
    Halide::Expr C_out, OW;    // output extents of co and ox (for specialize)
    bool int8 = true;
    // serial=true (CPU): no parallel loop; the runtime runs calls on
    // 64-channel panels of the weights and blocks of output rows in parallel.
    bool serial = false;
    // int8 amx_tiles (x86 AMX): dot reads amx_dot (co, p), the extern 2 x 2-tile
    // core's accumulators over the input's flat pixel index p = ox + pitch oy
    // + (pitch H) n (generators/extern/amx_tile_gemm.h); OH: output height.
    bool amx_tiles = false;
    Halide::Func amx_dot;
    Halide::Expr pixel_pitch, OH;
    // int8 weights7 (x86 without VNNI, generators/int8_pair_sums.h): r[0] is
    // the pair (0, 1) of a group of 4 channels, and dot adds
    // pairs.pair_sum(r[0], co, r[1], r[2], r[3], ox, oy, n); undefined otherwise.
    Int8PairSums pairs;
};

}  // namespace mobiq
