// The kernels' thread team (runtime/exec/thread_pool.cpp): inside a
// ThreadCapScope(1) a parallel loop runs every task in the calling thread;
// after it, with two threads, the tasks are split between two threads.
#include <mutex>
#include <set>
#include <thread>

#include "HalideRuntime.h"
#include "gtest/gtest.h"
#include "mobiq/thread_pool.h"

namespace {

struct Seen {
    std::mutex m;
    std::set<std::thread::id> threads;
};

int record_thread(void *, int, uint8_t *closure) {
    Seen *s = reinterpret_cast<Seen *>(closure);
    std::lock_guard<std::mutex> lock(s->m);
    s->threads.insert(std::this_thread::get_id());
    return 0;
}

std::set<std::thread::id> threads_of_a_loop() {
    Seen s;
    EXPECT_EQ(halide_do_par_for(nullptr, record_thread, 0, 64, reinterpret_cast<uint8_t *>(&s)), 0);
    return s.threads;
}

TEST(ThreadPool, CapScopeLimitsTheTeam) {
    mobiq::set_thread_count(2);
    {
        mobiq::ThreadCapScope cap(1);
        const auto seen = threads_of_a_loop();
        ASSERT_EQ(seen.size(), 1u);
        EXPECT_EQ(*seen.begin(), std::this_thread::get_id());
    }
    // Outside the scope the team of two takes half the tasks each (static schedule).
    EXPECT_EQ(threads_of_a_loop().size(), 2u);
    mobiq::set_thread_count(0);
}

}  // namespace
