// Builds without libonnx (the arm64 cross build): import reports why it cannot run.
#include "mobiq/onnx_import.h"

namespace mobiq {

bool onnx_import_available() { return false; }

Status import_onnx_bytes(const void *, size_t, Graph *) {
    return {StatusCode::kUnsupported,
            "this mobiq build has no ONNX import (libonnx / libprotobuf were not found when it was configured)"};
}

Status import_onnx_file(const std::string &, Graph *graph) { return import_onnx_bytes(nullptr, 0, graph); }

}  // namespace mobiq
