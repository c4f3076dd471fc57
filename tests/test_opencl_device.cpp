// The OpenCL families must really run on an OpenCL device (PoCL here, a GPU
// elsewhere): this test fails, never skips, when there is none.
#include <CL/cl.h>

#include <string>

#include "gtest/gtest.h"

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

}  // namespace
