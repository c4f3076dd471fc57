// Winograd F(m x m, 3 x 3) (Lavin & Gray): the transform matrices and the
// Funcs / Vars the transforms' schedules may touch (docs/arithmetic.md,
// "Winograd"). Tiles of alpha = m + 2 input pixels overlap by 2 and give
// m x m outputs; tap t = alpha * u + v of a tile is (B^T d B)(u, v).
//
// The integer variants use F(2x2, 3x3) only: its B^T and A^T hold 0 and +-1,
// and G' = 2G is integral, so U' = G' g G'^T = 4 U and the convolution is
// (A^T (U' . V) A) / 4, exactly. F(4x4, 3x3) has fractions in G and entries
// up to 8 in A^T: floating point (fp32, and the Winograd-domain quantized
// "tapwise" variant).
#pragma once

#include <vector>

#include "Halide.h"

namespace mobiq {

struct WinogradMatrices {
    int m = 2, alpha = 4;
    std::vector<std::vector<double>> BT;  // alpha x alpha: V = BT d BT^T
    std::vector<std::vector<double>> AT;  // m x alpha: Y = AT M AT^T
};

inline const WinogradMatrices &winograd_matrices(int m) {
    static const WinogradMatrices f2{2, 4,
                                     {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
                                     {{1, 1, 1, 0}, {0, 1, -1, -1}}};
    static const WinogradMatrices f4{4, 6,
                                     {{4, 0, -5, 0, 1, 0},
                                      {0, -4, -4, 1, 1, 0},
                                      {0, 4, -4, -1, 1, 0},
                                      {0, -2, -1, 2, 1, 0},
                                      {0, 2, -1, -2, 1, 0},
                                      {0, 4, 0, -5, 0, 1}},
                                     {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}}};
    return m == 4 ? f4 : f2;
}

// sum_j coef[j] * x[j] over the non-zero coefficients, as adds and subtracts
// where the coefficient is +-1 (the integer F(2,3) transforms have no other).
inline Halide::Expr linear_combination(const std::vector<double> &coef, const std::vector<Halide::Expr> &x) {
    using namespace Halide;
    Expr sum;
    for (size_t j = 0; j < coef.size(); j++) {
        const double c = coef[j];
        if (c == 0) continue;
        Expr term = x[j];
        const bool neg = c < 0, unit = c == 1 || c == -1;
        if (!unit) term = term * Halide::Internal::make_const(x[j].type(), neg ? -c : c);
        if (!sum.defined()) sum = neg ? -term : term;
        else sum = neg ? sum - term : sum + term;
    }
    return sum.defined() ? sum : Halide::Internal::make_zero(x[0].type());
}

// The input transform: V(c, tx, ty, n, t) for tiles (tx, ty), taps t.
struct WinogradInputStages {
    Halide::Func output;  // (c, tx, ty, n, t)
    Halide::Func rows;    // (c, u, j, tx, ty, n): BT applied down the columns of the tile
    Halide::Var c, tx, ty, n, t, u, j;
    Halide::Expr C;  // channels (for specialize)
    int alpha = 4;
    bool serial = false;  // no parallel loop: the runtime runs blocks of tiles in parallel
};

// The output transform: out(c, x, y, n) from M(c, tx, ty, n, t).
struct WinogradOutputStages {
    Halide::Func output;  // (c, x, y, n)
    Halide::Func tile;    // (c, i, j, tx, ty, n): AT M AT^T, before the epilogue
    Halide::Func cols;    // (c, i, v, tx, ty, n): AT applied down the columns of M
    Halide::Func channel_requant;  // (c): per-channel requantization constants (requantize_epilogue_i32), or undefined
    Halide::Var c, x, y, n, i, j, v, tx, ty;
    Halide::Expr C;  // channels (for specialize)
    int m = 2, alpha = 4;
    bool serial = false;  // no parallel loop: the runtime runs blocks of tiles in parallel
};

}  // namespace mobiq
