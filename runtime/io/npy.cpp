#include "mobiq/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace mobiq {
namespace {

Status bad(const std::string &path, const std::string &why) {
    return {StatusCode::kInvalidArgument, path + ": " + why};
}

}  // namespace

Status read_npy(const std::string &path, NpyArray *out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return {StatusCode::kIo, "cannot open '" + path + "'"};
    char magic[8];
    if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) return bad(path, "not a .npy file");
    const int major = static_cast<unsigned char>(magic[6]);
    uint32_t header_len = 0;
    if (major == 1) {
        unsigned char l[2];
        if (!f.read(reinterpret_cast<char *>(l), 2)) return bad(path, "truncated header");
        header_len = l[0] | (l[1] << 8);
    } else if (major == 2 || major == 3) {
        unsigned char l[4];
        if (!f.read(reinterpret_cast<char *>(l), 4)) return bad(path, "truncated header");
        header_len = l[0] | (l[1] << 8) | (l[2] << 16) | (uint32_t(l[3]) << 24);
    } else {
        return bad(path, "unknown .npy version " + std::to_string(major));
    }
    if (header_len > (1u << 20)) return bad(path, "header too large");
    std::string header(header_len, '\0');
    if (!f.read(header.data(), header_len)) return bad(path, "truncated header");
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
        return bad(path, "header has no dtype");
    const std::string descr = m[1];
    if (descr != "<f4" && descr != "=f4" && descr != "|f4")
        return bad(path, "dtype is '" + descr + "', mobiq reads float32 ('<f4'): convert with array.astype(np.float32)");
    if (!std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*(True|False)")))
        return bad(path, "header has no fortran_order");
    if (m[1] == "True") return bad(path, "Fortran-order array: save it with np.ascontiguousarray");
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) return bad(path, "header has no shape");
    out->shape.clear();
    std::stringstream dims(m[1].str());
    std::string item;
    int64_t count = 1;
    while (std::getline(dims, item, ',')) {
        if (item.find_first_not_of(" ") == std::string::npos) continue;
        const int64_t d = std::stoll(item);
        if (d < 0) return bad(path, "negative dimension");
        out->shape.push_back(d);
        count *= d;
    }
    out->data.resize(static_cast<size_t>(count));
    if (!f.read(reinterpret_cast<char *>(out->data.data()), static_cast<std::streamsize>(count * 4)))
        return bad(path, "truncated data: the header promises " + std::to_string(count) + " float32 values");
    return Status::ok();
}

Status write_npy(const std::string &path, const std::vector<int64_t> &shape, const float *data) {
    std::string dims;
    int64_t count = 1;
    for (auto d : shape) {
        dims += std::to_string(d) + ", ";
        count *= d;
    }
    if (shape.size() > 1) dims.erase(dims.size() - 2);  // "(a, b)" ; a 1-D shape keeps "(a, )"
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // Version 1.0: magic (6) + version (2) + length (2) + header, padded with spaces to 64 bytes, ending in '\n'.
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) return {StatusCode::kIo, "cannot write '" + path + "'"};
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                  static_cast<unsigned char>(header.size() >> 8)};
    f.write("\x93NUMPY\x01\x00", 8);
    f.write(reinterpret_cast<const char *>(len), 2);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(count * 4));
    if (!f) return {StatusCode::kIo, "cannot write '" + path + "'"};
    return Status::ok();
}

}  // namespace mobiq
