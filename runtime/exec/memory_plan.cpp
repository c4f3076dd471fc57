#include "mobiq/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace mobiq {

MemoryPlan plan_memory(const std::vector<Lifetime> &t, size_t alignment) {
    MemoryPlan plan;
    plan.offsets.assign(t.size(), 0);
    auto rounded = [&](size_t b) { return (b + alignment - 1) / alignment * alignment; };
    std::vector<size_t> order(t.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t[a].bytes > t[b].bytes; });
    std::vector<size_t> placed;
    for (size_t i : order) {
        // Intervals [offset, offset + size) of placed tensors alive at the same time, by offset.
        std::vector<std::pair<size_t, size_t>> busy;
        for (size_t j : placed)
            if (t[j].first <= t[i].last && t[i].first <= t[j].last)
                busy.push_back({plan.offsets[j], plan.offsets[j] + rounded(t[j].bytes)});
        std::sort(busy.begin(), busy.end());
        size_t offset = 0;
        const size_t need = rounded(t[i].bytes);
        for (const auto &b : busy) {
            if (offset + need <= b.first) break;  // fits in the gap before this one
            offset = std::max(offset, b.second);
        }
        plan.offsets[i] = offset;
        plan.arena_bytes = std::max(plan.arena_bytes, offset + need);
        placed.push_back(i);
    }
    int last_step = 0;
    for (const auto &x : t) {
        last_step = std::max(last_step, x.last);
        plan.unshared_bytes += rounded(x.bytes);
    }
    for (int s = 0; s <= last_step; s++) {
        size_t live = 0;
        for (const auto &x : t)
            if (x.first <= s && s <= x.last) live += rounded(x.bytes);
        plan.live_peak_bytes = std::max(plan.live_peak_bytes, live);
    }
    return plan;
}

}  // namespace mobiq
