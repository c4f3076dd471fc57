#include "mobiq/large_buffers.h"

#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mobiq {

namespace {
constexpr size_t kHugePage = size_t(2) << 20;
}

void *large_alloc(size_t bytes) {
    if (bytes < kHugePage) return std::aligned_alloc(64, (bytes + 63) / 64 * 64 + (bytes == 0 ? 64 : 0));
    const size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void *p = std::aligned_alloc(kHugePage, size);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p != nullptr) madvise(p, size, MADV_HUGEPAGE);  // advice only: refused (THP "never"), it is ordinary memory
#endif
    return p;
}

void large_free(void *p) { std::free(p); }

}  // namespace mobiq
