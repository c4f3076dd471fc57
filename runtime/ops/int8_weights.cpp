#include "int8_weights.h"

#include <algorithm>
#include <cstring>

#include "mobiq/gemm_weights.h"

namespace mobiq {
std::vector<int8_t> widen_channels(const std::vector<int8_t> &w, const std::vector<int32_t> &zw, int n, int taps, int c,
                                   int c_alloc) {
    std::vector<int8_t> out(size_t(n) * taps * c_alloc);
    for (int o = 0; o < n; o++)
        for (int t = 0; t < taps; t++)
            for (int ch = 0; ch < c_alloc; ch++)
                out[(size_t(o) * taps + t) * c_alloc + ch] =
                    ch < c ? w[(size_t(o) * taps + t) * c + ch] : static_cast<int8_t>(zw[o]);
    return out;
}

Halide::Runtime::Buffer<int32_t> int32_constant(const std::vector<int32_t> &v) {
    Halide::Runtime::Buffer<int32_t> b(static_cast<int>(v.size()));
    std::copy(v.begin(), v.end(), b.data());
    b.set_host_dirty();  // an OpenCL kernel uploads it on first use
    return b;
}

namespace {
Halide::Runtime::Buffer<int32_t> column_range(Halide::Runtime::Buffer<int32_t> &v, int first, int count) {
    halide_dimension_t d{0, count, 1};
    return Halide::Runtime::Buffer<int32_t>(v.data() + first, 1, &d);
}
}  // namespace

Int8ColumnChunk int8_column_chunk(PreparedGemmInt8 &w, int8_t *packed, int k_padded, int n, int width, int chunk) {
    const int groups = k_padded / 4, first = chunk * width, cols = std::min(width, n - first);
    halide_dimension_t rd[3] = {{0, 4, 1}, {0, cols, 4}, {0, groups, 4 * cols}};
    return {Halide::Runtime::Buffer<int8_t>(packed + size_t(first) * k_padded, 3, rd),
            column_range(w.colsum, first, cols),
            column_range(w.zw, first, cols),
            column_range(w.bias, first, cols),
            column_range(w.mult, first, cols),
            column_range(w.shift, first, cols),
            cols};
}

Status prepare_channel_params(const QuantizedNode &q, int n, Int8ChannelParams *out) {
    if (q.weight_zero_point.size() != static_cast<size_t>(n) || q.bias.size() != static_cast<size_t>(n) ||
        q.multiplier.size() != static_cast<size_t>(n) || q.shift.size() != static_cast<size_t>(n))
        return {StatusCode::kInvalidArgument, "INT8 weights: per-channel parameters do not match " +
                                                  std::to_string(n) + " output channels"};
    out->zw = int32_constant(q.weight_zero_point);
    out->bias = int32_constant(q.bias);
    out->mult = int32_constant(q.multiplier);
    out->shift = int32_constant(q.shift);
    return Status::ok();
}

Status prepare_gemm_int8(const std::vector<int8_t> &w, int k, int n, const QuantizedNode &q, PreparedGemmInt8 *out) {
    MOBIQ_RETURN_IF_ERROR(prepare_channel_params(q, n, out));
    PackedGemmInt8Weights packed;
    MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_weights(w.data(), k, n, q.weight_zero_point.data(), n, &packed));
    out->rhs = Halide::Runtime::Buffer<int8_t>(4, n, packed.k_padded / 4);
    std::memcpy(out->rhs.data(), packed.data.data(), packed.data.size());
    out->rhs.set_host_dirty();
    out->colsum = int32_constant(packed.column_sum);
    return Status::ok();
}

Status check_weights7_range(const std::vector<int8_t> &w, const std::string &layer) {
    for (size_t i = 0; i < w.size(); i++)
        if (w[i] < -64 || w[i] > 63)
            return {StatusCode::kInvalidArgument, "layer '" + layer + "': weight " + std::to_string(w[i]) +
                                                      " (index " + std::to_string(i) +
                                                      ") is outside [-64, 63], which the 7-bit-weight kernels need"};
    return Status::ok();
}

Status to_amx_tiles(PreparedGemmInt8 *w) {
    const int n = w->rhs.dim(1).extent(), k_padded = 4 * w->rhs.dim(2).extent();
    std::vector<int8_t> tiles;
    MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_amx_tiles(w->rhs.data(), k_padded, n, &tiles));
    w->rhs = Halide::Runtime::Buffer<int8_t>(1024, k_padded / 64, n / 16);
    std::memcpy(w->rhs.data(), tiles.data(), tiles.size());
    return Status::ok();
}

Status to_amx_kernel_rows(PreparedGemmInt8 *w, int channels, int kernel_w, int kernel_h) {
    const int n = w->rhs.dim(1).extent(), k_padded = 4 * w->rhs.dim(2).extent();
    std::vector<int8_t> tiles;
    MOBIQ_RETURN_IF_ERROR(
        pack_gemm_int8_amx_kernel_rows(w->rhs.data(), k_padded, n, channels, kernel_w, kernel_h, &tiles));
    const AmxKernelRowTiles t = amx_kernel_row_tiles(channels, kernel_w);
    w->rhs = Halide::Runtime::Buffer<int8_t>(t.tile_bytes(), t.tiles(kernel_h), n / 16);
    std::memcpy(w->rhs.data(), tiles.data(), tiles.size());
    return Status::ok();
}

}  // namespace mobiq
