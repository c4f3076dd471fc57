// gemm_int8's u8_weights variants (x86 AVX-512 VNNI, the extern core of
// generators/extern/vnni_u8w_gemm.h; decision 53): the weights packed as
// gemm_int8's and flipped to uint8 (flip_gemm_int8_weights_to_u8), bit-exact
// against the scalar reference; with the fused Add, bit-exact against the
// same reference as gemm_int8_add. Every variant (requantizations, serial).
#include <algorithm>
#include <cmath>
#include <random>

#include "gemm_shapes.h"
#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "mobiq/cpu_level.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"
#include "reference/reference_kernels.h"

#if defined(MOBIQ_CPU_FAMILY_X86)
namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

const char *kSkip = "this CPU has no AVX-512 VNNI (or a cap is set): the u8_weights rows are built, not run";

struct Operands {
    int m, n, k;
    std::vector<int8_t> a, w, rhs, res;
    std::vector<int32_t> zw, bias, colsum;
    int32_t za;
    ref::Requantization rq;
    ref::AddParams add;
};

Operands make_operands(const GemmShape &sh, uint32_t seed, bool extreme = false) {
    std::mt19937 rng(seed);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Operands o;
    o.m = sh.m, o.n = sh.n, o.k = sh.k;
    o.a.resize(size_t(o.m) * o.k);
    o.w.resize(size_t(o.n) * o.k);
    // Extreme: A at -128 and the weights at +-127, the largest products and row sums.
    for (auto &v : o.a) v = static_cast<int8_t>(extreme ? -128 : uni(-128, 127));
    for (size_t i = 0; i < o.w.size(); i++) o.w[i] = static_cast<int8_t>(extreme ? (i % 3 ? 127 : -127) : uni(-127, 127));
    o.res.resize(size_t(o.m) * o.n);
    for (auto &v : o.res) v = static_cast<int8_t>(uni(-128, 127));
    o.za = uni(-128, 127);
    o.zw.assign(o.n, 0);
    o.bias.resize(o.n);
    for (auto &b : o.bias) b = uni(-60000, 60000);
    for (int j = 0; j < o.n; j++) {
        int32_t mult;
        int shift;
        ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(2e-5), std::log(2e-2))(rng)),
                                 &mult, &shift);
        o.rq.multiplier.push_back(mult);
        o.rq.shift.push_back(shift);
    }
    o.rq.output_zero_point = uni(-20, 20);
    o.rq.output_min = -128;
    o.rq.output_max = 127;
    o.add = ref::make_add_params(0.05, o.rq.output_zero_point, 0.03, uni(-30, 30), 0.06, -128, -128, 127);  // + ReLU
    PackedGemmInt8Weights packed;
    EXPECT_TRUE(pack_gemm_int8_weights(o.w.data(), o.k, o.n, o.zw.data(), o.n, &packed).is_ok());
    o.k = packed.k_padded;  // the shapes here have K % 4 == 0
    o.rhs = packed.data;
    flip_gemm_int8_weights_to_u8(o.rhs.data(), o.rhs.size());
    o.colsum = packed.column_sum;
    return o;
}

void expect_equal(const std::vector<int8_t> &want, const Buffer<int8_t> &got, int n) {
    int bad = 0;
    for (size_t i = 0; i < want.size(); i++) {
        const int j = int(i % n), r = int(i / n);
        if (got(j, r) != want[i] && bad++ < 5)
            ADD_FAILURE() << "at (m=" << r << ", n=" << j << "): got " << int(got(j, r)) << ", want " << int(want[i]);
    }
    EXPECT_EQ(bad, 0);
}

// The kernel's buffers over a copy of the operands (the kernel may not change them).
struct KernelBuffers {
    Operands p;
    std::vector<int32_t> mult, shift;
    Buffer<int8_t> lhs, rhs, res, out;
    Buffer<int32_t> colsum, zw, bias, mb, sb;
    KernelBuffers(const Operands &o, const ref::Requantization &rq)
        : p(o), mult(rq.multiplier), shift(rq.shift), lhs(p.a.data(), p.k, p.m), rhs(p.rhs.data(), 4, p.n, p.k / 4),
          res(p.res.data(), p.n, p.m), out(p.n, p.m), colsum(p.colsum.data(), p.n), zw(p.zw.data(), p.n),
          bias(p.bias.data(), p.n), mb(mult.data(), p.n), sb(shift.data(), p.n) {}
};

