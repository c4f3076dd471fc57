// The rhs operand an AMX kernel variant takes: gemm_int8's packing
// ((4, N, K/4)) or, for amx_tiles=true, the same weights tile-packed
// ((1024, K/64, N/16), mobiq/gemm_weights.h).
#pragma once

#include <vector>

#include "HalideBuffer.h"
#include "mobiq/gemm_weights.h"

namespace mobiq::test {

template <typename K>
bool amx_tiles(const K &k) {
    return k.row->param("amx_tiles") == "true";
}

// `storage` holds the tile-packed bytes (it must outlive the buffer).
template <typename K>
Halide::Runtime::Buffer<int8_t> amx_rhs(const K &k, const PackedGemmInt8Weights &p, std::vector<int8_t> *storage) {
    if (!amx_tiles(k)) {
        *storage = p.data;
        return Halide::Runtime::Buffer<int8_t>(storage->data(), 4, p.n, p.k_padded / 4);
    }
    if (!pack_gemm_int8_amx_tiles(p.data.data(), p.k_padded, p.n, storage).is_ok()) return {};
    return Halide::Runtime::Buffer<int8_t>(storage->data(), 1024, p.k_padded / 64, p.n / 16);
}

}  // namespace mobiq::test
