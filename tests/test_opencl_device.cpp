// The OpenCL families must really run on an OpenCL device (PoCL here, a GPU
// elsewhere): this test fails, never skips, when there is none.
#include <CL/cl.h>

#include <string>

#include "HalideRuntimeOpenCL.h"
#include "gtest/gtest.h"
#include "mobiq/opencl_arm_dot.h"

namespace {

TEST(OpenCL, DeviceIsPresent) {
    cl_uint platforms = 0;
    ASSERT_EQ(clGetPlatformIDs(0, nullptr, &platforms), CL_SUCCESS)
        << "no OpenCL platform: install an ICD (Debian: pocl-opencl-icd) or register the GPU's";
    ASSERT_GT(platforms, 0u);
    cl_platform_id ids[8];
    clGetPlatformIDs(platforms < 8 ? platforms : 8, ids, nullptr);
    int devices_total = 0;
    for (cl_uint p = 0; p < platforms && p < 8; p++) {
        char name[256] = {0};
        clGetPlatformInfo(ids[p], CL_PLATFORM_NAME, sizeof(name), name, nullptr);
        cl_uint devices = 0;
        clGetDeviceIDs(ids[p], CL_DEVICE_TYPE_ALL, 0, nullptr, &devices);
        cl_device_id dev[8];
        if (devices) clGetDeviceIDs(ids[p], CL_DEVICE_TYPE_ALL, devices < 8 ? devices : 8, dev, nullptr);
        for (cl_uint d = 0; d < devices && d < 8; d++) {
            char dname[256] = {0};
            clGetDeviceInfo(dev[d], CL_DEVICE_NAME, sizeof(dname), dname, nullptr);
            std::printf("OpenCL platform '%s' device '%s'\n", name, dname);
        }
        devices_total += static_cast<int>(devices);
    }
    EXPECT_GT(devices_total, 0);
}

// arm_dot: the built-in where the device has the extension, else the portable
// definition in Halide's OpenCL build options (and exactly once).
TEST(OpenCL, ArmDotPreparedForTheDevice) {
    std::string error;
    const auto support = mobiq::prepare_opencl_arm_dot(&error);
    ASSERT_NE(support, mobiq::ArmDotSupport::kNoDevice) << error;
    EXPECT_EQ(mobiq::prepare_opencl_arm_dot(), support);
    const std::string opts = halide_opencl_get_build_options(nullptr);
    const std::string def = mobiq::portable_arm_dot_build_option();
    const size_t at = opts.find(def);
    if (support == mobiq::ArmDotSupport::kPortable) {
        EXPECT_NE(at, std::string::npos) << opts;
        EXPECT_EQ(opts.find(def, at + 1), std::string::npos) << "defined twice: " << opts;
    } else {
        EXPECT_EQ(at, std::string::npos) << "the portable definition would hide the built-in: " << opts;
    }
}

}  // namespace
