// The threads every CPU kernel's parallel loops run on (runtime/exec/thread_pool.cpp).
#pragma once

namespace mobiq {

// Halide's parallel loops on OpenMP's team (once per process; idempotent).
void install_thread_pool();

// Threads per parallel loop from now on, process-wide (0: every core).
void set_thread_count(int threads);

// The threads a parallel loop runs on now.
int thread_count();

// While one lives, the parallel loops of the kernels this thread calls use
// at most `max_threads` threads (at least 1). OpenCL sessions run their
// host-side kernels (quantize, dequantize, softmax) under a cap of half the
// cores: with every core in the team, OpenMP's workers, spinning after a
// loop, kept NVIDIA's OpenCL driver threads off the cores and an INT8
// ResNet50 inference waited ~5 ms more for the device (decision 47).
class ThreadCapScope {
public:
    explicit ThreadCapScope(int max_threads);
    ~ThreadCapScope();
    ThreadCapScope(const ThreadCapScope &) = delete;
    ThreadCapScope &operator=(const ThreadCapScope &) = delete;

private:
    int previous_;
};

}  // namespace mobiq
