// The OpenCL int8 dot product `arm_dot(char4, char4)` for the arm_dot kernel
// variants (generators/arm_dot.h, docs/mali.md). On a device with
// cl_arm_integer_dot_product_int8 the built-in is used; on any other device
// (PoCL, NVIDIA, Mali-G72) a portable definition is passed to the OpenCL
// compiler as a build option. Call before the first arm_dot kernel runs:
// Halide compiles a kernel's OpenCL program on its first call.
#pragma once

#include <string>

namespace mobiq {

enum class ArmDotSupport { kNative, kPortable, kNoDevice };

// Queries Halide's OpenCL device and sets the build options accordingly
// (keeping options set before). Idempotent. kNoDevice: no OpenCL device
// (`error` says why); nothing was changed.
ArmDotSupport prepare_opencl_arm_dot(std::string *error = nullptr);

// The build option that defines arm_dot portably (exposed for tests and docs).
const char *portable_arm_dot_build_option();

}  // namespace mobiq
