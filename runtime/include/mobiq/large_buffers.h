// Storage for the large, long-lived data of a session: packed weights that
// stream from memory on every inference and the activation arena. Blocks of
// at least 2 MiB are 2 MiB-aligned and advised onto transparent huge pages
// (madvise(MADV_HUGEPAGE), before their first touch) where the OS allows it:
// Linux's default THP mode ("madvise") gives huge pages only to ranges that
// ask. A weight stream then needs one TLB entry per 2 MiB instead of per
// 4 KiB (decision 43). Elsewhere, or where the advice is refused, these are
// ordinary aligned allocations.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

#include "HalideBuffer.h"

namespace mobiq {

// At least `bytes` (64-byte aligned; 2 MiB-aligned and advised for huge pages
// from 2 MiB), or nullptr; free with large_free.
void *large_alloc(size_t bytes);
void large_free(void *p);

template <typename T>
struct LargeAllocator {
    using value_type = T;
    LargeAllocator() = default;
    template <typename U>
    LargeAllocator(const LargeAllocator<U> &) {}
    T *allocate(size_t n) {
        if (void *p = large_alloc(n * sizeof(T))) return static_cast<T *>(p);
        throw std::bad_alloc();
    }
    void deallocate(T *p, size_t) { large_free(p); }
    template <typename U>
    bool operator==(const LargeAllocator<U> &) const { return true; }
    template <typename U>
    bool operator!=(const LargeAllocator<U> &) const { return false; }
};

template <typename T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

// A Halide buffer of the given extents (dense, first dimension innermost) on large_alloc.
template <typename T>
Halide::Runtime::Buffer<T> large_buffer(const std::vector<int> &extents) {
    Halide::Runtime::Buffer<T> b(nullptr, extents);
    b.allocate(large_alloc, large_free);
    return b;
}

}  // namespace mobiq
