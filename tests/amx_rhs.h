// The rhs operand an AMX kernel variant takes: gemm_int8's packing
// ((4, N, K/4)) or, for amx_tiles=true, the same weights tile-packed
// ((1024, K/64, N/16), mobiq/gemm_weights.h), or for amx_kernel_rows=true
// (conv2d_int8_implicit) packed by kernel rows of the convolution `geo`.
#pragma once

#include <vector>

#include "HalideBuffer.h"
#include "mobiq/gemm_weights.h"

namespace mobiq::test {

template <typename K>
bool amx_tiles(const K &k) {
    return k.row->param("amx_tiles") == "true";
}

template <typename K>
bool amx_kernel_rows(const K &k) {
    return k.row->param("amx_kernel_rows") == "true";
}

struct AmxConvGeometry {
    int channels = 0, kernel_w = 1, kernel_h = 1;
};

// `storage` holds the tile-packed bytes (it must outlive the buffer).
template <typename K>
Halide::Runtime::Buffer<int8_t> amx_rhs(const K &k, const PackedGemmInt8Weights &p, std::vector<int8_t> *storage,
                                        const AmxConvGeometry &geo = {}) {
    if (amx_kernel_rows(k)) {
        if (!pack_gemm_int8_amx_kernel_rows(p.data.data(), p.k_padded, p.n, geo.channels, geo.kernel_w, geo.kernel_h,
                                            storage)
                 .is_ok())
            return {};
        const AmxKernelRowTiles t = amx_kernel_row_tiles(geo.channels, geo.kernel_w);
        return Halide::Runtime::Buffer<int8_t>(storage->data(), t.tile_bytes(), t.tiles(geo.kernel_h), p.n / 16);
    }
    if (!amx_tiles(k)) {
        *storage = p.data;
        return Halide::Runtime::Buffer<int8_t>(storage->data(), 4, p.n, p.k_padded / 4);
    }
    if (!pack_gemm_int8_amx_tiles(p.data.data(), p.k_padded, p.n, storage).is_ok()) return {};
    return Halide::Runtime::Buffer<int8_t>(storage->data(), 1024, p.k_padded / 64, p.n / 16);
}

}  // namespace mobiq::test
