// Convolutions against the scalar reference convolution, per family, on the
// real layers of ResNet50, MobileNet-v1 and VGG16 (test-sized, see
// network_layers.h) and edge cases:
//  - im2col + gemm_int8 (the paper's GEMM method), every input channel count;
//  - conv2d_int8_implicit (no im2col buffer), Cin a multiple of 4;
//  - the FP32 counterparts (im2col + gemm_fp32, conv2d_fp32_implicit).
// int8: bit-exact; fp32: the tolerance of docs/arithmetic.md.
#include <cmath>
#include <limits>
#include <random>

#include "amx_rhs.h"
#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "mobiq/cpu_level.h"
#include "mobiq/im2col_gemm.h"
#include "mobiq/gemm_weights.h"
#include "network_layers.h"
#include "padded_input.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

Im2colGeometry geometry(const ref::ConvShape &s) {
    return {s.cin, s.kh, s.kw, s.stride, s.stride, s.pad, s.pad, s.out_w(), s.out_h(), 1};
}

struct Int8Case {
    bool asym_weights;
    bool implicit;
    bool weights7 = false;  // weights in [-64, 63], the weights7 rows (decision 55)
};

class Conv2d : public testing::TestWithParam<KernelSet> {
protected:
    void run_int8(const ref::ConvShape &s, const Int8Case &cs, uint32_t seed) {
        SCOPED_TRACE("H=" + std::to_string(s.h) + " W=" + std::to_string(s.w) + " Cin=" + std::to_string(s.cin) +
                     " Cout=" + std::to_string(s.cout) + " k=" + std::to_string(s.kh) + "x" + std::to_string(s.kw) +
                     " s=" + std::to_string(s.stride) + " p=" + std::to_string(s.pad));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int K = s.k(), N = s.cout, OH = s.out_h(), OW = s.out_w(), M = OH * OW;
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * s.cin), w(static_cast<size_t>(N) * K);
        for (auto &v : x) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : w)
            v = static_cast<int8_t>(cs.asym_weights ? uni(-128, 127) : cs.weights7 ? uni(-64, 63) : uni(-127, 127));
        const int32_t zx = uni(-128, 127);
        std::vector<int32_t> zw(N), bias(N);
        for (auto &z : zw) z = cs.asym_weights ? uni(-100, 100) : 0;
        for (auto &b : bias) b = uni(-50000, 50000);
        ref::Requantization rq;
        for (int j = 0; j < N; j++) {
            int32_t m;
            int sh;
            ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(1e-5), std::log(1e-2))(rng)), &m, &sh);
            rq.multiplier.push_back(m);
            rq.shift.push_back(sh);
        }
        rq.output_zero_point = uni(-20, 20);
        rq.output_min = rq.output_zero_point;  // fused ReLU
        const auto want_acc = ref::conv2d_int8_acc(x, zx, w, zw, bias, s);

        PackedGemmInt8Weights packed;
        ASSERT_TRUE(pack_gemm_int8_weights(w.data(), K, N, zw.data(), N, &packed).is_ok());
        std::vector<int8_t> rhs_data = packed.data;
        std::vector<int32_t> colsum = packed.column_sum, mult = rq.multiplier, shift = rq.shift;
        Buffer<int8_t> rhs(rhs_data.data(), 4, N, packed.k_padded / 4);
        Buffer<int32_t> colsum_b(colsum.data(), N), zw_b(zw.data(), N), bias_b(bias.data(), N), mult_b(mult.data(), N),
            shift_b(shift.data(), N);
        for (auto *b : {&colsum_b, &zw_b, &bias_b, &mult_b, &shift_b}) host_dirty(*b);
        host_dirty(rhs);
        const KernelSet &set = GetParam();
        Buffer<int8_t> out(N, OW, OH, 1);
        auto check = [&] {
            to_host(out);
            int bad = 0;
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int co = 0; co < N; co++) {
                        const int want = rq.apply(want_acc[(static_cast<size_t>(oy) * OW + ox) * N + co], co);
                        if (out(co, ox, oy, 0) != want && bad++ < 5)
                            ADD_FAILURE() << "at (co=" << co << ", x=" << ox << ", y=" << oy << "): got "
                                          << int(out(co, ox, oy, 0)) << ", want " << want;
                    }
            EXPECT_EQ(bad, 0);
        };
        const char *variant = cs.asym_weights ? "weight_zero_point=true,requantize=true"
                              : cs.weights7   ? "weight_zero_point=false,requantize=true,weights7=true"
                                              : "weight_zero_point=false,requantize=true";
        if (cs.implicit) {
            Buffer<int8_t> in = padded_input(x, s, static_cast<int8_t>(zx));
            host_dirty(in);
            for_each_variant<op::conv2d_int8_implicit>(set, variant, [&](const auto &conv) {
                rq.fp32 = fp32_requantization(conv);
                out.fill(-128);  // below output_min (a fused ReLU at the zero point): a pixel left unwritten fails
                host_dirty(out);
                ASSERT_EQ(conv(in, zx, rhs, colsum_b, zw_b, bias_b, mult_b, shift_b, rq.output_zero_point,
                               rq.output_min, rq.output_max, s.kw, s.kh, s.stride, s.stride, out),
                          0);
                check();
            });
        } else {
            Buffer<int8_t> in(x.data(), s.cin * s.w, s.h, 1);
            Buffer<int8_t> lhs(packed.k_padded, M);
            lhs.fill(77);  // padding columns hold anything
            Buffer<int8_t> view = im2col_output_view(lhs, geometry(s));
            host_dirty(in);
            ASSERT_EQ(run_im2col(base_kernel<op::im2col>(set, "element_type=int8"), geometry(s), zx, in, view), 0);
            to_host(view);
            host_dirty(lhs);
            for_each_variant<op::gemm_int8>(set, variant, [&](const auto &gemm) {
                rq.fp32 = fp32_requantization(gemm);
                Buffer<int8_t> out2(out.data(), N, M);
                ASSERT_EQ(gemm(lhs, zx, rhs, colsum_b, zw_b, bias_b, mult_b, shift_b, rq.output_zero_point,
                               rq.output_min, rq.output_max, out2),
                          0);
                to_host(out2);
                out.set_host_dirty(false);
                check();
            });
        }
    }

    void run_fp32(const ref::ConvShape &s, bool implicit, uint32_t seed) {
        SCOPED_TRACE("Cin=" + std::to_string(s.cin) + " Cout=" + std::to_string(s.cout) + " k=" + std::to_string(s.kh) +
                     " s=" + std::to_string(s.stride) + " H=" + std::to_string(s.h));
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const int K = s.k(), N = s.cout, OH = s.out_h(), OW = s.out_w(), M = OH * OW;
        std::vector<float> x(static_cast<size_t>(s.h) * s.w * s.cin), w(static_cast<size_t>(N) * K), bias(N);
        for (auto &v : x) v = d(rng);
        for (auto &v : w) v = d(rng) / std::sqrt(static_cast<float>(K));
        for (auto &v : bias) v = d(rng);
        const float lo = 0.0f, hi = 6.0f;  // ReLU6
        const auto want = ref::conv2d_fp32(x, w, bias, lo, hi, s);
        std::vector<float> packed;
        ASSERT_TRUE(pack_gemm_fp32_weights(w.data(), K, N, &packed).is_ok());
        Buffer<float> rhs(packed.data(), N, K), bias_b(bias.data(), N), out(N, OW, OH, 1);
        host_dirty(rhs);
        host_dirty(bias_b);
        const KernelSet &set = GetParam();
        auto check = [&](NumericContract contract) {
            to_host(out);
            int bad = 0;
            // fp32 contract: 1e-5 x the sum of |products| bounds; products here are ~N(0, 1/K) each.
            const double tol =
                contract == NumericContract::kExact ? 0.0 : 1e-5 * (std::sqrt(static_cast<double>(K)) * 4 + 4);
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int co = 0; co < N; co++) {
                        const float g = out(co, ox, oy, 0), e = want[(static_cast<size_t>(oy) * OW + ox) * N + co];
                        if (std::fabs(g - e) > tol && bad++ < 5)
                            ADD_FAILURE() << "at (co=" << co << ", x=" << ox << ", y=" << oy << "): got " << g
                                          << ", want " << e;
                    }
            EXPECT_EQ(bad, 0);
        };
        if (implicit) {
            Buffer<float> in = padded_input(x, s, 0.0f);
            host_dirty(in);
            for_each_variant<op::conv2d_fp32_implicit>(set, "", [&](const auto &conv) {
                out.fill(std::numeric_limits<float>::quiet_NaN());  // a pixel left unwritten fails
                host_dirty(out);
                ASSERT_EQ(conv(in, rhs, bias_b, lo, hi, s.kw, s.kh, s.stride, s.stride, out), 0);
                check(conv.row->contract);
            });
        } else {
            Buffer<float> in(x.data(), s.cin * s.w, s.h, 1);
            Buffer<float> lhs(K, M);
            Buffer<float> view = im2col_output_view(lhs, geometry(s));
            host_dirty(in);
            ASSERT_EQ(run_im2col(base_kernel<op::im2col>(set, "element_type=float32"), geometry(s), 0, in, view), 0);
            to_host(view);
            host_dirty(lhs);
            for_each_variant<op::gemm_fp32>(set, "", [&](const auto &gemm) {
                Buffer<float> out2(out.data(), N, M);
                ASSERT_EQ(gemm(lhs, rhs, bias_b, lo, hi, out2), 0);
                to_host(out2);
                out.set_host_dirty(false);
                check(gemm.row->contract);
            });
        }
    }
};