// Every shape class of the plan: 1x1 and im2col GEMMs of the three networks,
// few rows (panels of 64 columns, <= 256 rows), rows not a multiple of 7,
// columns not a multiple of 48 (the 2- and 1-vector blocks), K not a multiple of 64.
const std::vector<GemmShape> &u8w_shapes() {
    static const std::vector<GemmShape> s{{3136, 64, 64},  {784, 128, 1152}, {196, 256, 2304}, {49, 512, 4608},
                                          {49, 64, 4608},  {300, 256, 64},   {57, 80, 128},    {13, 32, 36},
                                          {1, 16, 4},      {7, 48, 8},       {250, 2048, 512}, {6, 64, 1156}};
    return s;
}

TEST(GemmInt8U8w, BitExact) {
    if (!avx512_vnni_usable()) GTEST_SKIP() << kSkip;
    uint32_t seed = 10;
    for (const GemmShape &sh : u8w_shapes()) {
        SCOPED_TRACE(sh.str());
        const Operands o = make_operands(sh, seed++);
        const auto acc = ref::gemm_int8_acc(o.a, o.za, o.w, o.zw, o.bias, o.m, o.n, o.k);
        for_each_variant<op::gemm_int8_u8w>(cpu_kernel_set(), "u8_weights=true", [&](const auto &gemm) {
            ref::Requantization rq = o.rq;
            rq.fp32 = fp32_requantization(gemm);
            std::vector<int8_t> want(acc.size());
            for (size_t i = 0; i < acc.size(); i++) want[i] = static_cast<int8_t>(rq.apply(acc[i], int(i % o.n)));
            KernelBuffers b(o, rq);
            const int e = gemm(b.lhs, o.za, b.rhs, b.colsum, b.zw, b.bias, b.mb, b.sb, rq.output_zero_point,
                               rq.output_min, rq.output_max, b.out);
            if (gemm.row->param("u8w_halide") == "true" && o.k % 64 != 0) {  // its row sums take 64 k at a time
                EXPECT_NE(e, 0) << "K = " << o.k << " is not a multiple of 64";
                take_last_kernel_error();
                return;
            }
            ASSERT_EQ(e, 0) << take_last_kernel_error();
            expect_equal(want, b.out, o.n);
        });
    }
}

// The fused residual Add (+ ReLU), against the requantized reference added to the residual.
TEST(GemmInt8U8w, FusedAddBitExact) {
    if (!avx512_vnni_usable()) GTEST_SKIP() << kSkip;
    uint32_t seed = 50;
    for (const GemmShape &sh : {GemmShape{3136, 64, 64}, GemmShape{49, 64, 512}, GemmShape{196, 256, 1024},
                                GemmShape{59, 112, 64}}) {
        SCOPED_TRACE(sh.str());
        const Operands o = make_operands(sh, seed++);
        const auto acc = ref::gemm_int8_acc(o.a, o.za, o.w, o.zw, o.bias, o.m, o.n, o.k);
        for_each_variant<op::gemm_int8_u8w_add>(cpu_kernel_set(), "u8_weights=true", [&](const auto &gemm) {
            ref::Requantization rq = o.rq;
            rq.fp32 = fp32_requantization(gemm);
            ref::AddParams ap = o.add;
            ap.fp32 = rq.fp32;
            std::vector<int8_t> want(acc.size());
            for (size_t i = 0; i < acc.size(); i++)
                want[i] = ref::add_int8(static_cast<int8_t>(rq.apply(acc[i], int(i % o.n))), o.res[i], ap);
            KernelBuffers b(o, rq);
            const auto &a = o.add;
            ASSERT_EQ(gemm(b.lhs, o.za, b.rhs, b.colsum, b.zw, b.bias, b.mb, b.sb, rq.output_zero_point, -128, 127,
                           b.res, a.a_multiplier, a.a_shift, a.b_zero_point, a.b_multiplier, a.b_shift, a.left_shift,
                           a.output_multiplier, a.output_shift, a.output_zero_point, a.output_min, a.output_max, b.out),
                      0)
                << take_last_kernel_error();
            expect_equal(want, b.out, o.n);
        });
    }
}

