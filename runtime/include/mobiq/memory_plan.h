// Liveness-based placement of the activations in one arena: tensors whose
// lifetimes overlap get disjoint bytes, the others may share. Greedy by size
// (largest first, each at the lowest offset that fits), as TFLite's arena
// planner does; docs/runtime.md has the numbers it gives on the networks.
#pragma once

#include <cstddef>
#include <vector>

namespace mobiq {

struct Lifetime {
    size_t bytes;
    int first, last;  // steps (inclusive) during which the bytes must hold the tensor
};

struct MemoryPlan {
    std::vector<size_t> offsets;  // one per lifetime, multiples of the alignment
    size_t arena_bytes = 0;       // the arena's size: the peak of the placement
    size_t live_peak_bytes = 0;   // the largest sum of simultaneously live tensors (a lower bound)
    size_t unshared_bytes = 0;    // the sum of all tensors (no sharing)
};

MemoryPlan plan_memory(const std::vector<Lifetime> &tensors, size_t alignment);

}  // namespace mobiq
