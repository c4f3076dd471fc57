// Pooling (max, average, global average), the residual add and quantize /
// dequantize against the scalar references, per family, at the shapes of the
// three networks (test-sized) and edge cases. int8 bit-exact; fp32 exact
// where the kernel does the reference's float operations (max, add,
// dequantize) and within 1e-6 relative where it sums in another order (average).
#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

// The pooling layers of the networks (test-sized spatially) and edge cases.
const std::vector<ref::PoolShape> &pool_shapes() {
    static const std::vector<ref::PoolShape> s = {
        {23, 23, 64, 3, 3, 2, 1},   // ResNet50 max pool 3x3 s2 p1 (112 x 112 x 64 in the network)
        {24, 24, 64, 2, 2, 2, 0},   // VGG16 max pools 2x2 s2 (224 ... 14)
        {14, 14, 512, 2, 2, 2, 0},  // VGG16 pool5
        {7, 7, 1024, 7, 7, 1, 0},   // MobileNet-v1 average pool 7x7
        {9, 9, 17, 3, 3, 1, 1},     // average with padding: counts exclude it
        {5, 4, 3, 3, 2, 2, 1},      // odd channels, non-square window
        {1, 1, 5, 1, 1, 1, 0},
    };
    return s;
}

class PoolAddQuantize : public testing::TestWithParam<KernelSet> {};

TEST_P(PoolAddQuantize, PoolingInt8) {
    std::mt19937 rng(1);
    for (const auto &s : pool_shapes()) {
        SCOPED_TRACE("H=" + std::to_string(s.h) + " C=" + std::to_string(s.c) + " k=" + std::to_string(s.kh) + "x" +
                     std::to_string(s.kw) + " s=" + std::to_string(s.stride) + " p=" + std::to_string(s.pad));
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * s.c);
        for (auto &v : x) v = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
        Buffer<int8_t> in(x.data(), s.c, s.w, s.h, 1);
        host_dirty(in);
        for (bool average : {false, true}) {
            Buffer<int8_t> out(s.c, s.out_w(), s.out_h(), 1);
            const auto want = average ? ref::average_pool_int8(x, s) : ref::max_pool(x, s);
            for_each_variant<op::pool2d>(GetParam(), average ? "element_type=int8,average=true"
                                                             : "element_type=int8,average=false", [&](const auto &fn) {
                ASSERT_EQ(fn(s.kw, s.kh, s.stride, s.stride, s.pad, s.pad, in, out), 0);
                to_host(out);
                int bad = 0;
                for (size_t i = 0; i < want.size(); i++)
                    if (out.data()[i] != want[i] && bad++ < 5)
                        ADD_FAILURE() << (average ? "average" : "max") << " at " << i << ": got "
                                      << int(out.data()[i]) << ", want " << int(want[i]);
                EXPECT_EQ(bad, 0);
            });
        }
    }
}

TEST_P(PoolAddQuantize, PoolingFp32) {
    std::mt19937 rng(2);
    std::normal_distribution<float> d;
    for (const auto &s : pool_shapes()) {
        std::vector<float> x(static_cast<size_t>(s.h) * s.w * s.c);
        for (auto &v : x) v = d(rng);
        Buffer<float> in(x.data(), s.c, s.w, s.h, 1);
        host_dirty(in);
        for (bool average : {false, true}) {
            Buffer<float> out(s.c, s.out_w(), s.out_h(), 1);
            const auto want = average ? ref::average_pool_fp32(x, s) : ref::max_pool(x, s);
            for_each_variant<op::pool2d>(GetParam(), average ? "element_type=float32,average=true"
                                                             : "element_type=float32,average=false", [&](const auto &fn) {
                ASSERT_EQ(fn(s.kw, s.kh, s.stride, s.stride, s.pad, s.pad, in, out), 0);
                to_host(out);
                // max is exact; an average within its fp32 contract.
                const double tol = fn.row->contract == NumericContract::kExact ? 0.0 : 1e-6 * s.kh * s.kw;
                int bad = 0;
                for (size_t i = 0; i < want.size(); i++) {
                    if (std::fabs(out.data()[i] - want[i]) > tol && bad++ < 5)
                        ADD_FAILURE() << "at " << i << ": got " << out.data()[i] << ", want " << want[i];
                }
                EXPECT_EQ(bad, 0);
            });
        }
    }
}

