// The runtime's C++ error value: a code (the C API's mobiq_status, mobiq.h)
// and a message that says what went wrong and what to do.
#pragma once

#include <string>
#include <utility>

namespace mobiq {

enum class StatusCode {
    kOk = 0,
    kInvalidArgument = 1,  // null pointer, bad option, wrong input shape / size
    kIo = 2,               // file cannot be opened / read / written
    kInvalidModel = 3,     // not ONNX, corrupt or truncated, inconsistent graph
    kUnsupported = 4,      // valid ONNX that mobiq cannot run (op, attribute)
    kDevice = 5,           // no OpenCL device, device failure
    kKernel = 6,           // a kernel returned an error
    kInternal = 7,
};

class Status {
public:
    Status() = default;
    Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
    static Status ok() { return {}; }

    bool is_ok() const { return code_ == StatusCode::kOk; }
    explicit operator bool() const { return is_ok(); }
    StatusCode code() const { return code_; }
    const std::string &message() const { return message_; }

private:
    StatusCode code_ = StatusCode::kOk;
    std::string message_;
};

#define MOBIQ_RETURN_IF_ERROR(expr)              \
    do {                                         \
        ::mobiq::Status _mobiq_status = (expr);  \
        if (!_mobiq_status) return _mobiq_status; \
    } while (0)

}  // namespace mobiq
