// gemm_fp32, the FP32 baseline: C(n, m) = clamp(sum_k A(k, m) * B(n, k) + bias(n), lo, hi).
// A (lhs) is (k, m), k innermost (im2col rows / NHWC pixels); B (rhs) is
// (n, k), n innermost, so a vector of outputs along n reads a dense row of B
// and one broadcast of A. The clamp fuses ReLU / ReLU6 (lo = -inf, hi = +inf: none).
#include "Halide.h"
#include "gemm_fp32.h"
#include "residual_add.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class GemmFp32 : public Generator<GemmFp32> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    // One thread per call (CPU): the runtime runs calls on blocks of the problem in parallel.
    GeneratorParam<bool> serial{"serial", false};
    GeneratorParam<bool> residual_add{"residual_add", false};  // generators/residual_add.h
    // > 0 (serial, CPU): K in chunks of this many rows of B, each chunk kept in
    // L1 across every row strip of the call (GemmFp32Stages::k_block).
    GeneratorParam<int> k_block{"k_block", 0};
    // x86 AVX-512 (serial): the multiply the extern core with B prefetched into
    // L1 (generators/extern/fp32_gemm_core.h, decision 48); N % 16 == 0.
    GeneratorParam<bool> avx512_core{"avx512_core", false};
    // The layer shape the autoschedulers plan for (estimates: no hand schedule
    // reads them; tools/autoschedule and schedules/auto/apply.h do).
    GeneratorParam<int> est_m{"estimate_m", 784}, est_n{"estimate_n", 128}, est_k{"estimate_k", 1152};

    Input<Buffer<float, 2>> lhs{"lhs"};
    Input<Buffer<float, 2>> rhs{"rhs"};
    Input<Buffer<float, 1>> bias{"bias"};
    Input<float> output_min{"output_min"};
    Input<float> output_max{"output_max"};
    Output<Buffer<float, 2>> output{"output"};

    void configure() {
        if (residual_add) fused_.add_inputs(this);
    }

    void generate() {
        mobiq::GemmFp32Stages s;
        Var n = s.n, m = s.m;
        Expr K = lhs.dim(0).extent();
        s.k = RDom(0, K, "k");
        if (avx512_core) {
            s.dot.define_extern("mobiq_fp32_gemm_avx512", {lhs, rhs}, Float(32), {n, m}, NameMangling::C);
            add_requirement(output.dim(0).extent() % 16 == 0, "gemm_fp32 avx512_core: N (", output.dim(0).extent(),
                            ") must be a multiple of 16");
        } else {
            s.dot(n, m) = 0.0f;
            s.dot(n, m) += lhs(s.k, m) * rhs(n, s.k);
        }
        Expr y = clamp(s.dot(n, m) + bias(n), output_min, output_max);
        output(n, m) = residual_add ? fused_.apply(y, {n, m}) : y;
        if (residual_add) {
            fused_.require();
            fused_.residual->set_estimates({{0, est_n}, {0, est_m}});
        }

        add_requirement(rhs.dim(1).extent() == K, "gemm_fp32: rhs K (", rhs.dim(1).extent(), ") != lhs K (", K, ")");

        lhs.dim(0).set_min(0).set_stride(1);
        rhs.dim(0).set_min(0).set_stride(1);
        rhs.dim(1).set_min(0);
        output.dim(0).set_min(0).set_stride(1);
        output.dim(1).set_min(0);
        lhs.set_estimates({{0, est_k}, {0, est_m}});
        rhs.set_estimates({{0, est_n}, {0, est_k}});
        bias.set_estimates({{0, est_n}});
        output.set_estimates({{0, est_n}, {0, est_m}});
        output_min.set_estimate(0.0f);
        output_max.set_estimate(6.0f);

        s.output = output;
        s.N = output.dim(0).extent();
        s.M = output.dim(1).extent();
        s.serial = serial;
        s.k_block = k_block;
        s.avx512_core = avx512_core;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        _halide_user_assert(k_block == 0 || serial) << "k_block is a variant of the serial (panel) GEMM";
        _halide_user_assert(!avx512_core || (serial && k_block == 0 && get_target().has_feature(Target::AVX512)))
            << "avx512_core is a serial variant for AVX-512 targets";
        mobiq::ScheduleRegistry<mobiq::GemmFp32Stages>::apply(schedule_family, s, get_target());
    }

private:
    mobiq::ResidualAddFp32<2> fused_;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(GemmFp32, gemm_fp32)
