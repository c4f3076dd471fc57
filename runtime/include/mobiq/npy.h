// NumPy .npy files (format versions 1-3, little-endian float32, C order): the
// CLI's input / output / calibration format. Debian packages no C++ .npy
// library, and the format (numpy's NEP 1) is a short header and raw data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mobiq/status.h"

namespace mobiq {

struct NpyArray {
    std::vector<int64_t> shape;
    std::vector<float> data;
};

// Reads a float32 array (kIo: cannot read; kInvalidArgument: not a float32
// C-order .npy, with what it is instead).
Status read_npy(const std::string &path, NpyArray *out);
Status write_npy(const std::string &path, const std::vector<int64_t> &shape, const float *data);

}  // namespace mobiq
