// INT8 GEMM weights as gemm_int8 and conv2d_int8_implicit read them, packed
// once from a QuantizedNode (the conv and fully-connected operators).
#pragma once

#include <vector>

#include "HalideBuffer.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/status.h"

namespace mobiq {

// The per-output-channel integers of an INT8 node's epilogue, as kernel constants.
struct Int8ChannelParams {
    Halide::Runtime::Buffer<int32_t> zw, bias, mult, shift;
};
// From the node (one entry per output channel each; an error otherwise).
Status prepare_channel_params(const QuantizedNode &q, int channels, Int8ChannelParams *out);

struct PreparedGemmInt8 : Int8ChannelParams {
    Halide::Runtime::Buffer<int8_t> rhs;  // (4, N, K_padded / 4); (1024, K_padded / 64, N / 16) after to_amx_tiles
    Halide::Runtime::Buffer<int32_t> colsum;
};

// (N, K) weights with K = c_alloc * taps from (N, taps, c): the channels added
// to reach c_alloc (INT8 values store channels rounded up to 4) get the
// column's zero point, so they add nothing whatever the activations hold
// there (docs/arithmetic.md, "Padding K").
std::vector<int8_t> widen_channels(const std::vector<int8_t> &w, const std::vector<int32_t> &zw, int n, int taps, int c,
                                   int c_alloc);

// A per-channel parameter vector as a kernel constant (uploaded on first use on OpenCL).
Halide::Runtime::Buffer<int32_t> int32_constant(const std::vector<int32_t> &v);

// One chunk of `n` columns packed in chunks of `width` (pack_gemm_int8_chunks,
// `k_padded` deep; the last one `cols` < width wide where width does not divide
// n) with the same columns of the per-column vectors, each a buffer of its own
// from column 0: the operands of one serial gemm_int8 call (the conv operator's
// column panels, the fully connected operator's column chunks). CPU.
struct Int8ColumnChunk {
    Halide::Runtime::Buffer<int8_t> rhs;
    Halide::Runtime::Buffer<int32_t> colsum, zw, bias, mult, shift;
    int cols;
};
Int8ColumnChunk int8_column_chunk(PreparedGemmInt8 &w, int8_t *packed, int k_padded, int n, int width, int chunk);

// Columns [first, first + count) of an (N, M) matrix, translated to start at 0.
template <typename T>
Halide::Runtime::Buffer<T> matrix_columns(Halide::Runtime::Buffer<T> &m, int first, int count) {
    Halide::Runtime::Buffer<T> b = m.cropped(0, first, count);
    b.translate(0, -first);
    return b;
}

// `w` is (N, K) row-major (K already widened to the stored channels).
Status prepare_gemm_int8(const std::vector<int8_t> &w, int k, int n, const QuantizedNode &q, PreparedGemmInt8 *out);

// The weights7 kernels (pmaddubsw pair sums, decision 55) are exact only for
// weights in [-64, 63]: an error naming `layer` if `w` holds any other value.
Status check_weights7_range(const std::vector<int8_t> &w, const std::string &layer);

// Re-packs `w->rhs` tile by tile for gemm_int8's amx_tiles variant
// (mobiq/gemm_weights.h, pack_gemm_int8_amx_tiles).
Status to_amx_tiles(PreparedGemmInt8 *w);
// The same for conv2d_int8_implicit's amx_kernel_rows: (16 k_bytes, KH ceil(KW C / 64), N / 16).
Status to_amx_kernel_rows(PreparedGemmInt8 *w, int channels, int kernel_w, int kernel_h);

}  // namespace mobiq
