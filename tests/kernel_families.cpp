#include "kernel_families.h"

#include "mobiq/kernel_errors.h"

#if defined(MOBIQ_CPU_FAMILY_X86)
#include "gemm_fp32_x86.h"
#include "gemm_int8_asymw_i32_x86.h"
#include "gemm_int8_asymw_x86.h"
#include "gemm_int8_i32_x86.h"
#include "gemm_int8_x86.h"
#include "requantize_per_channel_x86.h"
#include "requantize_per_layer_x86.h"
#endif
#if defined(MOBIQ_CPU_FAMILY_ARM64)
#include "gemm_fp32_arm64.h"
#include "gemm_int8_arm64.h"
#include "gemm_int8_asymw_arm64.h"
#include "gemm_int8_asymw_i32_arm64.h"
#include "gemm_int8_i32_arm64.h"
#include "requantize_per_channel_arm64.h"
#include "requantize_per_layer_arm64.h"
#endif
#if defined(MOBIQ_GPU_FAMILY_GPU)
#include "gemm_fp32_gpu.h"
#include "gemm_int8_asymw_gpu.h"
#include "gemm_int8_asymw_i32_gpu.h"
#include "gemm_int8_gpu.h"
#include "gemm_int8_i32_gpu.h"
#include "requantize_per_channel_gpu.h"
#include "requantize_per_layer_gpu.h"
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G52)
#include "gemm_fp32_mali_g52.h"
#include "gemm_int8_asymw_i32_mali_g52.h"
#include "gemm_int8_asymw_mali_g52.h"
#include "gemm_int8_i32_mali_g52.h"
#include "gemm_int8_mali_g52.h"
#include "requantize_per_channel_mali_g52.h"
#include "requantize_per_layer_mali_g52.h"
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G72)
#include "gemm_fp32_mali_g72.h"
#include "gemm_int8_asymw_i32_mali_g72.h"
#include "gemm_int8_asymw_mali_g72.h"
#include "gemm_int8_i32_mali_g72.h"
#include "gemm_int8_mali_g72.h"
#include "requantize_per_channel_mali_g72.h"
#include "requantize_per_layer_mali_g72.h"
#endif
#if defined(MOBIQ_GPU_FAMILY_MALI_G76)
#include "gemm_fp32_mali_g76.h"
#include "gemm_int8_asymw_i32_mali_g76.h"
#include "gemm_int8_asymw_mali_g76.h"
#include "gemm_int8_i32_mali_g76.h"
#include "gemm_int8_mali_g76.h"
#include "requantize_per_channel_mali_g76.h"
#include "requantize_per_layer_mali_g76.h"
#endif

#define MOBIQ_FAMILY(label, opencl, f)                                                                       \
    KernelFamily {                                                                                           \
        label, opencl, gemm_int8_##f, gemm_int8_asymw_##f, gemm_int8_i32_##f, gemm_int8_asymw_i32_##f,       \
            gemm_fp32_##f, requantize_per_channel_##f, requantize_per_layer_##f                              \
    }

namespace mobiq::test {

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

}  // namespace mobiq::test
