#pragma once
// The 4-deep int8 dot product of the weights7 variants (x86 without VNNI):
// u8 x s8 products summed in pairs in int16 with saturation (the semantics of
// vpmaddubsw / pmaddubsw), the pairs then widened and added in int32
// (vpmaddwd by ones). With the weights in [-64, 63] no pair sum leaves int16
// (2 x 255 x 64 = 32640), so the result is the exact dot product: the
// variant's contract (docs/arithmetic.md, "7-bit weights"). The runtime
// refuses weights outside that range for these kernels.
#include <functional>
#include <vector>

#include "Halide.h"

namespace mobiq {

// pair_sum(j, col, rest...) = sat16(ua(2j) b(2j) + ua(2j + 1) b(2j + 1)) for
// j = 0, 1, where a(kk) / b(kk) read the activation (int8) and packed weight
// (int8) of position kk = 0..3 of a group of 4 k (in terms of col and rest),
// and ua = a + 128 as u8. The pure definition is 0 and the update adds the
// two products with saturation: the form Halide's x86 back end lowers to
// pmaddubsw when the update's reduction (pair.x) is vectorized atomically,
// overriding the associativity check (saturating addition is not
// associative, but each product is added once).
struct Int8PairSums {
    Halide::Func pair_sum{"pair_sum"};  // int16 (j, col, rest...)
    Halide::Var j{"pair_j"};
    Halide::RDom pair;  // x: the two k of a pair
};

inline Int8PairSums int8_pair_sums(const Halide::Var &col, const std::vector<Halide::Var> &rest,
                                   const std::function<Halide::Expr(const Halide::Expr &)> &a,
                                   const std::function<Halide::Expr(const Halide::Expr &)> &b) {
    using namespace Halide;
    Int8PairSums p;
    p.pair = RDom(0, 2, "pair_k");
    std::vector<Expr> args{p.j, col};
    for (const Var &v : rest) args.push_back(v);
    Expr kk = 2 * p.j + p.pair.x;
    Expr ua = cast<uint8_t>(a(kk)) ^ cast<uint8_t>(0x80);
    p.pair_sum(args) = cast<int16_t>(0);
    p.pair_sum(args) = saturating_add(p.pair_sum(args), cast<int16_t>(ua) * cast<int16_t>(b(kk)));
    return p;
}

}  // namespace mobiq
