#include "mobiq/kernel_table.h"

#include "mobiq/cpu_level.h"
#include "mobiq/kernel_errors.h"

#include "mobiq_kernels.h"

// Every kernel of family f, each through W(fn) (the identity, or a wrapper).
#define MOBIQ_FAMILY_OF(label, opencl, f, W)                                                                 \
    KernelFamily {                                                                                           \
        label, opencl, W(gemm_int8_##f), W(gemm_int8_asymw_##f), W(gemm_int8_i32_##f),                       \
            W(gemm_int8_asymw_i32_##f), W(gemm_fp32_##f), W(requantize_per_channel_##f),                     \
            W(requantize_per_layer_##f), W(im2col_int8_##f), W(im2col_fp32_##f),                             \
            W(conv2d_int8_implicit_##f), W(conv2d_int8_implicit_asymw_##f), W(conv2d_fp32_implicit_##f),     \
            W(depthwise_conv2d_int8_##f), W(batch_norm_int8_##f), W(depthwise_conv2d_fp32_##f),              \
            W(batch_norm_fp32_##f), W(max_pool_int8_##f), W(average_pool_int8_##f), W(max_pool_fp32_##f),    \
            W(average_pool_fp32_##f), W(global_average_pool_int8_##f), W(global_average_pool_fp32_##f),      \
            W(add_int8_##f), W(add_fp32_##f), W(quantize_##f), W(dequantize_##f), W(softmax_fp32_##f)        \
    }
#define MOBIQ_DIRECT(fn) fn
#define MOBIQ_FAMILY(label, opencl, f) MOBIQ_FAMILY_OF(label, opencl, f, MOBIQ_DIRECT)
#define MOBIQ_AT_AVX2(fn) (&AtCpuLevel<CpuLevel::kAvx2, fn>::call)
#define MOBIQ_AT_SSE41(fn) (&AtCpuLevel<CpuLevel::kSse41, fn>::call)

namespace mobiq {
namespace {

// A kernel run with the x86 multi-target dispatch capped at level L (the
// AVX2 / SSE4.1 code of the same library, on a CPU that has better). The cap
// holds for the whole process (mobiq/cpu_level.h): a process that already ran
// kernels at another level gets an error, never the wrong code silently.
template <CpuLevel L, auto Fn>
struct AtCpuLevel;
template <CpuLevel L, typename R, typename... A, R (*Fn)(A...)>
struct AtCpuLevel<L, Fn> {
    static R call(A... a) {
        if (!set_cpu_level_cap(L)) {
            set_kernel_error(std::string("kernels already ran at CPU level '") + cpu_level_name(cpu_level_cap()) +
                             "' in this process; the '" + cpu_level_name(L) +
                             "' family needs a process of its own (ctest runs each test alone)");
            return -1;
        }
        return Fn(a...);
    }
};

}  // namespace

const std::vector<KernelFamily> &kernel_families() {
    install_kernel_error_handler();  // kernel errors become return codes, not aborts
    install_cpu_level_hook();        // before any multi-target kernel chooses its target
    static const std::vector<KernelFamily> families = {
#if defined(MOBIQ_CPU_FAMILY_X86)
        MOBIQ_FAMILY("host_x86", false, x86),
        MOBIQ_FAMILY_OF("host_x86_avx2", false, x86, MOBIQ_AT_AVX2),
        MOBIQ_FAMILY_OF("host_x86_sse41", false, x86, MOBIQ_AT_SSE41),
#endif
#if defined(MOBIQ_CPU_FAMILY_ARM64)
        MOBIQ_FAMILY("arm64", false, arm64),
#endif
#if defined(MOBIQ_GPU_FAMILY_GPU)
        MOBIQ_FAMILY("opencl_gpu", true, gpu),
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G52)
        MOBIQ_FAMILY("opencl_mali_g52", true, mali_g52),
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G72)
        MOBIQ_FAMILY("opencl_mali_g72", true, mali_g72),
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G76)
        MOBIQ_FAMILY("opencl_mali_g76", true, mali_g76),
#endif
    };
    return families;
}

const std::vector<KernelFamily> &arm_dot_kernel_families() {
    static const std::vector<KernelFamily> families = [] {
        std::vector<KernelFamily> v;
        auto with_arm_dot = [&](const char *base, GemmInt8Fn gemm, Conv2dInt8Fn conv) {
            KernelFamily f = *find_kernel_family(base);
            f.name += "_arm_dot";
            f.gemm_int8 = gemm;
            f.conv2d_int8_implicit = conv;
            v.push_back(f);
        };
#if defined(MOBIQ_GPU_FAMILY_MALI_G52)
        with_arm_dot("opencl_mali_g52", gemm_int8_arm_dot_mali_g52, conv2d_int8_implicit_arm_dot_mali_g52);
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G76)
        with_arm_dot("opencl_mali_g76", gemm_int8_arm_dot_mali_g76, conv2d_int8_implicit_arm_dot_mali_g76);
#endif
        (void)with_arm_dot;
        return v;
    }();
    return families;
}

const KernelFamily *find_kernel_family(const std::string &name) {
    for (const auto &f : kernel_families())
        if (f.name == name) return &f;
    return nullptr;
}

}  // namespace mobiq
