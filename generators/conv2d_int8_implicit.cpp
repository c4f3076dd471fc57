// conv2d_int8_implicit: NHWC int8 convolution as an implicit GEMM, with no
// im2col buffer: each output pixel's receptive field is read straight from
// the input. Same arithmetic, weights and variants as gemm_int8
// (docs/arithmetic.md), with k = c + C * (kx + KW * ky).
//
// The input is already padded (the runtime writes the previous layer's output
// into a buffer with a border holding the input zero point), so there are no
// bounds checks in the inner loop: output (ox, oy) reads input
// (ox * stride_x + kx, oy * stride_y + ky). C must be a multiple of 4 (every
// layer but the first of the three networks; the first uses im2col).
//
// amx_tiles (x86 AMX, decision 37): the multiply is the extern 2 x 2-tile core
// reading the padded input itself (generators/extern/amx_tile_gemm.h), on
// weights tile-packed as for gemm_int8's amx_tiles; stride 1, C % 64 == 0,
// symmetric weights; the epilogue is this generator's. amx_kernel_rows (with
// amx_tiles): any stride, inputs whose kernel row of kernel_w * C bytes is at
// most 64 bytes or a multiple of 64 (the stems: C = 4 stored channels), one k
// tile per kernel row, one tile-core call per output row
// (mobiq_amx_tile_conv_rows_s8).
#include "Halide.h"
#include "arm_dot.h"
#include "layouts.h"
#include "conv2d_implicit.h"
#include "int8_output_stage.h"
#include "residual_add.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class Conv2dInt8Implicit : public Generator<Conv2dInt8Implicit> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<bool> weight_zero_point{"weight_zero_point", false};
    GeneratorParam<bool> requantize{"requantize", true};
    GeneratorParam<bool> unsigned_lhs{"unsigned_lhs", false};
    GeneratorParam<bool> use_arm_dot{"arm_dot", false};  // OpenCL only (generators/arm_dot.h)
    GeneratorParam<bool> residual_add{"residual_add", false};  // generators/residual_add.h
    GeneratorParam<bool> use_amx{"amx", false};
    // x86 without VNNI: int16 pair sums (pmaddubsw), exact for weights in
    // [-64, 63] (generators/int8_pair_sums.h; decision 55).
    GeneratorParam<bool> weights7{"weights7", false};
    GeneratorParam<bool> serial{"serial", false};  // CPU: one call per panel of channels (generators/conv2d_implicit.h)
    GeneratorParam<bool> amx_tiles{"amx_tiles", false};  // with amx: rhs (1024, K/64, C_out/16)
    // with amx_tiles: rhs (16 k_bytes, KH * ceil(KW C / 64), C_out / 16), k_bytes = min(KW C, 64)
    GeneratorParam<bool> amx_kernel_rows{"amx_kernel_rows", false};
    // gemmlowp (default) or fp32 (generators/int8_output_stage.h).
    GeneratorParam<mobiq::Requantization> requantization{"requantization", mobiq::Requantization::kGemmlowp,
                                                         mobiq::requantization_names()};
    // The layer shape the autoschedulers plan for (estimates: no hand schedule
    // reads them; tools/autoschedule and schedules/auto/apply.h do).
    GeneratorParam<int> est_cin{"estimate_cin", 128}, est_cout{"estimate_cout", 128};
    GeneratorParam<int> est_out{"estimate_out", 28};  // output width = height
    GeneratorParam<int> est_kernel{"estimate_kernel", 3}, est_stride{"estimate_stride", 1};

    Input<Buffer<int8_t, 4>> input{"input"};  // (c, x, y, n), padded
    Input<int32_t> input_zero_point{"input_zero_point"};
    Input<Buffer<int8_t, 3>> rhs{"rhs"};      // packed (4, C_out, K / 4); amx_tiles: (1024, K / 64, C_out / 16)
    Input<Buffer<int32_t, 1>> rhs_column_sum{"rhs_column_sum"};
    Input<Buffer<int32_t, 1>> rhs_zero_point{"rhs_zero_point"};
    Input<Buffer<int32_t, 1>> bias{"bias"};
    Input<Buffer<int32_t, 1>> multiplier{"multiplier"};
    Input<Buffer<int32_t, 1>> shift{"shift"};
    Input<int32_t> output_zero_point{"output_zero_point"};
    Input<int32_t> output_min{"output_min"};
    Input<int32_t> output_max{"output_max"};
    Input<int32_t> kernel_w{"kernel_w"}, kernel_h{"kernel_h"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};

    void configure() {
        if (residual_add) fused_.add_inputs(this);
        output_ = add_output<Buffer<void, 4>>("output", requantize ? Int(8) : Int(32));
    }

    void generate() {
        mobiq::Conv2dImplicitStages s;
        Var co = s.co, ox = s.ox, oy = s.oy, n = s.n;
        Expr C = input.dim(0).extent();
        Expr groups_per_tap = C / 4;
        Expr K = C * kernel_w * kernel_h;

        // With arm_dot the 4 channels of a group are one call and ci has extent 1.
        // With weights7 r[0] is the pair of a group (two channels each).
        s.r = RDom({{0, use_arm_dot ? 1 : weights7 ? 2 : 4}, {0, groups_per_tap}, {0, kernel_w}, {0, kernel_h}}, "r");
        RVar ci = s.r[0], cg = s.r[1], kx = s.r[2], ky = s.r[3];
        Expr group = cg + groups_per_tap * (kx + kernel_w * ky);
        if (amx_tiles && amx_kernel_rows) {
            s.amx_dot.define_extern("mobiq_amx_tile_conv_rows_s8",
                                    {input, rhs, Expr(kernel_w), Expr(kernel_h), Expr(stride_x), Expr(stride_y),
                                     input.dim(1).extent(), input.dim(2).extent(), input.dim(3).extent()},
                                    Int(32), {co, ox, oy, n}, NameMangling::C);
            s.dot(co, ox, oy, n) = s.amx_dot(co, ox, oy, n);
        } else if (amx_tiles) {
            Var p("p");
            Expr sx = input.dim(1).stride();
            s.pixel_pitch = input.dim(2).stride() / sx;
            s.amx_dot.define_extern("mobiq_amx_tile_conv_s8",
                                    {input, rhs, Expr(kernel_w), Expr(kernel_h), input.dim(1).extent(),
                                     input.dim(2).extent(), input.dim(3).extent()},
                                    Int(32), {co, p}, NameMangling::C);
            s.dot(co, ox, oy, n) = s.amx_dot(co, ox + s.pixel_pitch * oy + (input.dim(3).stride() / sx) * n);
        } else if (weights7) {
            Var cgv("cgv"), kxv("kxv"), kyv("kyv");
            s.pairs = mobiq::int8_pair_sums(
                co, {cgv, kxv, kyv, ox, oy, n},
                [&](const Expr &kk) { return input(4 * cgv + kk, ox * stride_x + kxv, oy * stride_y + kyv, n); },
                [&](const Expr &kk) { return rhs(kk, co, cgv + groups_per_tap * (kxv + kernel_w * kyv)); });
            s.dot(co, ox, oy, n) = 0;
            s.dot(co, ox, oy, n) += cast<int32_t>(s.pairs.pair_sum(ci, co, cg, kx, ky, ox, oy, n));
        } else {
            s.dot(co, ox, oy, n) = 0;
            if (use_arm_dot) {
                std::vector<Expr> a4, b4;
                for (int i = 0; i < 4; i++) {
                    a4.push_back(input(4 * cg + i, ox * stride_x + kx, oy * stride_y + ky, n));
                    b4.push_back(rhs(i, co, group));
                }
                s.dot(co, ox, oy, n) += mobiq::arm_dot(a4, b4);
            } else {
                Expr a = input(4 * cg + ci, ox * stride_x + kx, oy * stride_y + ky, n);
                s.dot(co, ox, oy, n) += mobiq::int8_dot_operand(a, unsigned_lhs) * cast<int32_t>(rhs(ci, co, group));
            }
        }
        s.column_term(co) = mobiq::int8_column_term(bias(co), rhs_column_sum(co), rhs_zero_point(co), input_zero_point,
                                                    K, weight_zero_point, unsigned_lhs);
        Expr acc = s.dot(co, ox, oy, n) + s.column_term(co);
        if (weight_zero_point) {
            s.row_r = RDom({{0, C}, {0, kernel_w}, {0, kernel_h}}, "row_r");
            s.row_sum(ox, oy, n) = 0;
            s.row_sum(ox, oy, n) +=
                cast<int32_t>(input(s.row_r[0], ox * stride_x + s.row_r[1], oy * stride_y + s.row_r[2], n));
            acc -= rhs_zero_point(co) * s.row_sum(ox, oy, n);
        }
        auto &out = *output_;
        if (requantize) {
            const bool fp32 = requantization == mobiq::Requantization::kFp32;
            Expr y = mobiq::requantize_epilogue_i32(s.channel_requant, co, requantization, get_target(), acc,
                                                    multiplier(co), shift(co), output_zero_point, output_min, output_max);
            out(co, ox, oy, n) =
                residual_add ? fused_.apply(y, output_zero_point, {co, ox, oy, n}, fp32, get_target()) : cast<int8_t>(y);
        } else {
            out(co, ox, oy, n) = acc;
        }

        add_requirement(C % 4 == 0, "conv2d_int8_implicit: input channels (", C, ") must be a multiple of 4; use im2col");
        if (amx_tiles && amx_kernel_rows) s.pixel_pitch = out.dim(1).extent();  // a call per output row: the strip rule's pitch
        if (amx_tiles) {
            _halide_user_assert(use_amx && !unsigned_lhs && !use_arm_dot && !weight_zero_point &&
                                get_target().has_feature(Target::AVX512_SapphireRapids))
                << "conv2d_int8_implicit: amx_tiles is the x86 AMX variant (s8 x s8, symmetric weights)";
            if (amx_kernel_rows) {
                Expr row_bytes = C * kernel_w, k_bytes = min(row_bytes, 64);
                add_requirement(row_bytes <= 64 || row_bytes % 64 == 0, "conv2d_int8_implicit (amx_kernel_rows): ",
                                "a kernel row (kernel_w * C = ", row_bytes, " bytes) must be <= 64 or a multiple of 64");
                add_requirement(input.dim(1).stride() == C,
                                "conv2d_int8_implicit (amx_kernel_rows): input pixels must be C bytes apart");
                add_requirement(rhs.dim(0).extent() == 16 * k_bytes &&
                                    rhs.dim(1).extent() == kernel_h * ((row_bytes + 63) / 64),
                                "conv2d_int8_implicit (amx_kernel_rows): rhs must be packed by kernel rows "
                                "(16 k_bytes, KH * ceil(KW C / 64), C_out / 16)");
            } else {
                add_requirement(C % 64 == 0, "conv2d_int8_implicit (amx_tiles): input channels (", C,
                                ") must be a multiple of 64");
                add_requirement(stride_x == 1 && stride_y == 1, "conv2d_int8_implicit (amx_tiles): stride must be 1");
                add_requirement(rhs.dim(0).extent() == 1024 && rhs.dim(1).extent() * 64 == K,
                                "conv2d_int8_implicit (amx_tiles): rhs must be tile-packed (1024, K/64, C_out/16)");
            }
            add_requirement(out.dim(0).extent() == 16 * rhs.dim(2).extent(),
                            "conv2d_int8_implicit (amx_tiles): C_out != 16 * rhs column tiles");
            if (!amx_kernel_rows)
                add_requirement(input.dim(2).stride() % input.dim(1).stride() == 0 &&
                                    input.dim(3).stride() % input.dim(1).stride() == 0,
                                "conv2d_int8_implicit (amx_tiles): input rows must be whole pixels apart");
        } else {
            _halide_user_assert(!amx_kernel_rows) << "conv2d_int8_implicit: amx_kernel_rows needs amx_tiles";
            _halide_user_assert(!use_amx) << "conv2d_int8_implicit: amx needs amx_tiles";
            add_requirement(rhs.dim(2).extent() == groups_per_tap * kernel_w * kernel_h,
                            "conv2d_int8_implicit: packed weights have ", rhs.dim(2).extent(),
                            " groups, want C/4*KW*KH = ", groups_per_tap * kernel_w * kernel_h);
        }
        add_requirement(kernel_w > 0 && kernel_h > 0 && stride_x > 0 && stride_y > 0,
                        "conv2d_int8_implicit: kernel size and strides must be positive");
        add_requirement(output_min <= output_max, "conv2d_int8_implicit: output_min > output_max");
        _halide_user_assert(!residual_add || requantize)
            << "conv2d_int8_implicit: a fused residual add needs requantize=true";
        if (residual_add) {
            fused_.require(this);
            fused_.residual->set_estimates({{0, est_cout}, {0, est_out}, {0, est_out}, {0, 1}});
        }
        _halide_user_assert(!use_arm_dot || (!unsigned_lhs && get_target().has_gpu_feature()))
            << "conv2d_int8_implicit: arm_dot is an OpenCL int8 x int8 variant";
        _halide_user_assert(!weights7 || (unsigned_lhs && !use_amx && !use_arm_dot && !get_target().has_gpu_feature()))
            << "conv2d_int8_implicit: weights7 is an x86 u8 x s8 variant (unsigned_lhs=true, CPU)";

        mobiq::require_dense_from_zero(input, 4);
        if (amx_tiles && amx_kernel_rows) {
            rhs.dim(0).set_min(0).set_stride(1);
            rhs.dim(1).set_min(0);
        } else if (amx_tiles) {
            rhs.dim(0).set_min(0).set_stride(1);
            rhs.dim(1).set_min(0).set_stride(1024);
        } else {
            rhs.dim(0).set_min(0).set_extent(4).set_stride(1);
            rhs.dim(1).set_min(0).set_stride(4);
        }
        rhs.dim(2).set_min(0);
        mobiq::require_dense_from_zero(out, 4);
        const int in_extent = (est_out - 1) * est_stride + est_kernel;
        input.set_estimates({{0, est_cin}, {0, in_extent}, {0, in_extent}, {0, 1}});
        if (amx_tiles && amx_kernel_rows) rhs.set_estimates({{0, 16 * 4 * est_kernel}, {0, est_kernel}, {0, est_cout / 16}});
        else if (amx_tiles) rhs.set_estimates({{0, 1024}, {0, est_cin / 64 * est_kernel * est_kernel}, {0, est_cout / 16}});
        else rhs.set_estimates({{0, 4}, {0, est_cout}, {0, est_cin / 4 * est_kernel * est_kernel}});
        for (auto *b : {&rhs_column_sum, &rhs_zero_point, &bias, &multiplier, &shift}) b->set_estimates({{0, est_cout}});
        out.set_estimates({{0, est_cout}, {0, est_out}, {0, est_out}, {0, 1}});
        kernel_w.set_estimate(est_kernel);
        kernel_h.set_estimate(est_kernel);
        stride_x.set_estimate(est_stride);
        stride_y.set_estimate(est_stride);
        for (auto *p : {&input_zero_point, &output_zero_point}) p->set_estimate(0);
        output_min.set_estimate(-128);
        output_max.set_estimate(127);

        s.output = out;
        s.C_out = out.dim(0).extent();
        s.OW = out.dim(1).extent();
        s.OH = out.dim(2).extent();
        s.int8 = true;
        s.amx_tiles = amx_tiles;
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::Conv2dImplicitStages>::apply(schedule_family, s, get_target());
    }

private:
    Output<Buffer<void, 4>> *output_ = nullptr;
    mobiq::ResidualAddInt8<4> fused_;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Conv2dInt8Implicit, conv2d_int8_implicit)
