// Rows in register blocks for the extern GEMM cores: full blocks of R rows,
// then the rest as one block of fewer, each a compile-time row count (the
// block's accumulators are an array the compiler keeps in registers only
// when its size is a constant).
#pragma once

#include <type_traits>

namespace mobiq_extern {

template <int R, typename F>
inline void last_row_block(int rows, int m, F &f) {
    if constexpr (R > 0) {
        if (rows == R) f(std::integral_constant<int, R>{}, m);
        else last_row_block<R - 1>(rows, m, f);
    }
}

// f(std::integral_constant<int, r>{}, m) for each block [m, m + r) of [0, M): r = R but for the last.
template <int R, typename F>
inline void for_row_blocks(int M, F &&f) {
    int m = 0;
    for (; m + R <= M; m += R) f(std::integral_constant<int, R>{}, m);
    last_row_block<R - 1>(M - m, m, f);
}

}  // namespace mobiq_extern
