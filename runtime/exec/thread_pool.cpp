// Every kernel's parallel loop on OpenMP's thread team (Halide's custom
// do_par_for hook), not on Halide's own pool. Halide's idle workers spin for
// ~40 yields, then sleep on a condition variable; a network runs ~100
// parallel loops per inference, many shorter than a wake-up, so on a VM each
// loop paid a futex wake and a vCPU wake-up (perf: ~12 % of ResNet50 INT8's
// samples in the scheduler). libgomp's workers spin (GOMP_SPINCOUNT, ~0.1-1
// ms) before they block, as the peers' pools (TBB, OpenMP) do. Measured in
// docs/runtime.md "Threads".
#include "mobiq/thread_pool.h"

#include <omp.h>

#include <atomic>
#include <mutex>

#include "HalideRuntime.h"

namespace mobiq {
namespace {

std::atomic<int> g_threads{0};  // 0: OpenMP's default (every core, or OMP_NUM_THREADS)
thread_local int t_cap = 0;  // ThreadCapScope: at most this many threads per loop on this thread (0: no cap)

int team_size() {
    const int threads = g_threads.load(std::memory_order_relaxed);
    const int team = threads > 0 ? threads : omp_get_max_threads();
    return t_cap > 0 && t_cap < team ? t_cap : team;
}

int omp_do_par_for(void *user_context, halide_task_t f, int min, int size, uint8_t *closure) {
    const int team = team_size();
    // One task, one thread, or a loop inside another's task (kernels called
    // from the runtime's own parallel tasks): in this thread.
    if (size <= 1 || team <= 1 || omp_in_parallel()) {
        for (int i = min; i < min + size; i++)
            if (const int e = f(user_context, i, closure)) return e;
        return 0;
    }
    std::atomic<int> error{0};
    // Static: each thread takes one contiguous block of the tasks (rows of an
    // image), the same block in every layer, so a layer finds most of its
    // input in the L2 of the core that wrote it; dynamic (1) interleaved the
    // rows across the cores (ResNet50 INT8 fp32-rq 0.90x, MobileNet-v1 FP32
    // 0.91x the time with static; docs/runtime.md "Sessions and threads").
#pragma omp parallel for schedule(static) num_threads(team < size ? team : size)
    for (int i = min; i < min + size; i++) {
        if (error.load(std::memory_order_relaxed) != 0) continue;
        if (const int e = f(user_context, i, closure)) error.store(e, std::memory_order_relaxed);
    }
    return error.load();
}

}  // namespace

void install_thread_pool() {
    static std::once_flag once;
    std::call_once(once, [] { halide_set_custom_do_par_for(omp_do_par_for); });
}

void set_thread_count(int threads) {
    install_thread_pool();
    g_threads.store(threads > 0 ? threads : 0, std::memory_order_relaxed);
}

int thread_count() { return team_size(); }

ThreadCapScope::ThreadCapScope(int max_threads) : previous_(t_cap) { t_cap = max_threads > 0 ? max_threads : 1; }
ThreadCapScope::~ThreadCapScope() { t_cap = previous_; }

}  // namespace mobiq
