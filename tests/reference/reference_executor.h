// A scalar executor for quantized graphs: runs a QuantizedGraph layer by
// layer with the reference kernels (reference_kernels.h), NHWC int8 vectors,
// no Halide and none of the runtime's lowering. The session's INT8 output
// must equal it bit for bit (tests/test_int8_session.cpp).
#pragma once

#include <string>
#include <vector>

#include "mobiq/quantized_graph.h"

namespace mobiq::ref {

// input: the model input, NCHW float32. Returns the dequantized output
// (NCHW / (N, K) float32), or sets `error` (unsupported op or geometry).
std::vector<float> run_quantized_graph(const QuantizedGraph &qg, const std::vector<float> &input, std::string *error);

}  // namespace mobiq::ref