TEST_P(PoolAddQuantize, GlobalAveragePool) {
    std::mt19937 rng(3);
    for (const auto &[hw, c] : std::vector<std::pair<int, int>>{{7, 2048}, {7, 1024}, {3, 5}, {1, 16}}) {
        SCOPED_TRACE("HW=" + std::to_string(hw) + " C=" + std::to_string(c));
        const ref::PoolShape s{hw, hw, c, hw, hw, 1, 0};
        std::vector<int8_t> x(static_cast<size_t>(hw) * hw * c);
        std::vector<float> xf(x.size());
        for (size_t i = 0; i < x.size(); i++) {
            x[i] = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(rng));
            xf[i] = x[i] * 0.37f;
        }
        Buffer<int8_t> in(x.data(), c, hw, hw, 1), out(c, 1, 1, 1);
        Buffer<float> inf(xf.data(), c, hw, hw, 1), outf(c, 1, 1, 1);
        host_dirty(in);
        host_dirty(inf);
        const auto want = ref::average_pool_int8(x, s);
        const auto wantf = ref::average_pool_fp32(xf, s);
        for_each_variant<op::global_average_pool>(GetParam(), "element_type=int8", [&](const auto &fn) {
            ASSERT_EQ(fn(in, out), 0);
            to_host(out);
            for (int i = 0; i < c; i++) ASSERT_EQ(out(i, 0, 0, 0), want[i]) << "channel " << i;
        });
        for_each_variant<op::global_average_pool>(GetParam(), "element_type=float32", [&](const auto &fn) {
            ASSERT_EQ(fn(inf, outf), 0);
            to_host(outf);
            for (int i = 0; i < c; i++) ASSERT_NEAR(outf(i, 0, 0, 0), wantf[i], 1e-5) << "channel " << i;
        });
    }
}

// The ResNet50 residual additions: two inputs with their own scales and zero points.
TEST_P(PoolAddQuantize, AddInt8TwoScales) {
    std::mt19937 rng(4);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (const auto &[c, pixels] : std::vector<std::pair<int, int>>{{256, 56}, {512, 28}, {1024, 14}, {2048, 7}, {3, 5}, {17, 1}}) {
        SCOPED_TRACE("C=" + std::to_string(c) + " pixels=" + std::to_string(pixels));
        const double sa = 0.01 + uni(0, 100) * 1e-3, sb = 0.005 + uni(0, 100) * 1e-3, so = 0.02 + uni(0, 100) * 1e-3;
        const int32_t za = uni(-128, 127), zb = uni(-128, 127), zo = uni(-128, -100);
        auto p = ref::make_add_params(sa, za, sb, zb, so, zo, zo, 127);  // fused ReLU
        std::vector<int8_t> a(static_cast<size_t>(c) * pixels), b(a.size());
        for (auto &v : a) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : b) v = static_cast<int8_t>(uni(-128, 127));
        Buffer<int8_t> ab(a.data(), c, pixels), bb(b.data(), c, pixels), out(c, pixels);
        host_dirty(ab);
        host_dirty(bb);
        for_each_variant<op::add_int8>(GetParam(), "", [&](const auto &add) {
            p.fp32 = fp32_requantization(add);
            ASSERT_EQ(add(ab, p.a_zero_point, p.a_multiplier, p.a_shift, bb, p.b_zero_point, p.b_multiplier, p.b_shift,
                          p.left_shift, p.output_multiplier, p.output_shift, p.output_zero_point, p.output_min,
                          p.output_max, out),
                      0);
            to_host(out);
            int bad = 0;
            for (size_t i = 0; i < a.size(); i++) {
                const int want = ref::add_int8(a[i], b[i], p);
                if (out.data()[i] != want && bad++ < 5)
                    ADD_FAILURE() << "at " << i << ": got " << int(out.data()[i]) << ", want " << want;
            }
            EXPECT_EQ(bad, 0);
        });
        // And the result is the real sum to within one output step plus the inputs' rounding.
        for (size_t i = 0; i < a.size(); i += 97) {
            const double real = sa * (a[i] - za) + sb * (b[i] - zb);
            const double got = so * (out.data()[i] - zo);
            if (real > 0 && real < so * (127 - zo)) EXPECT_NEAR(got, real, so * 0.51 + 1e-9) << "at " << i;
        }
    }
}

