#include "mobiq/kernel_errors.h"

#include <mutex>

#include "HalideRuntime.h"

namespace mobiq {
namespace {

thread_local std::string last_error;

extern "C" void mobiq_capture_halide_error(void * /*user_context*/, const char *msg) {
    last_error = msg ? msg : "unknown kernel error";
    while (!last_error.empty() && (last_error.back() == '\n' || last_error.back() == ' ')) last_error.pop_back();
}

}  // namespace

void install_kernel_error_handler() {
    static std::once_flag once;
    std::call_once(once, [] { halide_set_error_handler(mobiq_capture_halide_error); });
}

void set_kernel_error(const std::string &message) { last_error = message; }

std::string take_last_kernel_error() {
    std::string e;
    e.swap(last_error);
    return e;
}

}  // namespace mobiq
