// The threads every CPU kernel's parallel loops run on (runtime/exec/thread_pool.cpp).
#pragma once

namespace mobiq {

// Halide's parallel loops on OpenMP's team (once per process; idempotent).
void install_thread_pool();

// Threads per parallel loop from now on, process-wide (0: every core).
void set_thread_count(int threads);

// The threads a parallel loop runs on now.
int thread_count();

}  // namespace mobiq