// The largest products and row corrections over the deepest K (49 x 512 x 4608
// at A = -128, weights +-127): the int32 sums stay exact.
TEST(GemmInt8U8w, ExtremeValuesDeepK) {
    if (!avx512_vnni_usable()) GTEST_SKIP() << kSkip;
    const Operands o = make_operands({49, 64, 4608}, 7, /*extreme=*/true);
    const auto acc = ref::gemm_int8_acc(o.a, 0, o.w, o.zw, o.bias, o.m, o.n, o.k);
    for_each_variant<op::gemm_int8_u8w>(cpu_kernel_set(), "u8_weights=true", [&](const auto &gemm) {
        // One scale, 2^-18, that keeps these accumulators (about -2.5e7) inside int8: no output saturates.
        ref::Requantization rq = o.rq;
        rq.fp32 = fp32_requantization(gemm);
        for (int j = 0; j < o.n; j++) ref::quantize_multiplier(std::ldexp(1.0, -18), &rq.multiplier[j], &rq.shift[j]);
        std::vector<int8_t> want(acc.size());
        for (size_t i = 0; i < acc.size(); i++) want[i] = static_cast<int8_t>(rq.apply(acc[i], int(i % o.n)));
        EXPECT_GT(std::count_if(want.begin(), want.end(), [](int8_t v) { return v > -128 && v < 127; }),
                  static_cast<long>(want.size() / 2))
            << "the outputs must not saturate, or a wrong sum could pass";
        KernelBuffers b(o, rq);
        ASSERT_EQ(gemm(b.lhs, 0, b.rhs, b.colsum, b.zw, b.bias, b.mb, b.sb, rq.output_zero_point, -128, 127, b.out), 0)
            << take_last_kernel_error();
        expect_equal(want, b.out, o.n);
    });
}

// Shapes the variant does not take (N % 16 != 0, K against the packed groups) are errors, not results.
TEST(GemmInt8U8w, RejectsShapesItDoesNotTake) {
    if (!avx512_vnni_usable()) GTEST_SKIP() << kSkip;
    for_each_variant<op::gemm_int8_u8w>(cpu_kernel_set(), "u8_weights=true", [&](const auto &gemm) {
        Buffer<int8_t> lhs(64, 8), rhs40(4, 40, 16), out40(40, 8), rhs16(4, 16, 15), out16(16, 8);
        Buffer<int32_t> v(40);
        for (auto *b : {&lhs, &rhs40, &rhs16}) b->fill(1);
        v.fill(0);
        EXPECT_NE(gemm(lhs, 0, rhs40, v, v, v, v, v, 0, -128, 127, out40), 0) << "N = 40 is not a multiple of 16";
        take_last_kernel_error();
        EXPECT_NE(gemm(lhs, 0, rhs16, v, v, v, v, v, 0, -128, 127, out16), 0) << "K = 64 against 15 packed groups";
        take_last_kernel_error();
    });
}

TEST(GemmInt8U8w, FlipIsItsOwnInverse) {
    std::vector<int8_t> w{-128, -1, 0, 1, 127}, f = w;
    flip_gemm_int8_weights_to_u8(f.data(), f.size());
    EXPECT_EQ(static_cast<uint8_t>(f[0]), 0u);      // -128 + 128
    EXPECT_EQ(static_cast<uint8_t>(f[2]), 128u);    // 0 + 128
    EXPECT_EQ(static_cast<uint8_t>(f[4]), 255u);    // 127 + 128
    flip_gemm_int8_weights_to_u8(f.data(), f.size());
    EXPECT_EQ(f, w);
}

}  // namespace
}  // namespace mobiq::test
#endif
