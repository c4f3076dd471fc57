// Operators that split one layer into calls of serial kernels run the calls
// through halide_do_par_for, on the threads the kernels' own parallel loops
// use (OpenMP's team: runtime/exec/thread_pool.cpp), so the two never
// oversubscribe the cores.
#pragma once

#include <cstdint>

#include "HalideRuntime.h"

namespace mobiq {

// task(i) for every i in [0, count), in parallel; non-zero if a task returned non-zero.
template <typename F>
int parallel_tasks(int count, F &task) {
    auto run = [](void *, int i, uint8_t *closure) { return (*reinterpret_cast<F *>(closure))(i); };
    return halide_do_par_for(nullptr, run, 0, count, reinterpret_cast<uint8_t *>(&task));
}

}  // namespace mobiq
