// Test-side helpers over the runtime's kernel table (mobiq/kernel_table.h):
// every kernel test runs against each family under a name that says which.
#pragma once

#include <string>

#include "HalideBuffer.h"
#include "gtest/gtest.h"
#include "mobiq/kernel_table.h"
#if defined(MOBIQ_HAVE_OPENCL)
#include "mobiq/opencl_arm_dot.h"
#endif

namespace mobiq::test {

using mobiq::KernelFamily;
using mobiq::kernel_families;

// Marks host-filled buffers dirty so a GPU pipeline uploads them.
template <typename T>
void host_dirty(Halide::Runtime::Buffer<T> &b) {
    b.set_host_dirty();
}

// Brings a result back to the host (no-op for CPU families).
template <typename T>
void to_host(Halide::Runtime::Buffer<T> &b) {
    b.copy_to_host();
}

#if defined(MOBIQ_HAVE_OPENCL)
// Makes arm_dot available (built in, or the portable definition) or fails the test.
inline void prepare_arm_dot_or_fail() {
    std::string error;
    if (prepare_opencl_arm_dot(&error) == ArmDotSupport::kNoDevice) FAIL() << error;
}
#endif

}  // namespace mobiq::test

namespace mobiq {
// gtest prints the family by name (in test lists and failure messages).
inline void PrintTo(const KernelFamily &f, std::ostream *os) { *os << f.name; }
}  // namespace mobiq

namespace mobiq::test {
inline std::string family_name(const testing::TestParamInfo<KernelFamily> &info) { return info.param.name; }
}  // namespace mobiq::test
