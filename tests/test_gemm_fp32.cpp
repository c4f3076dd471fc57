// gemm_fp32 against a double-precision reference. Tolerance: each output may
// differ by 1e-5 * (sum_k |a_k w_k| + |bias|) (float32 summation in another
// order; a few ulp per term at K up to 4608), stated in docs/arithmetic.md.
#include <cmath>
#include <limits>
#include <random>

#include "gemm_shapes.h"
#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "mobiq/gemm_weights.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

class GemmFp32 : public testing::TestWithParam<KernelSet> {
protected:
    void run(const GemmShape &sh, float lo, float hi, uint32_t seed) {
        SCOPED_TRACE(sh.str());
        std::mt19937 rng(seed);
        std::normal_distribution<float> d(0.0f, 1.0f);
        const int m = sh.m, n = sh.n, k = sh.k;
        std::vector<float> a(static_cast<size_t>(m) * k), w(static_cast<size_t>(n) * k), bias(n);
        for (auto &v : a) v = d(rng);
        for (auto &v : w) v = d(rng) / std::sqrt(static_cast<float>(k));
        for (auto &v : bias) v = d(rng);
        std::vector<float> packed;
        ASSERT_TRUE(pack_gemm_fp32_weights(w.data(), k, n, &packed).is_ok());
        Buffer<float> lhs(a.data(), k, m), rhs(packed.data(), n, k), bias_b(bias.data(), n), out(n, m);
        host_dirty(lhs);
        host_dirty(rhs);
        host_dirty(bias_b);
        const auto want = ref::gemm_fp32(a, w, bias, lo, hi, m, n, k);
        for_each_variant<op::gemm_fp32>(GetParam(), "", [&](const auto &gemm) {
            out.fill(std::numeric_limits<float>::quiet_NaN());
            host_dirty(out);
            if (!gemm.row->param("avx512_core").empty() && n % 16 != 0) {  // its requirement: N % 16 == 0
                EXPECT_NE(gemm(lhs, rhs, bias_b, lo, hi, out), 0);
                return;
            }
            ASSERT_EQ(gemm(lhs, rhs, bias_b, lo, hi, out), 0);
            to_host(out);
            // The fp32 contract (docs/arithmetic.md); an exact variant is held to equality.
            const double rel = gemm.row->contract == NumericContract::kExact ? 0.0 : 1e-5;
            int bad = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double mag = std::fabs(bias[j]);
                    for (int kk = 0; kk < k; kk++)
                        mag += std::fabs(a[static_cast<size_t>(i) * k + kk] * w[static_cast<size_t>(j) * k + kk]);
                    const double err = std::fabs(out(j, i) - want[static_cast<size_t>(i) * n + j]);
                    if (!(err <= rel * mag) && bad++ < 5)
                        ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): got " << out(j, i) << ", want "
                                      << want[static_cast<size_t>(i) * n + j] << " (tolerance " << rel * mag << ")";
                }
            EXPECT_EQ(bad, 0);
        });
    }
};

TEST_P(GemmFp32, Linear) {
    const float inf = std::numeric_limits<float>::infinity();
    uint32_t seed = 1;
    for (const auto &sh : edge_gemm_shapes()) run(sh, -inf, inf, seed++);
    for (const auto &sh : resnet50_gemm_shapes()) run(sh, -inf, inf, seed++);
    for (const auto &sh : panel_gemm_shapes()) run(sh, -inf, inf, seed++);
}

TEST_P(GemmFp32, ReluAndRelu6) {
    for (const auto &sh : edge_gemm_shapes()) {
        run(sh, 0.0f, std::numeric_limits<float>::infinity(), 50);
        run(sh, 0.0f, 6.0f, 51);
    }
}

