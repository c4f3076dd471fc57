#include "mobiq/kernel_table.h"

#include "mobiq/kernel_errors.h"

#include "mobiq_kernels.h"

#define MOBIQ_FAMILY(label, opencl, f)                                                                       \
    KernelFamily {                                                                                           \
        label, opencl, gemm_int8_##f, gemm_int8_asymw_##f, gemm_int8_i32_##f, gemm_int8_asymw_i32_##f,       \
            gemm_fp32_##f, requantize_per_channel_##f, requantize_per_layer_##f, im2col_int8_##f,            \
            im2col_fp32_##f, conv2d_int8_implicit_##f, conv2d_int8_implicit_asymw_##f,                      \
            conv2d_fp32_implicit_##f, depthwise_conv2d_int8_##f, batch_norm_int8_##f,                        \
            depthwise_conv2d_fp32_##f, batch_norm_fp32_##f, max_pool_int8_##f, average_pool_int8_##f,        \
            max_pool_fp32_##f, average_pool_fp32_##f, global_average_pool_int8_##f,                          \
            global_average_pool_fp32_##f, add_int8_##f, add_fp32_##f, quantize_##f, dequantize_##f           \
    }

namespace mobiq {

const std::vector<KernelFamily> &kernel_families() {
    install_kernel_error_handler();  // kernel errors become return codes, not aborts
    static const std::vector<KernelFamily> families = {
#if defined(MOBIQ_CPU_FAMILY_X86)
        MOBIQ_FAMILY("host_x86", false, x86),
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
