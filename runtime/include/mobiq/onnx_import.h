// ONNX (FP32 models, opset 7 and later) -> the runtime's Graph, through
// ONNX's own protobuf classes (Debian's libonnx / libprotobuf). What is
// supported is listed in docs/runtime.md; anything else is an error naming
// the op and the node ("unsupported op X at node Y").
#pragma once

#include <cstddef>
#include <string>

#include "mobiq/graph.h"
#include "mobiq/status.h"

namespace mobiq {

// Whether this build can import ONNX (false where libonnx was not found,
// e.g. the arm64 cross build).
bool onnx_import_available();

Status import_onnx_file(const std::string &path, Graph *graph);
Status import_onnx_bytes(const void *data, size_t size, Graph *graph);

}  // namespace mobiq