// Every pair of int8 inputs, against the reference, at the ends of the
// left-shift range the 32-bit input rescaling is exact for (docs/arithmetic.md,
// "Add"), with the largest multipliers, zero ones and random ones.
TEST_P(PoolAddQuantize, AddInt8EveryInputPair) {
    std::vector<int8_t> a(256 * 256), b(a.size());
    for (int i = 0; i < 256; i++)
        for (int j = 0; j < 256; j++) {
            a[size_t(i) * 256 + j] = static_cast<int8_t>(i - 128);
            b[size_t(i) * 256 + j] = static_cast<int8_t>(j - 128);
        }
    Buffer<int8_t> ab(a.data(), 256, 256), bb(b.data(), 256, 256), out(256, 256);
    host_dirty(ab);
    host_dirty(bb);
    std::mt19937 rng(9);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int left_shift : {9, 15, 20, 22})
        for (int32_t m : {INT32_MAX, 1 << 30, 0, uni(1 << 30, INT32_MAX)}) {
            ref::AddParams p{};
            p.left_shift = left_shift;
            p.a_multiplier = m;
            p.b_multiplier = uni(1 << 30, INT32_MAX);
            p.a_shift = -uni(0, 3);
            p.b_shift = -uni(0, 3);
            p.a_zero_point = uni(-128, 127);
            p.b_zero_point = uni(-128, 127);
            p.output_multiplier = uni(1 << 30, INT32_MAX);
            p.output_shift = -(left_shift + uni(-2, 4));
            p.output_zero_point = uni(-20, 20);
            p.output_min = -128;
            p.output_max = 127;
            SCOPED_TRACE("left_shift=" + std::to_string(left_shift) + " a_multiplier=" + std::to_string(m));
            for_each_variant<op::add_int8>(GetParam(), "", [&](const auto &add) {
                p.fp32 = fp32_requantization(add);
                ASSERT_EQ(add(ab, p.a_zero_point, p.a_multiplier, p.a_shift, bb, p.b_zero_point, p.b_multiplier,
                              p.b_shift, p.left_shift, p.output_multiplier, p.output_shift, p.output_zero_point,
                              p.output_min, p.output_max, out),
                          0);
                to_host(out);
                int bad = 0;
                for (size_t i = 0; i < a.size(); i++) {
                    const int want = ref::add_int8(a[i], b[i], p);
                    if (out.data()[i] != want && bad++ < 5)
                        ADD_FAILURE() << "a=" << int(a[i]) << " b=" << int(b[i]) << ": got " << int(out.data()[i])
                                      << ", want " << want;
                }
                EXPECT_EQ(bad, 0);
            });
        }
}

TEST_P(PoolAddQuantize, AddFp32Relu) {
    std::mt19937 rng(5);
    std::normal_distribution<float> d;
    std::vector<float> a(2048 * 7), b(a.size());
    for (auto &v : a) v = d(rng);
    for (auto &v : b) v = d(rng);
    Buffer<float> ab(a.data(), 2048, 7), bb(b.data(), 2048, 7), out(2048, 7);
    host_dirty(ab);
    host_dirty(bb);
    for_each_variant<op::add_fp32>(GetParam(), "", [&](const auto &add) {
        ASSERT_EQ(add(ab, bb, 0.0f, std::numeric_limits<float>::infinity(), out), 0);
        to_host(out);
        for (size_t i = 0; i < a.size(); i++) ASSERT_EQ(out.data()[i], std::max(a[i] + b[i], 0.0f)) << "at " << i;
    });
}

