// gemm_int8: C(n, m) = sum_k (A(k, m) - za) * (B(k, n) - zb(n)) + bias(n),
// then optionally requantized to int8 (docs/arithmetic.md, "GEMM").
//
// A (lhs) is int8 (k, m), k innermost: an im2col row per output pixel, or the
// NHWC activations themselves for 1x1 convolutions. K must be a multiple of 4
// (the packer pads; see docs/arithmetic.md, "Padding K").
// B (rhs) is int8 pre-packed as (k % 4, n, k / 4): 4 consecutive k of a column
// are adjacent, the layout every 4-deep int8 dot-product instruction wants.
// rhs_column_sum(n) = sum_k B(k, n) is computed once at packing time.
//
// The zero-point expansion
//   sum (a - za)(b - zb) = sum a*b - zb*sum a - za*sum b + K*za*zb
// puts za*sum b and K*za*zb in column_term (per column, no per-MAC work), and
// the only per-row term, zb*sum a, exists only in the weight_zero_point variant.
// unsigned_lhs computes sum (a + 128)*b and takes 128*sum b back in column_term,
// for dot-product instructions that are u8 x s8 (x86 vpdpbusd).
#include "Halide.h"
#include "arm_dot.h"
#include "gemm_int8.h"
#include "int8_output_stage.h"
#include "int8_pair_sums.h"
#include "residual_add.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class GemmInt8 : public Generator<GemmInt8> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<bool> weight_zero_point{"weight_zero_point", false};
    GeneratorParam<bool> requantize{"requantize", true};
    GeneratorParam<bool> unsigned_lhs{"unsigned_lhs", false};
    GeneratorParam<bool> use_arm_dot{"arm_dot", false};  // OpenCL only (generators/arm_dot.h)
    GeneratorParam<bool> residual_add{"residual_add", false};  // generators/residual_add.h
    // x86 AMX (tdpbssd, s8 x s8): the reduction as one dimension over K, the
    // accumulator an AMX tile copied to memory before the epilogue. Needs K % 64
    // == 0, N % 16 == 0, M >= 16 (the plan chooses it only then).
    GeneratorParam<bool> use_amx{"amx", false};
    // With amx: rhs tile-packed (1024, K/64, N/16) and the multiply the extern
    // 2 x 2-tile core (generators/extern/amx_tile_gemm.h, decision 33); M >= 32.
    GeneratorParam<bool> amx_tiles{"amx_tiles", false};
    // x86 AVX-512 VNNI: the multiply the extern core with the weights as the
    // unsigned operand, stored + 128 (generators/extern/vnni_u8w_gemm.h,
    // decision 53); N % 16 == 0.
    GeneratorParam<bool> u8_weights{"u8_weights", false};
    // With u8_weights: the multiply in Halide (the x86 schedule's 4 x 4 block)
    // instead of the extern core: vpdpbusd with the weights as the unsigned
    // operand and A broadcast from memory, no flip of A (xor + register
    // broadcast) in the inner loop (decision 53). The 128 x row sums as their
    // own dot-product stage against ones; K % 64 == 0.
    GeneratorParam<bool> u8w_halide{"u8w_halide", false};
    // x86 without VNNI: the 4-deep products as int16 pair sums (pmaddubsw),
    // exact for weights in [-64, 63] (generators/int8_pair_sums.h; decision 55).
    GeneratorParam<bool> weights7{"weights7", false};
    // One thread per call (CPU): the runtime runs calls on blocks of the problem in parallel.
    GeneratorParam<bool> serial{"serial", false};
    // gemmlowp (default) or fp32 (generators/int8_output_stage.h).
    GeneratorParam<mobiq::Requantization> requantization{"requantization", mobiq::Requantization::kGemmlowp,
                                                         mobiq::requantization_names()};
    // The layer shape the autoschedulers plan for (estimates: no hand schedule
    // reads them; tools/autoschedule and schedules/auto/apply.h do).
    GeneratorParam<int> est_m{"estimate_m", 784}, est_n{"estimate_n", 128}, est_k{"estimate_k", 1152};

    Input<Buffer<int8_t, 2>> lhs{"lhs"};
    Input<int32_t> lhs_zero_point{"lhs_zero_point"};
    Input<Buffer<int8_t, 3>> rhs{"rhs"};
    Input<Buffer<int32_t, 1>> rhs_column_sum{"rhs_column_sum"};
    Input<Buffer<int32_t, 1>> rhs_zero_point{"rhs_zero_point"};  // read only by the weight_zero_point variant
    Input<Buffer<int32_t, 1>> bias{"bias"};
    Input<Buffer<int32_t, 1>> multiplier{"multiplier"};          // read only by the requantize variant
    Input<Buffer<int32_t, 1>> shift{"shift"};
    Input<int32_t> output_zero_point{"output_zero_point"};
    Input<int32_t> output_min{"output_min"};
    Input<int32_t> output_max{"output_max"};

    void configure() {
        if (residual_add) fused_.add_inputs(this);
        output_ = add_output<Buffer<void, 2>>("output", requantize ? Int(8) : Int(32));
    }

    void generate() {
        mobiq::GemmInt8Stages s;
        Var n = s.n, m = s.m;
        Expr K = lhs.dim(0).extent();
        Expr groups = rhs.dim(2).extent();

        // With arm_dot the 4 k of a group are one call, and k.x has extent 1
        // (kept so that every schedule sees the same loop structure).
        if (use_amx) s.k = RDom(0, K, "k");
        else if (weights7) s.k = RDom(0, 2, 0, groups, "k");  // k.x: the pair of a group
        else s.k = RDom(0, use_arm_dot ? 1 : 4, 0, groups, "k");
        RVar kk = s.k.x, kg = use_amx ? s.k.x : s.k.y;
        if (amx_tiles) {
            s.dot.define_extern("mobiq_amx_tile_gemm_s8", {lhs, rhs}, Int(32), {n, m}, NameMangling::C);
        } else if (u8_weights && u8w_halide) {
            s.dot(n, m) = 0;
            Expr a = lhs(4 * kg + kk, m);
            s.dot(n, m) += cast<int32_t>(reinterpret(UInt(8), rhs(kk, n, kg))) * cast<int32_t>(a);
        } else if (weights7) {
            Var g("g");
            s.pairs = mobiq::int8_pair_sums(
                n, {g, m}, [&](const Expr &kk) { return lhs(4 * g + kk, m); },
                [&](const Expr &kk) { return rhs(kk, n, g); });
            s.dot(n, m) = 0;
            s.dot(n, m) += cast<int32_t>(s.pairs.pair_sum(s.k.x, n, s.k.y, m));
        } else if (u8_weights) {
            s.dot.define_extern("mobiq_vnni_u8w_gemm", {lhs, rhs}, Int(32), {n, m}, NameMangling::C);
        } else {
            s.dot(n, m) = 0;
            if (use_amx) {
                s.dot(n, m) += cast<int32_t>(lhs(s.k.x, m)) * cast<int32_t>(rhs(s.k.x % 4, n, s.k.x / 4));
            } else if (use_arm_dot) {
                std::vector<Expr> a4, b4;
                for (int i = 0; i < 4; i++) {
                    a4.push_back(lhs(4 * kg + i, m));
                    b4.push_back(rhs(i, n, kg));
                }
                s.dot(n, m) += mobiq::arm_dot(a4, b4);
            } else {
                Expr a = lhs(4 * kg + kk, m);
                s.dot(n, m) += mobiq::int8_dot_operand(a, unsigned_lhs) * cast<int32_t>(rhs(kk, n, kg));
            }
        }
        s.column_term(n) = mobiq::int8_column_term(bias(n), rhs_column_sum(n), rhs_zero_point(n), lhs_zero_point, K,
                                                   weight_zero_point, unsigned_lhs);

        s.amx = use_amx;
        s.amx_tiles = amx_tiles;
        s.u8_weights = u8_weights && !u8w_halide;
        if (use_amx && !amx_tiles) s.dot_copy = s.dot.in();
        Expr acc = (use_amx && !amx_tiles ? s.dot_copy(n, m) : s.dot(n, m)) + s.column_term(n);
        if (weight_zero_point) {
            s.row_k = RDom(0, K, "row_k");
            s.row_sum(m) = 0;
            s.row_sum(m) += cast<int32_t>(lhs(s.row_k, m));
            acc -= rhs_zero_point(n) * s.row_sum(m);
        } else if (u8_weights && u8w_halide) {
            // 128 * sum_k a(k, m) taken back per row (the weights are stored + 128).
            // The sum as the multiply runs: 4 k per lane against a u8 one, 16
            // lanes per 64 k (one vpdpbusd), the lanes added once per row. `one`
            // is 1 at run time (output_min <= output_max is required) but not to
            // the simplifier, which would drop a constant factor of 1.
            Expr one = cast<uint8_t>(output_min <= output_max);
            s.row_lane_k = RDom(0, 4, 0, K / 64, "row_lane_k");
            s.row_sum_lanes(s.lane, m) = 0;
            s.row_sum_lanes(s.lane, m) +=
                cast<int32_t>(one) * cast<int32_t>(lhs(64 * s.row_lane_k.y + 4 * s.lane + s.row_lane_k.x, m));
            s.row_k = RDom(0, 16, "row_k");
            s.row_sum(m) = 0;
            s.row_sum(m) += s.row_sum_lanes(s.row_k, m);
            acc -= 128 * s.row_sum(m);
            add_requirement(K % 64 == 0, "gemm_int8 (u8_weights): K (", K, ") must be a multiple of 64");
        }

        auto &out = *output_;
        if (requantize) {
            const bool fp32 = requantization == mobiq::Requantization::kFp32;
            Expr y = mobiq::requantize_epilogue_i32(s.channel_requant, n, requantization, get_target(), acc, multiplier(n),
                                                    shift(n), output_zero_point, output_min, output_max);
            out(n, m) = residual_add ? fused_.apply(y, output_zero_point, {n, m}, fp32, get_target()) : cast<int8_t>(y);
        } else {
            out(n, m) = acc;
        }

        if (amx_tiles) {
            _halide_user_assert(use_amx) << "gemm_int8: amx_tiles is a form of the amx variant";
            add_requirement(rhs.dim(0).extent() == 1024, "gemm_int8 (amx_tiles): rhs must be tile-packed (1024, K/64, N/16)");
            add_requirement(K == 64 * rhs.dim(1).extent(), "gemm_int8 (amx_tiles): lhs K (", K, ") != 64 * rhs K tiles");
            add_requirement(out.dim(0).extent() == 16 * rhs.dim(2).extent(), "gemm_int8 (amx_tiles): N != 16 * rhs column tiles");
        } else {
            add_requirement(rhs.dim(0).extent() == 4, "gemm_int8: rhs must be packed as (4, N, K/4)");
            add_requirement(K == 4 * groups, "gemm_int8: lhs K (", K, ") != 4 * rhs groups (", groups, "); pad K to a multiple of 4");
        }
        add_requirement(output_min <= output_max, "gemm_int8: output_min > output_max");
        _halide_user_assert(!residual_add || requantize) << "gemm_int8: a fused residual add needs requantize=true";
        _halide_user_assert(!use_amx || (!unsigned_lhs && !use_arm_dot && !weight_zero_point &&
                                         get_target().has_feature(Target::AVX512_SapphireRapids)))
            << "gemm_int8: amx is the x86 AMX variant (s8 x s8, symmetric weights)";
        if (use_amx) {
            add_requirement(K % 64 == 0, "gemm_int8 (amx): K (", K, ") must be a multiple of 64");
            add_requirement(out.dim(0).extent() % 16 == 0, "gemm_int8 (amx): N must be a multiple of 16");
            // The 2 x 2-tile core configures tiles of fewer rows itself; Halide's one-tile kernel needs 16.
            if (!amx_tiles) add_requirement(out.dim(1).extent() >= 16, "gemm_int8 (amx): M must be at least 16");
        }
        if (weights7) {
            _halide_user_assert(unsigned_lhs && !use_amx && !use_arm_dot && !u8_weights && !get_target().has_gpu_feature())
                << "gemm_int8: weights7 is an x86 u8 x s8 variant (unsigned_lhs=true, CPU)";
        }
        if (u8_weights) {
            _halide_user_assert(!unsigned_lhs && !use_amx && !use_arm_dot && !weight_zero_point &&
                                get_target().has_feature(Target::AVX512))
                << "gemm_int8: u8_weights is an x86 AVX-512 VNNI variant (signed A, symmetric weights)";
            add_requirement(out.dim(0).extent() % 16 == 0, "gemm_int8 (u8_weights): N (", out.dim(0).extent(),
                            ") must be a multiple of 16");
        }
        if (residual_add) {
            fused_.require(this);
            fused_.residual->set_estimates({{0, est_n}, {0, est_m}});
        }
        _halide_user_assert(!use_arm_dot || (!unsigned_lhs && get_target().has_gpu_feature()))
            << "gemm_int8: arm_dot is an OpenCL int8 x int8 variant";

        // Dense layouts: vector loads of 4 k for a row and of 4 k x n for the packed rhs.
        lhs.dim(0).set_min(0).set_stride(1);
        if (amx_tiles) {
            rhs.dim(0).set_min(0).set_extent(1024).set_stride(1);
            rhs.dim(1).set_min(0).set_stride(1024);
            rhs.dim(2).set_min(0);
        } else {
            rhs.dim(0).set_min(0).set_extent(4).set_stride(1);
            rhs.dim(1).set_min(0).set_stride(4);
            rhs.dim(2).set_min(0);
        }
        out.dim(0).set_min(0).set_stride(1);
        out.dim(1).set_min(0);

        lhs.set_estimates({{0, est_k}, {0, est_m}});
        if (amx_tiles) rhs.set_estimates({{0, 1024}, {0, est_k / 64}, {0, est_n / 16}});
        else rhs.set_estimates({{0, 4}, {0, est_n}, {0, est_k / 4}});
        for (auto *b : {&rhs_column_sum, &rhs_zero_point, &bias, &multiplier, &shift}) b->set_estimates({{0, est_n}});
        out.set_estimates({{0, est_n}, {0, est_m}});
        for (auto *p : {&lhs_zero_point, &output_zero_point}) p->set_estimate(0);
        output_min.set_estimate(-128);
        output_max.set_estimate(127);

        s.output = out;
        s.N = out.dim(0).extent();
        s.M = out.dim(1).extent();
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::GemmInt8Stages>::apply(schedule_family, s, get_target());
    }

private:
    Output<Buffer<void, 2>> *output_ = nullptr;
    mobiq::ResidualAddInt8<2> fused_;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(GemmInt8, gemm_int8)
