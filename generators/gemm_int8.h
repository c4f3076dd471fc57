// gemm_int8: the Funcs and Vars its schedules may touch.
#pragma once

#include "Halide.h"
#include "int8_pair_sums.h"

namespace mobiq {

struct GemmInt8Stages {
    Halide::Func output;       // (n, m): int8 (requantized) or int32
    Halide::Func dot;          // int32 (n, m): sum_k lhs'(k, m) * rhs(k, n)
    Halide::Func row_sum;      // int32 (m): sum_k lhs(k, m); undefined when weights are symmetric
    Halide::Func column_term;  // int32 (n): bias and the offline zero-point terms
    Halide::Func channel_requant;  // (n): per-channel requantization constants (requantize_epilogue_i32 in generators/int8_output_stage.h), or undefined
    Halide::Var n, m;
    Halide::RDom k;            // k.x: 0..3 inside a packed group of 4, k.y: group
    Halide::RDom row_k;        // reduction of row_sum (k; with row_sum_lanes: its 16 lanes)
    // u8 weights in Halide (x86 VNNI): row_sum_lanes(lane, m) holds 16 partial
    // sums, each a dot product of 4 k against a u8 one (vpdpbusd), over
    // row_lane_k (x: 4 k of a group, y: 64-k block); row_sum adds the lanes.
    Halide::Func row_sum_lanes;
    Halide::RDom row_lane_k;
    Halide::Var lane{"lane"};
    Halide::Expr N, M;         // output extents (for specialize)
    // The AMX variant (generator parameter amx): dot is an AMX tile over
    // k = 0..K-1 (k.x), copied to memory by dot_copy, which the epilogue reads.
    bool amx = false;
    Halide::Func dot_copy;
    // amx_tiles: dot is the extern 2 x 2-tile core (generators/extern/amx_tile_gemm.h),
    // computed per block of 32 rows; dot_copy is undefined.
    bool amx_tiles = false;
    // u8_weights: dot is the extern VNNI core with the weights as the unsigned
    // operand (generators/extern/vnni_u8w_gemm.h).
    bool u8_weights = false;
    // weights7 (x86 without VNNI, generators/int8_pair_sums.h): dot adds the
    // int16 pair sums pairs.pair_sum(k.x, n, k.y, m) (k.x: the pair, k.y: the
    // group of 4 k); undefined otherwise.
    Int8PairSums pairs;
    bool serial = false;  // generator parameter serial: no parallel loop (the caller runs calls in parallel)
};

}  // namespace mobiq
