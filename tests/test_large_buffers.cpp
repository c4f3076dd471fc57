// mobiq/large_buffers.h: alignment, and the huge-page advice on blocks of
// >= 2 MiB where Linux has transparent huge pages ("always" or "madvise").
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "mobiq/large_buffers.h"

namespace {

// The VmFlags of the mapping that holds `p` (/proc/self/smaps), or "" if none.
std::string vm_flags_of(const void *p) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    while (std::getline(smaps, line)) {
        uintptr_t start = 0, end = 0;
        char dash = 0;
        std::istringstream head(line);
        if (line.find(':') == std::string::npos || line.find('-') < line.find(':')) {
            if (head >> std::hex >> start >> dash >> end && dash == '-') inside = start <= a && a < end;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line;
    }
    return "";
}

TEST(LargeBuffers, AlignedAndAdvisedForHugePages) {
    void *small = mobiq::large_alloc(100);
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0u);
    mobiq::large_free(small);

    mobiq::LargeVector<float> weights(size_t(3) << 20);  // 12 MiB, touched by the vector's zero fill
    EXPECT_EQ(reinterpret_cast<uintptr_t>(weights.data()) % (size_t(2) << 20), 0u);
    auto buffer = mobiq::large_buffer<float>({1024, 1024});  // 4 MiB: Halide aligns inside the block
    ASSERT_NE(buffer.data(), nullptr);
    buffer.fill(1.0f);

    std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    if (!std::getline(thp, mode) || mode.find("[never]") != std::string::npos)
        GTEST_SKIP() << "this kernel has no transparent huge pages to advise (mode: '" << mode << "')";
    const std::string flags = vm_flags_of(weights.data());
    ASSERT_FALSE(flags.empty()) << "no mapping in /proc/self/smaps holds the block";
    EXPECT_NE((flags + " ").find(" hg "), std::string::npos) << flags;
}

}  // namespace
