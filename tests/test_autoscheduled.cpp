// The autoscheduled variants (autoschedule=<scheduler>_<network>_<layer>,
// docs/autoschedule.md) at the layer shape each was made for. The op tests
// (test_gemm_int8, test_gemm_fp32, test_conv2d) run every variant at their
// shapes, which are mostly smaller than these layers: there the variants run
// their guarded fallback (schedules/auto/apply.h), and only here the loop nest
// the autoscheduler made. Each is held to the base (hand-scheduled) variant of
// its op on the same operands: int8 bit-exact (the base is bit-exact against the
// scalar reference in the op tests), fp32 within twice the fp32 contract
// (docs/arithmetic.md: each is within it of the exact result).
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "layer_shapes.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;
using networks::LayerShape;

// The layer a variant name points at, or null.
const LayerShape *layer_of(const KernelRow &row) {
    const std::string v = row.param("autoschedule");
    const size_t us = v.find('_');
    if (us == std::string::npos) return nullptr;
    for (const auto &l : networks::network_layers())
        if (v.substr(us + 1) == std::string(l.network) + "_" + l.name) return &l;
    return nullptr;
}

std::vector<const KernelRow *> autoscheduled(const KernelSet &set, const char *op) {
    std::vector<const KernelRow *> v;
    for (const KernelRow *r : kernel_rows_with(op, set.family, ""))
        if (!r->param("autoschedule").empty()) v.push_back(r);
    return v;
}

struct Int8Operands {
    std::vector<int8_t> w;
    PackedGemmInt8Weights packed;
    Buffer<int8_t> rhs;
    Buffer<int32_t> colsum, zw, bias, mult, shift;
    Int8Operands(int k, int n, std::mt19937 &rng) : w(static_cast<size_t>(n) * k) {
        std::uniform_int_distribution<int> d(-127, 127);
        for (auto &v : w) v = static_cast<int8_t>(d(rng));
        if (!pack_gemm_int8_weights(w.data(), k, n, nullptr, 0, &packed).is_ok()) ADD_FAILURE() << "packing";
        rhs = Buffer<int8_t>(packed.data.data(), 4, n, packed.k_padded / 4);
        colsum = Buffer<int32_t>(packed.column_sum.data(), n);
        zw = Buffer<int32_t>(n);
        bias = Buffer<int32_t>(n);
        mult = Buffer<int32_t>(n);
        shift = Buffer<int32_t>(n);
        zw.fill(0);
        std::uniform_int_distribution<int> b(-50000, 50000), sh(-12, -6);
        bias.for_each_value([&](int32_t &x) { x = b(rng); });
        mult.for_each_value([&](int32_t &x) { x = (1 << 30) + b(rng); });
        shift.for_each_value([&](int32_t &x) { x = sh(rng); });
    }
    void host_dirty() {  // OpenCL sets upload them
        for (auto *b : {&colsum, &zw, &bias, &mult, &shift}) b->set_host_dirty();
        rhs.set_host_dirty();
    }
};

template <typename T>
Buffer<T> random_int8(std::vector<int> shape, std::mt19937 &rng) {
    Buffer<T> b(shape);
    std::uniform_int_distribution<int> d(-128, 127);
    b.for_each_value([&](T &v) { v = static_cast<T>(d(rng)); });
    return b;
}

int count_differences(const Buffer<int8_t> &a, const Buffer<int8_t> &b) {
    int bad = 0;
    a.for_each_element([&](const int *pos) {
        if (a(pos) != b(pos) && bad++ < 5) ADD_FAILURE() << "differs at element (" << pos[0] << ", " << pos[1] << ")";
    });
    return bad;
}

class Autoscheduled : public testing::TestWithParam<KernelSet> {};

TEST_P(Autoscheduled, GemmInt8AtItsLayer) {
    const auto rows = autoscheduled(GetParam(), "gemm_int8");
    if (rows.empty()) GTEST_SKIP() << "no autoscheduled gemm_int8 variant in this build (MOBIQ_AUTOSCHEDULED)";
    const char *base_params = "requantize=true,weight_zero_point=false";
    const auto base = base_kernel<op::gemm_int8>(GetParam(), base_params);
    for (const KernelRow *row : rows) {
        SCOPED_TRACE(row->name);
        const LayerShape *l = layer_of(*row);
        ASSERT_NE(l, nullptr) << "variant names no layer of networks/layer_shapes.h";
        ASSERT_TRUE(row->has_params(base_params));
        // The GEMM of the layer as the runtime runs it: K over channels rounded up to 4.
        const int M = l->out_h() * l->out_w(), N = l->cout, K = (l->cin + 3) / 4 * 4 * l->kh * l->kw;
        std::mt19937 rng(11);
        Int8Operands w(K, N, rng);
        auto lhs = random_int8<int8_t>({w.packed.k_padded, M}, rng);
        Buffer<int8_t> want(N, M), got(N, M);
        const auto gemm = as_kernel<op::gemm_int8>(row, GetParam());
        w.host_dirty();
        host_dirty(lhs);
        ASSERT_EQ(base(lhs, 5, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, -3, -128, 127, want), 0);
        ASSERT_EQ(gemm(lhs, 5, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, -3, -128, 127, got), 0);
        to_host(want);
        to_host(got);
        EXPECT_EQ(count_differences(got, want), 0);
    }
}