TEST_P(PoolAddQuantize, QuantizeDequantize) {
    std::mt19937 rng(6);
    std::normal_distribution<float> d(0.0f, 3.0f);
    const float scale = 0.05f, inv = 1.0f / scale;
    const int32_t zero = -7;
    std::vector<float> x(3 * 1000);
    for (auto &v : x) v = d(rng);
    // Exact ties (x * inv = k + 0.5), saturation on both sides, zero.
    for (int i = 0; i < 40; i++) x[i] = (static_cast<float>(i - 20) + 0.5f) / inv;
    x[40] = 1e6f;
    x[41] = -1e6f;
    x[42] = 0.0f;
    Buffer<float> in(x.data(), 3, 1000);
    Buffer<int8_t> q(3, 1000);
    host_dirty(in);
    ASSERT_EQ(base_kernel<op::quantize>(GetParam())(in, inv, zero, q), 0);
    to_host(q);
    for (size_t i = 0; i < x.size(); i++) ASSERT_EQ(q.data()[i], ref::quantize(x[i], inv, zero)) << "x=" << x[i];
    Buffer<float> back(3, 1000);
    q.set_host_dirty();
    ASSERT_EQ(base_kernel<op::dequantize>(GetParam())(q, scale, zero, back), 0);
    to_host(back);
    for (size_t i = 0; i < x.size(); i++) ASSERT_EQ(back.data()[i], ref::dequantize(q.data()[i], scale, zero));
}

// quantize_to_nhwc (a session's NCHW input into its NHWC int8 tensor): every
// element equal to ref::quantize, the padding channels the zero point, on the
// networks' 3 -> 4 channels (the unrolled path, widths past and under one
// vector), 3 -> 8 and 4 -> 4 (the generic path), a window inside a wider
// tensor (the runtime's padded value); fewer output channels is an error.
TEST_P(PoolAddQuantize, QuantizeToNhwc) {
    if (GetParam().opencl) GTEST_SKIP() << "quantize_to_nhwc is the host side of a session's input: CPU families only";
    std::mt19937 rng(9);
    std::normal_distribution<float> d(0.0f, 3.0f);
    const float inv = 1.0f / 0.04f;
    const int32_t zero = 5;
    struct Shape {
        int w, h, c, c_out, n, border;
    };
    for (const Shape sh : {Shape{37, 5, 3, 4, 2, 0}, Shape{7, 3, 3, 4, 1, 2}, Shape{20, 4, 3, 8, 1, 1},
                           Shape{33, 2, 4, 4, 1, 0}}) {
        SCOPED_TRACE("W=" + std::to_string(sh.w) + " C=" + std::to_string(sh.c) + "->" + std::to_string(sh.c_out));
        std::vector<float> x(size_t(sh.w) * sh.h * sh.c * sh.n);
        for (auto &v : x) v = d(rng);
        x[0] = 1e6f;
        x[1] = -1e6f;
        x[2] = 0.5f / inv;  // a tie
        Buffer<float> in(x.data(), sh.w, sh.h, sh.c, sh.n);
        const int b = sh.border;
        Buffer<int8_t> full(sh.c_out, sh.w + 2 * b, sh.h + 2 * b, sh.n);
        full.fill(static_cast<int8_t>(99));
        Buffer<int8_t> out = full.cropped(1, b, sh.w).cropped(2, b, sh.h);
        out.translate({0, -b, -b, 0});
        ASSERT_EQ(base_kernel<op::quantize_to_nhwc>(GetParam())(in, inv, zero, out), 0);
        int bad = 0;
        for (int n = 0; n < sh.n; n++)
            for (int y = 0; y < sh.h + 2 * b; y++)
                for (int xx = 0; xx < sh.w + 2 * b; xx++)
                    for (int c = 0; c < sh.c_out; c++) {
                        const bool inside = xx >= b && xx < sh.w + b && y >= b && y < sh.h + b;
                        const int want = !inside ? 99
                                         : c < sh.c ? ref::quantize(in(xx - b, y - b, c, n), inv, zero)
                                                    : zero;
                        if (full(c, xx, y, n) != want && bad++ < 5)
                            ADD_FAILURE() << "at c=" << c << " x=" << xx << " y=" << y << ": " << int(full(c, xx, y, n))
                                          << ", want " << want;
                    }
        EXPECT_EQ(bad, 0);
    }
    std::vector<float> x(8 * 2 * 3, 1.0f);
    Buffer<float> in(x.data(), 8, 2, 3, 1);
    Buffer<int8_t> two(2, 8, 2, 1), wrong_w(4, 7, 2, 1);
    EXPECT_NE(base_kernel<op::quantize_to_nhwc>(GetParam())(in, inv, zero, two), 0) << "2 output channels for 3";
    EXPECT_NE(base_kernel<op::quantize_to_nhwc>(GetParam())(in, inv, zero, wrong_w), 0) << "width 7 for 8";
}

