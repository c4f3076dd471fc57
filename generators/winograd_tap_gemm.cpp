// winograd_tap_gemm: every tap's Winograd-domain GEMM in one call,
//   M(n, m, t) = sum_k V(k, m, t) * U(k, n, t),
// the batched form of the per-tap gemm_int8 / gemm_int16 / gemm_fp32 calls of
// runtime/ops/conv_winograd.cpp, for GPUs, where 16 (36) launches of small
// GEMMs leave the device mostly idle (docs/winograd.md, "NVIDIA H200").
//
// V (lhs) is the input transform's output seen as (k = channel, m = tile, t =
// tap), k dense; each tap's U (rhs) is packed as that tap's per-tap GEMM
// takes it: (k % 4, n, k / 4) int8, (k % 2, n, k / 2) int16, (1, n, k) float
// (gemm_fp32's (n, k) with a unit group); the taps stacked along dimension 3.
// No bias, zero points or clamp: the Winograd calls pass none (the int8
// variants' zero-point terms are in the output transform's bias; the GPU
// int8 GEMMs take signed operands, so no u8 shift either).
// Integer domains: products and sums in int32, wrapping (the plan's bounds,
// docs/arithmetic.md "Winograd", keep them exact). int8 with arm_dot=true
// (Mali G52 / G76): each group of 4 as one arm_dot (generators/arm_dot.h), the
// int8 dot product the paper's int6w4 method runs on.
#include "Halide.h"
#include "arm_dot.h"
#include "schedule_registry.h"
#include "winograd_tap_gemm.h"

namespace {

using namespace Halide;

enum class Domain { kInt8, kInt16, kFloat32 };

class WinogradTapGemm : public Generator<WinogradTapGemm> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "gpu"};
    GeneratorParam<Domain> domain{"domain", Domain::kInt8,
                                  {{"int8", Domain::kInt8}, {"int16", Domain::kInt16}, {"float32", Domain::kFloat32}}};
    GeneratorParam<bool> use_arm_dot{"arm_dot", false};  // int8 on OpenCL only

    void configure() {
        const Type in = domain == Domain::kFloat32 ? Float(32) : domain == Domain::kInt16 ? Int(16) : Int(8);
        lhs_ = add_input<Buffer<>>("lhs", in, 3);  // (k, m, t)
        rhs_ = add_input<Buffer<>>("rhs", in, 4);  // (k % g, n, k / g, t)
        output_ = add_output<Buffer<>>("output", domain == Domain::kFloat32 ? Float(32) : Int(32), 3);  // (n, m, t)
    }

    void generate() {
        const int g = domain == Domain::kInt8 ? 4 : domain == Domain::kInt16 ? 2 : 1;
        const bool fp = domain == Domain::kFloat32;
        mobiq::WinogradTapGemmStages s;
        s.fp32 = fp;
        Var n = s.n, m = s.m, t = s.t;
        auto &lhs = *lhs_;
        auto &rhs = *rhs_;
        auto &out = *output_;
        Expr K = lhs.dim(0).extent(), groups = rhs.dim(2).extent();
        _halide_user_assert(!use_arm_dot || domain == Domain::kInt8) << "winograd_tap_gemm: arm_dot is an int8 variant";
        // With arm_dot the 4 k of a group are one call and k.x has extent 1 (as in gemm_int8).
        s.k = RDom(0, use_arm_dot ? 1 : g, 0, groups, "k");
        const Type acc = fp ? Float(32) : Int(32);
        s.dot(n, m, t) = cast(acc, 0);
        if (use_arm_dot) {
            std::vector<Expr> a4, b4;
            for (int i = 0; i < 4; i++) {
                a4.push_back(lhs(4 * s.k.y + i, m, t));
                b4.push_back(rhs(i, n, s.k.y, t));
            }
            s.dot(n, m, t) += mobiq::arm_dot(a4, b4);
        } else {
            s.dot(n, m, t) += cast(acc, lhs(g * s.k.y + s.k.x, m, t)) * cast(acc, rhs(s.k.x, n, s.k.y, t));
        }
        out(n, m, t) = s.dot(n, m, t);

        add_requirement(rhs.dim(0).extent() == g, "winograd_tap_gemm: rhs must be packed in groups of ", g);
        add_requirement(K == g * groups, "winograd_tap_gemm: lhs K (", K, ") != ", g, " * rhs groups (", groups, ")");
        add_requirement(rhs.dim(3).extent() == lhs.dim(2).extent() && out.dim(2).extent() == lhs.dim(2).extent(),
                        "winograd_tap_gemm: lhs, rhs and output must have the same number of taps");
        lhs.dim(0).set_min(0).set_stride(1);
        rhs.dim(0).set_min(0).set_extent(g).set_stride(1);
        rhs.dim(1).set_min(0).set_stride(g);
        rhs.dim(2).set_min(0);
        rhs.dim(3).set_min(0);
        out.dim(0).set_min(0).set_stride(1);
        out.dim(1).set_min(0);
        out.dim(2).set_min(0);
        lhs.set_estimates({{0, 256}, {0, 196}, {0, 16}});
        rhs.set_estimates({{0, g}, {0, 256}, {0, 256 / g}, {0, 16}});
        out.set_estimates({{0, 256}, {0, 196}, {0, 16}});

        s.output = out;
        s.N = out.dim(0).extent();
        s.M = out.dim(1).extent();
        _halide_user_assert(get_target().has_gpu_feature())
            << "winograd_tap_gemm is a GPU kernel (the CPU runs the per-tap GEMMs, taps in parallel)";
        mobiq::ScheduleRegistry<mobiq::WinogradTapGemmStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *lhs_ = nullptr;
    Input<Buffer<>> *rhs_ = nullptr;
    Output<Buffer<>> *output_ = nullptr;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(WinogradTapGemm, winograd_tap_gemm)