// gemm_fp32_add (the residual Add + ReLU fused, generators/residual_add.h):
// clamp(clamp(dot + bias, lo, hi) + residual, add_lo, add_hi), every variant.
TEST_P(GemmFp32, FusedResidualAdd) {
    std::mt19937 rng(9);
    std::normal_distribution<float> d(0.0f, 1.0f);
    const float inf = std::numeric_limits<float>::infinity();
    for (const GemmShape sh : {GemmShape{49, 64, 4608}, GemmShape{13, 128, 256}, GemmShape{7, 64, 64},
                               GemmShape{33, 65, 147}, GemmShape{3, 16, 12}}) {
        SCOPED_TRACE(sh.str());
        const int m = sh.m, n = sh.n, k = sh.k;
        std::vector<float> a(size_t(m) * k), w(size_t(n) * k), bias(n), r(size_t(m) * n);
        for (auto &v : a) v = d(rng);
        for (auto &v : w) v = d(rng) / std::sqrt(static_cast<float>(k));
        for (auto &v : bias) v = d(rng);
        for (auto &v : r) v = d(rng);
        std::vector<float> packed;
        ASSERT_TRUE(pack_gemm_fp32_weights(w.data(), k, n, &packed).is_ok());
        Buffer<float> lhs(a.data(), k, m), rhs(packed.data(), n, k), bias_b(bias.data(), n), res(r.data(), n, m),
            out(n, m);
        for (auto *b : {&lhs, &rhs, &bias_b, &res}) host_dirty(*b);
        const auto conv = ref::gemm_fp32(a, w, bias, -inf, 1.5f, m, n, k);
        int ran = 0;
        for_each_variant<op::gemm_fp32_add>(GetParam(), "residual_add=true", [&](const auto &gemm) {
            out.fill(std::numeric_limits<float>::quiet_NaN());
            host_dirty(out);
            if (!gemm.row->param("avx512_core").empty() && n % 16 != 0) {  // its requirement: N % 16 == 0
                EXPECT_NE(gemm(lhs, rhs, bias_b, -inf, 1.5f, res, 0.0f, inf, out), 0);
                return;
            }
            ASSERT_EQ(gemm(lhs, rhs, bias_b, -inf, 1.5f, res, 0.0f, inf, out), 0);
            to_host(out);
            ran++;
            int bad = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double mag = std::fabs(bias[j]) + std::fabs(r[size_t(i) * n + j]);
                    for (int kk = 0; kk < k; kk++) mag += std::fabs(a[size_t(i) * k + kk] * w[size_t(j) * k + kk]);
                    const double want = std::max(0.0, double(conv[size_t(i) * n + j]) + r[size_t(i) * n + j]);
                    if (!(std::fabs(out(j, i) - want) <= 1e-5 * mag) && bad++ < 5)
                        ADD_FAILURE() << gemm.row->name << " at (m=" << i << ", n=" << j << "): got " << out(j, i)
                                      << ", want " << want;
                }
            EXPECT_EQ(bad, 0);
        });
        EXPECT_GT(ran, 0);
    }
}

TEST_P(GemmFp32, RejectsMismatchedK) {
    Buffer<float> lhs(8, 4), rhs(16, 7), bias(16), out(16, 4);
    lhs.fill(1.0f);
    rhs.fill(1.0f);
    bias.fill(0.0f);
    host_dirty(lhs);
    host_dirty(rhs);
    host_dirty(bias);
    for_each_variant<op::gemm_fp32>(GetParam(), "", [&](const auto &gemm) {
        EXPECT_NE(gemm(lhs, rhs, bias, -1.0f, 1.0f, out), 0);
    });
}

// The column blocks of the FP32 conv panels and fully connected chunks: each
// block contiguous, the last one zero-padded; bad arguments are errors.
TEST(PackGemmFp32ColumnBlocks, LayoutAndErrors) {
    const int k = 5, n = 10, width = 4;
    std::vector<float> packed(size_t(k) * n);
    LargeVector<float> blocks;
    for (size_t i = 0; i < packed.size(); i++) packed[i] = float(i + 1);
    ASSERT_TRUE(pack_gemm_fp32_column_blocks(packed.data(), k, n, width, &blocks).is_ok());
    ASSERT_EQ(blocks.size(), size_t(3) * width * k);
    for (int t = 0; t < 3; t++)
        for (int kk = 0; kk < k; kk++)
            for (int c = 0; c < width; c++) {
                const int j = t * width + c;
                EXPECT_EQ(blocks[(size_t(t) * k + kk) * width + c], j < n ? packed[size_t(kk) * n + j] : 0.0f)
                    << "block " << t << " k " << kk << " column " << c;
            }
    EXPECT_FALSE(pack_gemm_fp32_column_blocks(nullptr, k, n, width, &blocks).is_ok());
    EXPECT_FALSE(pack_gemm_fp32_column_blocks(packed.data(), k, n, 0, &blocks).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Kernels, GemmFp32, testing::ValuesIn(kernel_sets()), set_name);

}  // namespace
}  // namespace mobiq::test
