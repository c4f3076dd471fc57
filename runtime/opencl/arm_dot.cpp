#include <CL/cl.h>

#include <cstring>
#include <mutex>

#include "HalideBuffer.h"
#include "HalideRuntimeOpenCL.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/opencl_arm_dot.h"

// Halide's OpenCL runtime owns the context the kernels run in; these entry
// points are exported by it but not declared in HalideRuntimeOpenCL.h.
extern "C" int halide_acquire_cl_context(void *user_context, cl_context *ctx, cl_command_queue *q, bool create);
extern "C" int halide_release_cl_context(void *user_context);

namespace mobiq {

const char *portable_arm_dot_build_option() {
    // One token (OpenCL splits build options at spaces): int8 * int8 products
    // promoted to int, exactly as the instruction computes them.
    return "-Darm_dot(a,b)=((int)(a).s0*(b).s0+(int)(a).s1*(b).s1+(int)(a).s2*(b).s2+(int)(a).s3*(b).s3)";
}

namespace {

bool device_has_arm_dot(std::string *error, bool *has) {
    // A one-element device allocation makes Halide load libOpenCL and create
    // its context (acquiring the context alone does neither).
    install_kernel_error_handler();
    Halide::Runtime::Buffer<int> probe(1);
    if (probe.device_malloc(halide_opencl_device_interface()) != 0) {
        const std::string why = take_last_kernel_error();
        if (error) *error = "no OpenCL device: " + (why.empty() ? std::string("Halide could not create a context") : why);
        return false;
    }
    cl_context ctx = nullptr;
    cl_command_queue q = nullptr;
    if (halide_acquire_cl_context(nullptr, &ctx, &q, false) != 0 || ctx == nullptr) {
        halide_release_cl_context(nullptr);
        if (error) *error = "no OpenCL context after a device allocation";
        return false;
    }
    cl_device_id dev = nullptr;
    cl_int err = clGetContextInfo(ctx, CL_CONTEXT_DEVICES, sizeof(dev), &dev, nullptr);
    size_t n = 0;
    if (err == CL_SUCCESS) err = clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, 0, nullptr, &n);
    std::string ext(n, '\0');
    if (err == CL_SUCCESS) err = clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, n, ext.data(), nullptr);
    halide_release_cl_context(nullptr);
    if (err != CL_SUCCESS) {
        if (error) *error = "could not read the OpenCL device's extensions (error " + std::to_string(err) + ")";
        return false;
    }
    *has = ext.find("cl_arm_integer_dot_product_int8") != std::string::npos;
    return true;
}

}  // namespace

ArmDotSupport prepare_opencl_arm_dot(std::string *error) {
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    bool has = false;
    if (!device_has_arm_dot(error, &has)) return ArmDotSupport::kNoDevice;
    if (has) return ArmDotSupport::kNative;
    const char *current = halide_opencl_get_build_options(nullptr);
    std::string opts = current ? current : "";
    if (opts.find(portable_arm_dot_build_option()) == std::string::npos) {
        if (!opts.empty()) opts += ' ';
        opts += portable_arm_dot_build_option();
        halide_opencl_set_build_options(opts.c_str());  // Halide copies the string
    }
    return ArmDotSupport::kPortable;
}

}  // namespace mobiq