TEST_P(Conv2d, Int8Im2colGemmNetworkLayers) {
    uint32_t seed = 1;
    for (const auto &l : network_conv_layers()) run_int8(test_sized(l.shape), {false, false}, seed++);
}
TEST_P(Conv2d, Int8Im2colGemmAsymWeights) {
    uint32_t seed = 100;
    for (const auto &s : edge_conv_shapes()) run_int8(s, {true, false}, seed++);
    run_int8(test_sized(network_conv_layers()[0].shape), {true, false}, seed++);
}
TEST_P(Conv2d, Int8ImplicitNetworkLayers) {
    uint32_t seed = 200;
    for (const auto &l : network_conv_layers())
        if (l.shape.cin % 4 == 0) run_int8(test_sized(l.shape), {false, true}, seed++);
}
TEST_P(Conv2d, Int8ImplicitAsymWeights) {
    uint32_t seed = 300;
    for (const auto &s : edge_conv_shapes()) run_int8(s, {true, true}, seed++);
    run_int8(test_sized(network_conv_layers()[2].shape), {true, true}, seed++);
}
TEST_P(Conv2d, Int8EdgeShapes) {
    uint32_t seed = 400;
    for (const auto &s : edge_conv_shapes()) {
        run_int8(s, {false, false}, seed++);
        run_int8(s, {false, true}, seed++);
    }
}
// The weights7 rows (x86 without VNNI: pmaddubsw pair sums) on 7-bit weights.
TEST_P(Conv2d, Weights7NetworkLayers) {
    if (kernels_with<op::conv2d_int8_implicit>(GetParam(), "weights7=true").empty())
        GTEST_SKIP() << "no weights7 kernels on " << GetParam().name << " (x86 CPU sets only)";
    uint32_t seed = 500;
    for (const auto &l : network_conv_layers()) {
        run_int8(test_sized(l.shape), {false, false, true}, seed++);
        if (l.shape.cin % 4 == 0) run_int8(test_sized(l.shape), {false, true, true}, seed++);
    }
    for (const auto &sh : edge_conv_shapes()) {
        run_int8(sh, {false, false, true}, seed++);
        run_int8(sh, {false, true, true}, seed++);
    }
}
TEST_P(Conv2d, Fp32Im2colGemmNetworkLayers) {
    uint32_t seed = 500;
    for (const auto &l : network_conv_layers()) run_fp32(test_sized(l.shape), false, seed++);
}
TEST_P(Conv2d, Fp32DirectNetworkLayers) {
    uint32_t seed = 600;
    for (const auto &l : network_conv_layers()) run_fp32(test_sized(l.shape), true, seed++);
    for (const auto &s : edge_conv_shapes()) run_fp32(s, true, seed++);
}
// Output widths a register block of 7 pixels divides (x86 AVX-512: where
// blocks of 6 would recompute over 10 % of a row; schedules/common/cpu_conv.h),
// with and without whole channel blocks, 1x1 and 3x3, strides 1 and 2; and
// widths next to them that keep the blocks of 6.
TEST_P(Conv2d, Fp32DirectOutputWidths) {
    uint32_t seed = 700;
    for (const ref::ConvShape &s : {ref::ConvShape{14, 14, 64, 64, 1, 1, 1, 0}, ref::ConvShape{7, 7, 96, 48, 1, 1, 1, 0},
                                    ref::ConvShape{14, 14, 32, 80, 3, 3, 1, 1}, ref::ConvShape{15, 15, 16, 32, 3, 3, 2, 1},
                                    ref::ConvShape{21, 21, 8, 40, 1, 1, 1, 0}, ref::ConvShape{28, 28, 16, 64, 3, 3, 1, 1},
                                    ref::ConvShape{13, 13, 16, 64, 3, 3, 1, 1}, ref::ConvShape{7, 7, 16, 16, 3, 3, 1, 1}})
        run_fp32(s, true, seed++);
}