TEST_P(Autoscheduled, ImplicitConvInt8AtItsLayer) {
    const auto rows = autoscheduled(GetParam(), "conv2d_int8_implicit");
    if (rows.empty())
        GTEST_SKIP() << "no autoscheduled conv2d_int8_implicit variant in this build for this family (Anderson2021 "
                        "stopped on it: schedules/auto/conv2d_int8_implicit/*.failed.txt)";
    const char *base_params = "requantize=true,weight_zero_point=false";
    const auto base = base_kernel<op::conv2d_int8_implicit>(GetParam(), base_params);
    for (const KernelRow *row : rows) {
        SCOPED_TRACE(row->name);
        const LayerShape *l = layer_of(*row);
        ASSERT_NE(l, nullptr) << "variant names no layer of networks/layer_shapes.h";
        ASSERT_TRUE(row->has_params(base_params));
        const int cin = (l->cin + 3) / 4 * 4;
        std::mt19937 rng(12);
        Int8Operands w(cin * l->kh * l->kw, l->cout, rng);
        auto in = random_int8<int8_t>({cin, l->w + 2 * l->pad, l->h + 2 * l->pad, 1}, rng);
        Buffer<int8_t> want(l->cout, l->out_w(), l->out_h(), 1), got(l->cout, l->out_w(), l->out_h(), 1);
        const auto conv = as_kernel<op::conv2d_int8_implicit>(row, GetParam());
        w.host_dirty();
        host_dirty(in);
        ASSERT_EQ(base(in, 5, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, -3, -128, 127, l->kw, l->kh, l->stride,
                       l->stride, want),
                  0);
        ASSERT_EQ(conv(in, 5, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, -3, -128, 127, l->kw, l->kh, l->stride,
                       l->stride, got),
                  0);
        to_host(want);
        to_host(got);
        int bad = 0;
        got.for_each_element([&](const int *p) {
            if (got(p) != want(p) && bad++ < 5)
                ADD_FAILURE() << "differs at (co=" << p[0] << ", x=" << p[1] << ", y=" << p[2] << ")";
        });
        EXPECT_EQ(bad, 0);
    }
}

TEST_P(Autoscheduled, GemmFp32AtItsLayer) {
    const auto rows = autoscheduled(GetParam(), "gemm_fp32");
    if (rows.empty()) GTEST_SKIP() << "no autoscheduled gemm_fp32 variant in this build";
    const auto base = base_kernel<op::gemm_fp32>(GetParam(), "");
    for (const KernelRow *row : rows) {
        SCOPED_TRACE(row->name);
        const LayerShape *l = layer_of(*row);
        ASSERT_NE(l, nullptr) << "variant names no layer of networks/layer_shapes.h";
        const int M = l->out_h() * l->out_w(), N = l->cout, K = l->cin * l->kh * l->kw;
        std::mt19937 rng(13);
        std::normal_distribution<float> d;
        Buffer<float> lhs(K, M), rhs(N, K), bias(N), want(N, M), got(N, M);
        lhs.for_each_value([&](float &v) { v = d(rng); });
        rhs.for_each_value([&](float &v) { v = d(rng) / std::sqrt(static_cast<float>(K)); });
        bias.for_each_value([&](float &v) { v = d(rng); });
        const float inf = std::numeric_limits<float>::infinity();
        const auto gemm = as_kernel<op::gemm_fp32>(row, GetParam());
        for (auto *b : {&lhs, &rhs, &bias}) host_dirty(*b);
        ASSERT_EQ(base(lhs, rhs, bias, -inf, inf, want), 0);
        ASSERT_EQ(gemm(lhs, rhs, bias, -inf, inf, got), 0);
        to_host(want);
        to_host(got);
        int bad = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double mag = std::fabs(bias(j));
                for (int k = 0; k < K; k++) mag += std::fabs(lhs(k, i) * rhs(j, k));
                if (std::fabs(got(j, i) - want(j, i)) > 2e-5 * mag && bad++ < 5)
                    ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): " << got(j, i) << " vs " << want(j, i);
            }
        EXPECT_EQ(bad, 0);
    }
}

// On OpenCL (Anderson2021) a variant refuses a shape smaller than its layer
// with an error and a message (schedules/auto/apply.h), never a wrong result.
TEST_P(Autoscheduled, GpuVariantRefusesSmallerShapes) {
    if (!GetParam().opencl) GTEST_SKIP() << "CPU variants run every shape (their guarded fallback)";
    const auto rows = autoscheduled(GetParam(), "gemm_fp32");
    if (rows.empty()) GTEST_SKIP() << "no autoscheduled gemm_fp32 variant in this build";
    for (const KernelRow *row : rows) {
        SCOPED_TRACE(row->name);
        Buffer<float> lhs(5, 2), rhs(16, 5), bias(16), out(16, 2);
        for (auto *b : {&lhs, &rhs, &bias}) {
            b->fill(1.0f);
            host_dirty(*b);
        }
        const float inf = std::numeric_limits<float>::infinity();
        EXPECT_NE(as_kernel<op::gemm_fp32>(row, GetParam())(lhs, rhs, bias, -inf, inf, out), 0);
        // The message is Halide's bounds check where the as-made branch's bounds
        // already fail (ShiftInwards at M = 2), else apply.h's own.
        EXPECT_FALSE(take_last_kernel_error().empty());
    }
}

// The sets of the families with autoscheduled variants: x86 (Adams2019,
// Mullapudi2016, Li2018) and OpenCL's gpu (Anderson2021; PoCL in CI).
std::vector<KernelSet> autoscheduled_sets() {
    std::vector<KernelSet> v;
    for (const auto &s : kernel_sets())
        if (s.family == "x86" || s.family == "gpu") v.push_back(s);
    return v;
}

INSTANTIATE_TEST_SUITE_P(Kernels, Autoscheduled, testing::ValuesIn(autoscheduled_sets()), set_name);

}  // namespace
}  // namespace mobiq::test
