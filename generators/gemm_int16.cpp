// gemm_int16: C(n, m) = sum_k A(k, m) * B(k, n) + bias(n) in int32, with int16
// operands: the Winograd-domain GEMMs of the exact int16 Winograd variant
// (docs/arithmetic.md, "Winograd"), one call per tap.
//
// A (lhs) is int16 (k, m), k innermost; K must be even. B (rhs) is int16
// pre-packed as (k % 2, n, k / 2): the 2 k of a column adjacent, the layout of
// the 2-deep int16 dot products (x86 vpmaddwd / vpdpwssd, arm64 smlal pairs).
// Products and sums wrap in 32 bits (the bound on K is the plan's,
// docs/arithmetic.md). The algorithm and stages are gemm_int8's with a 2-deep
// inner reduction, so every family's gemm_int8 schedule schedules it too.
#include "Halide.h"
#include "gemm_int8.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class GemmInt16 : public Generator<GemmInt16> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    // One thread per call (CPU): the runtime runs calls on blocks of the problem in parallel.
    GeneratorParam<bool> serial{"serial", false};

    Input<Buffer<int16_t, 2>> lhs{"lhs"};
    Input<Buffer<int16_t, 3>> rhs{"rhs"};
    Input<Buffer<int32_t, 1>> bias{"bias"};
    Output<Buffer<int32_t, 2>> output{"output"};

    void generate() {
        mobiq::GemmInt8Stages s;
        Var n = s.n, m = s.m;
        Expr K = lhs.dim(0).extent();
        Expr groups = rhs.dim(2).extent();
        s.k = RDom(0, 2, 0, groups, "k");
        RVar kk = s.k.x, kg = s.k.y;
        s.dot(n, m) = 0;
        s.dot(n, m) += cast<int32_t>(lhs(2 * kg + kk, m)) * cast<int32_t>(rhs(kk, n, kg));
        s.column_term(n) = bias(n);
        output(n, m) = s.dot(n, m) + s.column_term(n);

        add_requirement(rhs.dim(0).extent() == 2, "gemm_int16: rhs must be packed as (2, N, K/2)");
        add_requirement(K == 2 * groups, "gemm_int16: lhs K (", K, ") != 2 * rhs groups (", groups, ")");
        lhs.dim(0).set_min(0).set_stride(1);
        rhs.dim(0).set_min(0).set_extent(2).set_stride(1);
        rhs.dim(1).set_min(0).set_stride(2);
        rhs.dim(2).set_min(0);
        output.dim(0).set_min(0).set_stride(1);
        output.dim(1).set_min(0);
        lhs.set_estimates({{0, 256}, {0, 784}});
        rhs.set_estimates({{0, 2}, {0, 256}, {0, 128}});
        bias.set_estimates({{0, 256}});
        output.set_estimates({{0, 256}, {0, 784}});

        s.output = output;
        s.N = output.dim(0).extent();
        s.M = output.dim(1).extent();
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::GemmInt8Stages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(GemmInt16, gemm_int16)