// INT8 output widths a 2 x 2-pixel block divides where the 4-pixel blocks
// would recompute some (x86 AVX-512: 14 x 14 outputs; schedules/common/cpu_conv.h),
// with an odd height (the 4-pixel blocks again), channel tails, 1x1 and 3x3,
// strides 1 and 2; every variant of the op (serial ones too).
TEST_P(Conv2d, Int8ImplicitOutputWidths) {
    uint32_t seed = 800;
    for (const ref::ConvShape &s : {ref::ConvShape{14, 14, 64, 64, 3, 3, 1, 1}, ref::ConvShape{14, 14, 32, 80, 1, 1, 1, 0},
                                    ref::ConvShape{6, 6, 16, 128, 3, 3, 1, 1}, ref::ConvShape{13, 14, 16, 64, 3, 3, 1, 1},
                                    ref::ConvShape{27, 27, 16, 64, 3, 3, 2, 1}, ref::ConvShape{10, 10, 8, 48, 3, 3, 1, 1}})
        run_int8(s, {false, true}, seed++);
}

// The residual Add (+ ReLU) fused into the convolution (the *_add ops):
// equal to the convolution, requantized, then add_int8 with the residual, bit
// for bit; FP32 within the convolution's tolerance. Both the GEMM (1x1, the
// input as the operand) and the implicit kernel, every registered variant.
// The fused Add's kernels against the reference; weights7: 7-bit weights and
// the weights7 rows only (INT8).
void fused_residual_add(const KernelSet &set, bool weights7) {
    std::mt19937 rng(weights7 ? 78 : 77);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (const ref::ConvShape s : {ref::ConvShape{14, 14, 64, 256, 1, 1, 1, 0}, ref::ConvShape{9, 7, 32, 48, 3, 3, 1, 1},
                                   ref::ConvShape{8, 8, 16, 40, 1, 1, 2, 0}}) {
        SCOPED_TRACE("Cin=" + std::to_string(s.cin) + " Cout=" + std::to_string(s.cout) + " k=" + std::to_string(s.kh) +
                     " s=" + std::to_string(s.stride));
        const int K = s.k(), N = s.cout, OH = s.out_h(), OW = s.out_w(), M = OH * OW;
        std::vector<int8_t> x(size_t(s.h) * s.w * s.cin), w(size_t(N) * K), r(size_t(M) * N);
        for (auto &v : x) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : w) v = static_cast<int8_t>(weights7 ? uni(-64, 63) : uni(-127, 127));
        for (auto &v : r) v = static_cast<int8_t>(uni(-128, 127));
        const int32_t zx = uni(-20, 20);
        std::vector<int32_t> zw(N, 0), bias(N), mult(N), shift(N);
        for (auto &b : bias) b = uni(-30000, 30000);
        for (int j = 0; j < N; j++) {
            int32_t m;
            int sh;
            ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(1e-4), std::log(5e-3))(rng)),
                                     &m, &sh);
            mult[j] = m;
            shift[j] = sh;
        }
        const int32_t zo = uni(-10, 10);  // the convolution's own output (no clamp: Conv before the Add)
        const auto add = ref::make_add_params(0.05, zo, 0.03, uni(-30, 30), 0.06, -128, -128, 127);  // fused ReLU
        const auto acc = ref::conv2d_int8_acc(x, zx, w, zw, bias, s);
        ref::Requantization rq;
        rq.multiplier = mult;
        rq.shift = shift;
        rq.output_zero_point = zo;
        // Both requantizations' results; `want` is the one of the kernel under test.
        std::vector<int8_t> want_gemmlowp(acc.size()), want_fp32(acc.size());
        for (bool fp32 : {false, true}) {
            rq.fp32 = fp32;
            ref::AddParams ap = add;
            ap.fp32 = fp32;
            for (size_t i = 0; i < acc.size(); i++)
                (fp32 ? want_fp32 : want_gemmlowp)[i] =
                    ref::add_int8(static_cast<int8_t>(rq.apply(acc[i], static_cast<int>(i % N))), r[i], ap);
        }
        const std::vector<int8_t> *want_of = &want_gemmlowp;
        auto use = [&](bool fp32) { want_of = fp32 ? &want_fp32 : &want_gemmlowp; };

        PackedGemmInt8Weights packed;
        ASSERT_TRUE(pack_gemm_int8_weights(w.data(), K, N, zw.data(), N, &packed).is_ok());
        Buffer<int8_t> rhs(packed.data.data(), 4, N, packed.k_padded / 4);
        std::vector<int32_t> colsum = packed.column_sum;
        Buffer<int32_t> cb(colsum.data(), N), zb(zw.data(), N), bb(bias.data(), N), mb(mult.data(), N), sb(shift.data(), N);
        for (auto *b : {&cb, &zb, &bb, &mb, &sb}) host_dirty(*b);
        host_dirty(rhs);
        auto check = [&](const int8_t *got) {
            const std::vector<int8_t> &want = *want_of;
            int bad = 0;
            for (size_t i = 0; i < want.size(); i++)
                if (got[i] != want[i] && bad++ < 5) ADD_FAILURE() << "at " << i << ": got " << int(got[i]) << ", want " << int(want[i]);
            EXPECT_EQ(bad, 0);
        };
        const char *variant = weights7 ? "requantize=true,residual_add=true,weight_zero_point=false,weights7=true"
                                       : "requantize=true,residual_add=true,weight_zero_point=false";
        if (s.kh == 1 && s.stride == 1) {
            Buffer<int8_t> lhs(x.data(), s.cin, M), res(r.data(), N, M), out(N, M);
            host_dirty(lhs);
            host_dirty(res);
            for_each_variant<op::gemm_int8_add>(set, variant, [&](const auto &gemm) {
                use(fp32_requantization(gemm));
                ASSERT_EQ(gemm(lhs, zx, rhs, cb, zb, bb, mb, sb, zo, -128, 127, res, add.a_multiplier, add.a_shift,
                               add.b_zero_point, add.b_multiplier, add.b_shift, add.left_shift, add.output_multiplier,
                               add.output_shift, add.output_zero_point, add.output_min, add.output_max, out),
                          0);
                to_host(out);
                check(out.data());
            });
#if defined(MOBIQ_CPU_FAMILY_X86)
            // The AMX GEMM with the Add (K = 64, N = 256: shapes it takes), where this CPU can run it.
            if (set.name == "host_x86" && amx_usable() && !weights7) {
                for_each_variant<op::gemm_int8_amx_add>(set, variant, [&](const auto &amx) {
                    use(fp32_requantization(amx));
                    out.fill(0);
                    std::vector<int8_t> rhs_bytes;
                    Buffer<int8_t> amx_w = amx_rhs(amx, packed, &rhs_bytes);
                    ASSERT_EQ(amx(lhs, zx, amx_w, cb, zb, bb, mb, sb, zo, -128, 127, res, add.a_multiplier, add.a_shift,
                                  add.b_zero_point, add.b_multiplier, add.b_shift, add.left_shift,
                                  add.output_multiplier, add.output_shift, add.output_zero_point, add.output_min,
                                  add.output_max, out),
                              0);
                    check(out.data());
                });
            }
#endif
        }
        Buffer<int8_t> in = padded_input(x, s, static_cast<int8_t>(zx)), res(r.data(), N, OW, OH, 1), out(N, OW, OH, 1);
        host_dirty(in);
        host_dirty(res);
        for_each_variant<op::conv2d_int8_implicit_add>(set, variant, [&](const auto &conv) {
            use(fp32_requantization(conv));
            ASSERT_EQ(conv(in, zx, rhs, cb, zb, bb, mb, sb, zo, -128, 127, s.kw, s.kh, s.stride, s.stride, res,
                           add.a_multiplier, add.a_shift, add.b_zero_point, add.b_multiplier, add.b_shift, add.left_shift,
                           add.output_multiplier, add.output_shift, add.output_zero_point, add.output_min,
                           add.output_max, out),
                      0);
            to_host(out);
            check(out.data());
        });

        if (weights7) continue;
        // FP32: clamp(clamp(conv + bias) + residual), against the double reference conv.
        std::vector<float> xf(x.size()), wf(w.size()), bf(N), rf(r.size());
        for (size_t i = 0; i < x.size(); i++) xf[i] = x[i] * 0.01f;
        for (size_t i = 0; i < w.size(); i++) wf[i] = w[i] * 0.01f;
        for (int j = 0; j < N; j++) bf[j] = bias[j] * 1e-4f;
        for (size_t i = 0; i < r.size(); i++) rf[i] = r[i] * 0.02f;
        const auto conv_f = ref::conv2d_fp32(xf, wf, bf, -1e30f, 1e30f, s);
        std::vector<float> packed_f;
        ASSERT_TRUE(pack_gemm_fp32_weights(wf.data(), K, N, &packed_f).is_ok());
        Buffer<float> rhs_f(packed_f.data(), N, K), bias_f(bf.data(), N), res_f(rf.data(), N, OW, OH, 1),
            out_f(N, OW, OH, 1);
        Buffer<float> in_f = padded_input(xf, s, 0.0f);
        for (auto *b : {&rhs_f, &bias_f, &res_f, &in_f}) host_dirty(*b);
        const float inf = std::numeric_limits<float>::infinity();
        for_each_variant<op::conv2d_fp32_implicit_add>(set, "residual_add=true", [&](const auto &conv) {
            ASSERT_EQ(conv(in_f, rhs_f, bias_f, -inf, inf, s.kw, s.kh, s.stride, s.stride, res_f, 0.0f, inf, out_f), 0);
            to_host(out_f);
            int bad = 0;
            const double tol = 1e-5 * (std::sqrt(static_cast<double>(K)) * 4 + 4);
            for (size_t i = 0; i < conv_f.size(); i++) {
                const double e = std::max(0.0, double(conv_f[i]) + rf[i]);
                if (std::fabs(out_f.data()[i] - e) > tol && bad++ < 5)
                    ADD_FAILURE() << "fp32 at " << i << ": got " << out_f.data()[i] << ", want " << e;
            }
            EXPECT_EQ(bad, 0);
        });
    }
}
TEST_P(Conv2d, FusedResidualAdd) { fused_residual_add(GetParam(), false); }
TEST_P(Conv2d, Weights7FusedResidualAdd) {
    if (kernels_with<op::conv2d_int8_implicit_add>(GetParam(), "weights7=true").empty())
        GTEST_SKIP() << "no weights7 kernels on " << GetParam().name << " (x86 CPU sets only)";
    fused_residual_add(GetParam(), true);
}

