// Errors raised inside Halide kernels (failed requirements, bad buffer shapes)
// are captured per thread instead of aborting the process (Halide's default),
// so callers get a status and a message.
#pragma once

#include <string>

namespace mobiq {

// Installs the capturing handler (idempotent, thread-safe).
void install_kernel_error_handler();

// Records an error found around a kernel call (same channel as Halide's).
void set_kernel_error(const std::string &message);

// The last kernel error message of this thread, cleared on read ("" if none).
std::string take_last_kernel_error();

}  // namespace mobiq