// Softmax within 1e-6 + 1e-5 x |y| of the double-precision reference (Halide's
// float exp against double; the max subtraction keeps large logits finite).
TEST_P(PoolAddQuantize, SoftmaxFp32) {
    std::mt19937 rng(77);
    std::normal_distribution<float> d(0.0f, 4.0f);
    for (auto [k, n] : {std::pair{1000, 1}, std::pair{37, 3}, std::pair{1, 2}}) {
        std::vector<float> x(static_cast<size_t>(k) * n);
        for (auto &v : x) v = d(rng);
        x[0] = 90.0f;  // exp(90) overflows float without the max subtraction
        Buffer<float> in(x.data(), k, n), out(k, n);
        host_dirty(in);
        ASSERT_EQ(base_kernel<op::softmax_fp32>(GetParam())(in, out), 0);
        to_host(out);
        const auto want = ref::softmax(x, k, n);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < k; i++) {
                const double w = want[size_t(j) * k + i];
                ASSERT_NEAR(out(i, j), w, 1e-6 + 1e-5 * std::fabs(w)) << "k=" << i << " n=" << j;
            }
    }
}

TEST_P(PoolAddQuantize, AddInt8RejectsMultipliersAboveOne) {
    Buffer<int8_t> a(16, 4), b(16, 4), out(16, 4);
    a.fill(1);
    b.fill(2);
    host_dirty(a);
    host_dirty(b);
    const auto add = base_kernel<op::add_int8>(GetParam());
    EXPECT_NE(add(a, 0, 1 << 30, -1, b, 0, 1 << 30, -1, 20, 1 << 30, 1, 0, -128, 127, out), 0)
        << "output shift 1 (a multiplier of 1 or more) must be refused";
    EXPECT_EQ(add(a, 0, 1 << 30, -1, b, 0, 1 << 30, -1, 20, 1 << 30, -19, 0, -128, 127, out), 0);
    EXPECT_NE(add(a, 0, 1 << 30, -1, b, 0, 1 << 30, -1, 8, 1 << 30, -19, 0, -128, 127, out), 0)
        << "left shift 8 (outside the exact 32-bit range [9, 22]) must be refused";
}

TEST_P(PoolAddQuantize, RejectsBadPoolParameters) {
    Buffer<int8_t> in(4, 8, 8, 1), out(4, 4, 4, 1);
    in.fill(0);
    host_dirty(in);
    const auto pool = base_kernel<op::pool2d>(GetParam(), "average=false,element_type=int8");
    EXPECT_NE(pool(2, 2, 0, 2, 0, 0, in, out), 0) << "stride 0";
    EXPECT_NE(pool(2, 2, 2, 2, 2, 0, in, out), 0) << "padding >= window";
}

INSTANTIATE_TEST_SUITE_P(Kernels, PoolAddQuantize, testing::ValuesIn(kernel_sets()), set_name);

}  // namespace
}  // namespace mobiq::test