TEST_P(Conv2d, ImplicitRejectsChannelsNotMultipleOf4) {
    Buffer<int8_t> in(3, 8, 8, 1), rhs(4, 16, 7), out(16, 6, 6, 1);
    Buffer<int32_t> v(16);
    in.fill(0);
    rhs.fill(0);
    v.fill(0);
    host_dirty(in);
    host_dirty(rhs);
    host_dirty(v);
    for_each_variant<op::conv2d_int8_implicit>(GetParam(), "", [&](const auto &conv) {
        EXPECT_NE(conv(in, 0, rhs, v, v, v, v, v, 0, -128, 127, 3, 3, 1, 1, out), 0);
    });
}


#if defined(MOBIQ_CPU_FAMILY_X86)
// The AMX implicit conv (conv2d_int8_implicit amx_tiles=true: A read from the
// padded input by the tile core, decision 37), with and without the fused
// Add, both requantizations: bit-exact against the reference convolution on
// ResNet50 / VGG16 3x3 shapes and on the core's edges: pixel counts under 16
// and not a multiple of 32 (tiles of fewer rows, blocks shifted back), 48 and
// 160 output channels (a 16-column block, a shifted 128-channel block), an
// input inside a wider border (row pitch > W + 2), 1x1 and unpadded 3x3.
// Its kernel-row form (amx_kernel_rows=true, no fused Add) on the same shapes
// (kernel rows of 64 x 3 bytes: three k tiles each) and on the stems' (4
// stored channels: 7 x 7 stride 2, 3 x 3 stride 1 and 2, output widths under
// 16, between 16 and 32, past 32), a 1x1 of 32 channels and a 3x3 stride-2 of
// 64.
TEST(Conv2dAmxImplicit, BitExact) {
    if (!mobiq::amx_usable())
        GTEST_SKIP() << "this CPU or OS has no usable AMX-INT8 (amx_int8 in /proc/cpuinfo and arch_prctl "
                        "ARCH_REQ_XCOMP_PERM): the AMX kernels are built (tdpbssd) but not run";
    std::mt19937 rng(41);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    struct Case {
        ref::ConvShape s;
        int extra_border;
    };
    int ran = 0, want_ran = 0;
    for (const Case &cs : {Case{{12, 12, 64, 64, 3, 3, 1, 1}, 0}, Case{{7, 7, 512, 512, 3, 3, 1, 1}, 0},
                           Case{{14, 14, 256, 256, 3, 3, 1, 1}, 2}, Case{{5, 3, 64, 48, 3, 3, 1, 1}, 0},
                           Case{{2, 3, 128, 16, 3, 3, 1, 1}, 1}, Case{{9, 20, 64, 160, 3, 3, 1, 1}, 0},
                           Case{{6, 6, 64, 32, 1, 1, 1, 0}, 0}, Case{{8, 8, 64, 32, 3, 3, 1, 0}, 3},
                           Case{{30, 70, 4, 64, 7, 7, 2, 3}, 0}, Case{{21, 9, 4, 64, 7, 7, 2, 3}, 1},
                           Case{{11, 40, 4, 64, 3, 3, 1, 1}, 0}, Case{{9, 50, 4, 32, 3, 3, 2, 1}, 2},
                           Case{{5, 37, 32, 48, 1, 1, 1, 0}, 0}, Case{{9, 11, 64, 64, 3, 3, 2, 1}, 0}}) {
        const ref::ConvShape &s = cs.s;
        // Which forms take the shape: the pixel-flat tile core (stride 1, C % 64), the kernel-row one.
        const bool flat = s.stride == 1 && s.cin % 64 == 0, rows = s.cin * s.kw <= 64 || s.cin * s.kw % 64 == 0;
        const AmxConvGeometry geo{s.cin, s.kw, s.kh};
        SCOPED_TRACE("H=" + std::to_string(s.h) + " W=" + std::to_string(s.w) + " Cin=" + std::to_string(s.cin) +
                     " Cout=" + std::to_string(s.cout) + " k=" + std::to_string(s.kh) + " stride " +
                     std::to_string(s.stride) + " border+" + std::to_string(cs.extra_border));
        const int K = s.k(), N = s.cout, OH = s.out_h(), OW = s.out_w(), M = OH * OW;
        std::vector<int8_t> x(size_t(s.h) * s.w * s.cin), w(size_t(N) * K), r(size_t(M) * N);
        for (auto &v : x) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : w) v = static_cast<int8_t>(uni(-127, 127));
        for (auto &v : r) v = static_cast<int8_t>(uni(-128, 127));
        const int32_t zx = uni(-128, 127);
        std::vector<int32_t> zw(N, 0), bias(N), mult(N), shift(N);
        for (auto &b : bias) b = uni(-60000, 60000);
        for (int j = 0; j < N; j++) {
            int32_t m;
            int sh;
            ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(1e-5), std::log(1e-2))(rng)),
                                     &m, &sh);
            mult[j] = m;
            shift[j] = sh;
        }
        const int32_t zo = uni(-20, 20);
        const auto acc = ref::conv2d_int8_acc(x, zx, w, zw, bias, s);
        const auto add = ref::make_add_params(0.05, zo, 0.03, uni(-30, 30), 0.06, -128, -128, 127);
        PackedGemmInt8Weights packed;
        ASSERT_TRUE(pack_gemm_int8_weights(w.data(), K, N, zw.data(), N, &packed).is_ok());
        std::vector<int32_t> colsum = packed.column_sum;
        Buffer<int32_t> cb(colsum.data(), N), zb(zw.data(), N), bb(bias.data(), N), mb(mult.data(), N), sb(shift.data(), N);
        // The padded input inside a border `extra_border` pixels wider, as a window (the runtime's views).
        const int b = cs.extra_border, pw = s.w + 2 * s.pad, ph = s.h + 2 * s.pad;
        Buffer<int8_t> full(s.cin, pw + 2 * b, ph + 2 * b, 1);
        full.fill(static_cast<int8_t>(zx));
        for (int y = 0; y < s.h; y++)
            for (int xx = 0; xx < s.w; xx++)
                for (int c = 0; c < s.cin; c++)
                    full(c, xx + s.pad + b, y + s.pad + b, 0) = x[(size_t(y) * s.w + xx) * s.cin + c];
        Buffer<int8_t> in = full.cropped(1, b, pw).cropped(2, b, ph);
        in.translate({0, -b, -b, 0});
        Buffer<int8_t> res(r.data(), N, OW, OH, 1), out(N, OW, OH, 1);
        auto check = [&](bool fused, bool fp32) {
            ref::Requantization rq;
            rq.multiplier = mult;
            rq.shift = shift;
            rq.output_zero_point = zo;
            rq.output_min = fused ? -128 : zo;  // ReLU when not fused
            rq.fp32 = fp32;
            ref::AddParams ap = add;
            ap.fp32 = fp32;
            int bad = 0;
            for (size_t i = 0; i < acc.size(); i++) {
                const int8_t y = static_cast<int8_t>(rq.apply(acc[i], static_cast<int>(i % N)));
                const int8_t want = fused ? ref::add_int8(y, r[i], ap) : y;
                if (out.data()[i] != want && bad++ < 5)
                    ADD_FAILURE() << "at " << i << ": got " << int(out.data()[i]) << ", want " << int(want);
            }
            EXPECT_EQ(bad, 0);
        };
        const char *variant = "amx=true,amx_tiles=true,requantize=true,weight_zero_point=false";
        want_ran += 2 * (flat ? 2 : 0) + 2 * (rows ? 1 : 0);
        for_each_variant<op::conv2d_int8_implicit_amx>(cpu_kernel_set(), variant, [&](const auto &conv) {
            if (!(amx_kernel_rows(conv) ? rows : flat)) return;
            SCOPED_TRACE(conv.row->name);
            std::vector<int8_t> rhs_bytes;
            Buffer<int8_t> rhs = amx_rhs(conv, packed, &rhs_bytes, geo);
            out.fill(0);
            ASSERT_EQ(conv(in, zx, rhs, cb, zb, bb, mb, sb, zo, zo, 127, s.kw, s.kh, s.stride, s.stride, out), 0);
            check(false, fp32_requantization(conv));
            ran++;
        });
        if (!flat) continue;
        const std::string fused_variant = std::string(variant) + ",residual_add=true";
        for_each_variant<op::conv2d_int8_implicit_amx_add>(cpu_kernel_set(), fused_variant.c_str(), [&](const auto &conv) {
            std::vector<int8_t> rhs_bytes;
            Buffer<int8_t> rhs = amx_rhs(conv, packed, &rhs_bytes);
            out.fill(0);
            ASSERT_EQ(conv(in, zx, rhs, cb, zb, bb, mb, sb, zo, -128, 127, s.kw, s.kh, 1, 1, res, add.a_multiplier,
                           add.a_shift, add.b_zero_point, add.b_multiplier, add.b_shift, add.left_shift,
                           add.output_multiplier, add.output_shift, add.output_zero_point, add.output_min,
                           add.output_max, out),
                      0);
            check(true, fp32_requantization(conv));
            ran++;
        });
    }
    EXPECT_EQ(ran, want_ran) << "two requantizations x (the flat form with / without the Add, the kernel-row form)";
    EXPECT_EQ(want_ran, 8 * 6 + 6 * 2);
    // What it does not take is an error, not a result: 32 input channels, stride 2.
    for_each_variant<op::conv2d_int8_implicit_amx>(cpu_kernel_set(), "amx=true,amx_tiles=true", [&](const auto &conv) {
        if (amx_kernel_rows(conv)) return;
        Buffer<int8_t> in32(32, 10, 10, 1), in64(64, 10, 10, 1), rhs9(1024, 9, 1), rhs4(1024, 4, 1), o(16, 8, 8, 1),
            o2(16, 4, 4, 1);
        Buffer<int32_t> v(16);
        for (auto *bf : {&in32, &in64, &rhs9, &rhs4}) bf->fill(1);
        v.fill(1);
        EXPECT_NE(conv(in32, 0, rhs4, v, v, v, v, v, 0, -128, 127, 3, 3, 1, 1, o), 0) << "C % 64 != 0";
        EXPECT_NE(conv(in64, 0, rhs9, v, v, v, v, v, 0, -128, 127, 3, 3, 2, 2, o2), 0) << "stride 2";
        EXPECT_EQ(conv(in64, 0, rhs9, v, v, v, v, v, 0, -128, 127, 3, 3, 1, 1, o), 0) << "the same call, stride 1";
    });
    // The kernel-row form: a kernel row of 3 x 32 = 96 bytes (neither <= 64 nor a multiple of 64), weights
    // packed for another kernel, pixels not C bytes apart.
    for_each_variant<op::conv2d_int8_implicit_amx>(cpu_kernel_set(), "amx=true,amx_kernel_rows=true", [&](const auto &conv) {
        Buffer<int8_t> in32(32, 10, 10, 1), in4(4, 21, 21, 1), in4_wide(8, 21, 21, 1), rhs_96(16 * 64, 6, 1),
            rhs_7x7(16 * 28, 7, 4), rhs_3x3(16 * 12, 3, 4), o(16, 8, 8, 1), o64(64, 8, 8, 1);
        Buffer<int32_t> v(64);
        for (auto *bf : {&in32, &in4, &in4_wide, &rhs_96, &rhs_7x7, &rhs_3x3}) bf->fill(1);
        v.fill(1);
        Buffer<int8_t> in4_strided = in4_wide.cropped(0, 0, 4);
        EXPECT_NE(conv(in32, 0, rhs_96, v, v, v, v, v, 0, -128, 127, 3, 3, 1, 1, o), 0) << "96-byte kernel rows";
        EXPECT_NE(conv(in4, 0, rhs_3x3, v, v, v, v, v, 0, -128, 127, 7, 7, 2, 2, o64), 0) << "3x3 weights for 7x7";
        EXPECT_NE(conv(in4_strided, 0, rhs_7x7, v, v, v, v, v, 0, -128, 127, 7, 7, 2, 2, o64), 0)
            << "pixels 8 bytes apart";
        EXPECT_EQ(conv(in4, 0, rhs_7x7, v, v, v, v, v, 0, -128, 127, 7, 7, 2, 2, o64), 0) << "the stem's call";
    });
}
#endif

INSTANTIATE_TEST_SUITE_P(Kernels, Conv2d, testing::ValuesIn(kernel_sets()), set_name);


}  // namespace
}  // namespace mobiq::test
