// Image decoding, preprocessing and datasets for the mobiq tool (images.h).
#include "images.h"

#include <cstdio>  // before jpeglib.h, which uses FILE
#include <jpeglib.h>
#include <jerror.h>
#include <stb_image.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace mobiq_tools {
namespace {

[[noreturn]] void fail(const std::string &m) { throw ImageError(m); }

std::vector<uint8_t> read_file(const std::string &path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) fail(path + ": is a folder, not an image");
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(path + ": cannot be read (" + std::strerror(errno) + ")");
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// libjpeg reports fatal errors through error_exit, which must not return:
// jump back to the decoder with the message (the default handler exits the
// process). Warnings are silent, except a truncated file, which is an error
// (PIL refuses truncated images too).
struct JpegErrors {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {0};
    bool truncated = false;
};

void jpeg_error_exit(j_common_ptr c) {
    auto *e = reinterpret_cast<JpegErrors *>(c->err);
    c->err->format_message(c, e->message);
    std::longjmp(e->jump, 1);
}

void jpeg_emit_message(j_common_ptr c, int level) {
    auto *e = reinterpret_cast<JpegErrors *>(c->err);
    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) e->truncated = true;
}

// libjpeg's default decode (ISLOW IDCT, fancy upsampling): what PIL does, so
// the pixels equal PIL's.
Image decode_jpeg(const std::string &path, const std::vector<uint8_t> &data, int channels) {
    jpeg_decompress_struct d;
    JpegErrors err;
    d.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_error_exit;
    err.mgr.emit_message = jpeg_emit_message;
    Image im;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&d);
        fail(path + ": not a readable JPEG (" + err.message + ")");
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data.data(), static_cast<unsigned long>(data.size()));
    jpeg_read_header(&d, TRUE);
    if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&d);
        fail(path + ": a CMYK JPEG; convert it to RGB first");
    }
    d.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&d);
    im.width = static_cast<int>(d.output_width);
    im.height = static_cast<int>(d.output_height);
    im.channels = d.output_components;
    im.pixels.resize(size_t(im.width) * im.height * im.channels);
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = im.pixels.data() + size_t(d.output_scanline) * im.width * im.channels;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    if (err.truncated) fail(path + ": the JPEG data is truncated");
    return im;
}

std::string lower(std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool has_image_extension(const fs::path &p) {
    static const std::set<std::string> ext = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tga", ".ppm", ".pgm", ".pnm"};
    return ext.count(lower(p.extension().string())) > 0;
}

std::vector<uint8_t> gunzip_file(const std::string &path) {
    gzFile f = gzopen(path.c_str(), "rb");  // reads uncompressed files as they are
    if (!f) fail(path + ": cannot be read");
    std::vector<uint8_t> out;
    uint8_t buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
    const bool bad = n < 0;
    gzclose(f);
    if (bad) fail(path + ": corrupt gzip data");
    return out;
}

uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// IDX (LeCun's MNIST format): magic 0x0000 08 <dims>, big-endian sizes, u8 data.
std::vector<uint8_t> read_idx(const std::string &path, int want_dims, std::vector<uint32_t> *dims) {
    std::vector<uint8_t> d = gunzip_file(path);
    if (d.size() < 4 || d[0] != 0 || d[1] != 0 || d[2] != 0x08)
        fail(path + ": not an IDX file of unsigned bytes (as Fashion-MNIST's *-idx3-ubyte / *-idx1-ubyte)");
    if (d[3] != want_dims)
        fail(path + ": an IDX file of " + std::to_string(d[3]) + " dimension(s), expected " +
             std::to_string(want_dims) + (want_dims == 3 ? " (images)" : " (labels)"));
    if (d.size() < 4 + 4 * size_t(want_dims)) fail(path + ": truncated IDX header");
    size_t count = 1;
    for (int i = 0; i < want_dims; i++) {
        dims->push_back(be32(d.data() + 4 + 4 * i));
        count *= dims->back();
    }
    const size_t header = 4 + 4 * size_t(want_dims);
    if (d.size() != header + count) fail(path + ": IDX data size does not match its header (truncated?)");
    return std::vector<uint8_t>(d.begin() + header, d.end());
}

}  // namespace

bool is_idx_file(const std::string &path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return false;
    uint8_t m[4] = {1, 1, 1, 1};
    const int n = gzread(f, m, 4);
    gzclose(f);
    return n == 4 && m[0] == 0 && m[1] == 0 && m[2] == 0x08 && (m[3] == 1 || m[3] == 3);
}

Image decode_image(const std::string &path, int channels) {
    const std::vector<uint8_t> data = read_file(path);
    if (data.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decode_jpeg(path, data, channels);
    int w = 0, h = 0, n = 0;
    stbi_uc *p = stbi_load_from_memory(data.data(), static_cast<int>(data.size()), &w, &h, &n, channels);
    if (!p)
        fail(path + ": not a readable image (JPEG, PNG, BMP, GIF, TGA or PNM): " +
             (stbi_failure_reason() ? stbi_failure_reason() : "unknown"));
    Image im;
    im.width = w;
    im.height = h;
    im.channels = channels;
    im.pixels.assign(p, p + size_t(w) * h * channels);
    stbi_image_free(p);
    return im;
}

Preprocess Preprocess::idx_defaults() {
    Preprocess p;
    p.resize = 0;
    p.crop_h = p.crop_w = 0;
    p.mean = {0.0f};
    p.stddev = {1.0f};
    return p;
}

std::string Preprocess::describe() const {
    std::ostringstream s;
    s << "resize " << (resize ? std::to_string(resize) : "none") << ", crop "
      << (crop_h ? std::to_string(crop_h) + "x" + std::to_string(crop_w) : "none") << ", mean";
    for (float m : mean) s << " " << m;
    s << ", std";
    for (float v : stddev) s << " " << v;
    s << ", " << (bgr ? "BGR" : "RGB") << ", " << (nhwc ? "NHWC" : "NCHW");
    return s.str();
}

namespace {

// PIL's antialiased bilinear resampling of one axis (Image.resize with
// BILINEAR, which torchvision's Resize calls): output pixel o covers input
// centre (o + 0.5) * scale; a triangle filter of support max(scale, 1),
// weights normalised over the taps inside the image, as 22-bit fixed point.
// Written here because Debian's stb_image_resize (0.97) asserts on common
// downscales (stbir__normalize_downsample_coefficients: total < 1.1f, e.g. a
// 370x625 photo to 256x432): docs/decisions.md.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Taps {
    int taps = 0;                   // per output pixel (the widest)
    std::vector<int> first, count;  // input range of each output pixel
    std::vector<int32_t> weight;    // taps per output pixel, fixed point
};

Taps triangle_taps(int in, int out) {
    const double scale = static_cast<double>(in) / out;
    const double fscale = std::max(scale, 1.0);
    const double support = fscale;  // the triangle's support is 1 at scale 1
    Taps t;
    t.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
    t.first.resize(out);
    t.count.resize(out);
    t.weight.assign(size_t(out) * t.taps, 0);
    std::vector<double> w(t.taps);
    for (int o = 0; o < out; o++) {
        const double centre = (o + 0.5) * scale;
        const int lo = std::max(0, static_cast<int>(centre - support + 0.5));
        const int hi = std::min(in, static_cast<int>(centre + support + 0.5));
        double sum = 0;
        for (int x = lo; x < hi; x++) {
            const double d = std::abs((x - centre + 0.5) / fscale);
            w[x - lo] = d < 1 ? 1 - d : 0;
            sum += w[x - lo];
        }
        t.first[o] = lo;
        t.count[o] = hi - lo;
        for (int x = 0; x < hi - lo; x++) {
            const double k = sum != 0 ? w[x] / sum : 0;
            t.weight[size_t(o) * t.taps + x] = static_cast<int32_t>(k < 0 ? -0.5 + k * (1 << kPrecisionBits)
                                                                          : 0.5 + k * (1 << kPrecisionBits));
        }
    }
    return t;
}

uint8_t clip8(int64_t acc) {
    const int64_t v = acc >> kPrecisionBits;
    return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

Image resample(const Image &in, int w, int h) {
    Image out;
    out.width = w;
    out.height = h;
    out.channels = in.channels;
    out.pixels.resize(size_t(w) * h * in.channels);
    const int c = in.channels;
    if (w != in.width) {  // horizontal (then in.height == h)
        const Taps t = triangle_taps(in.width, w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) {
                    int64_t acc = 1 << (kPrecisionBits - 1);
                    for (int i = 0; i < t.count[x]; i++)
                        acc += int64_t(in.pixels[(size_t(y) * in.width + t.first[x] + i) * c + k]) *
                               t.weight[size_t(x) * t.taps + i];
                    out.pixels[(size_t(y) * w + x) * c + k] = clip8(acc);
                }
    } else {  // vertical
        const Taps t = triangle_taps(in.height, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) {
                    int64_t acc = 1 << (kPrecisionBits - 1);
                    for (int i = 0; i < t.count[y]; i++)
                        acc += int64_t(in.pixels[(size_t(t.first[y] + i) * w + x) * c + k]) *
                               t.weight[size_t(y) * t.taps + i];
                    out.pixels[(size_t(y) * w + x) * c + k] = clip8(acc);
                }
    }
    return out;
}

}  // namespace

Image resize_shorter_side(const Image &im, int shorter) {
    if (shorter <= 0) return im;
    const int short_side = std::min(im.width, im.height), long_side = std::max(im.width, im.height);
    // torchvision: new_long = int(size * long / short) (truncation).
    const int new_long = static_cast<int>(static_cast<double>(shorter) * long_side / short_side);
    const int ow = im.width <= im.height ? shorter : new_long;
    const int oh = im.width <= im.height ? new_long : shorter;
    if (ow == im.width && oh == im.height) return im;
    // Horizontal pass, then vertical, 8 bits in between: PIL's order of work.
    const Image h = ow == im.width ? im : resample(im, ow, im.height);
    return oh == im.height ? h : resample(h, ow, oh);
}

std::vector<float> to_tensor(const Image &src, const Preprocess &p, const std::string &name, int want_c, int want_h,
                             int want_w) {
    if (src.channels != want_c)
        fail(name + ": " + std::to_string(src.channels) + " channel(s), the model's input has " +
             std::to_string(want_c));
    const Image im = resize_shorter_side(src, p.resize);
    int x0 = 0, y0 = 0, w = im.width, h = im.height;
    if (p.crop_h > 0) {
        if (im.width < p.crop_w || im.height < p.crop_h)
            fail(name + ": " + std::to_string(im.width) + "x" + std::to_string(im.height) +
                 (p.resize ? " after the resize" : "") + ", smaller than the crop " + std::to_string(p.crop_w) + "x" +
                 std::to_string(p.crop_h));
        // torchvision: int(round((size - crop) / 2.0)), Python rounding half to even.
        x0 = static_cast<int>(std::nearbyint((im.width - p.crop_w) / 2.0));
        y0 = static_cast<int>(std::nearbyint((im.height - p.crop_h) / 2.0));
        w = p.crop_w;
        h = p.crop_h;
    }
    if (w != want_w || h != want_h)
        fail(name + ": the image is " + std::to_string(w) + "x" + std::to_string(h) + " after preprocessing (" +
             p.describe() + "), the model's input is " + std::to_string(want_w) + "x" + std::to_string(want_h) +
             ": pass --resize / --crop to match");
    const int c = im.channels;
    auto per_channel = [&](const std::vector<float> &v, const char *what) {
        if (v.size() != 1 && v.size() != size_t(c))
            fail(std::string("--") + what + " has " + std::to_string(v.size()) + " value(s), the images have " +
                 std::to_string(c) + " channel(s)");
        std::vector<float> r(c);
        for (int k = 0; k < c; k++) r[k] = v.size() == 1 ? v[0] : v[k];
        return r;
    };
    const std::vector<float> mean = per_channel(p.mean, "mean"), sd = per_channel(p.stddev, "std");
    std::vector<float> out(size_t(c) * w * h);
    for (int k = 0; k < c; k++) {
        const int from = p.bgr ? c - 1 - k : k;  // tensor channel k takes image channel `from`
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                // torchvision: ToTensor's x / 255, then Normalize's (x - mean) / std, in float32.
                const float v = static_cast<float>(im.pixels[(size_t(y0 + y) * im.width + x0 + x) * c + from]) / 255.0f;
                const float n = (v - mean[k]) / sd[k];
                out[p.nhwc ? (size_t(y) * w + x) * c + k : (size_t(k) * h + y) * w + x] = n;
            }
    }
    return out;
}

Dataset Dataset::open(const std::string &images, const std::string &labels) {
    std::error_code ec;
    if (!fs::exists(images, ec)) fail("--images " + images + ": no such file or folder");
    if (!fs::exists(labels, ec)) fail("--labels " + labels + ": no such file");
    Dataset d;
    if (!fs::is_directory(images, ec)) {
        if (!is_idx_file(images))
            fail("--images " + images + ": neither a folder of images nor an IDX image file (e.g. Fashion-MNIST's "
                 "t10k-images-idx3-ubyte.gz)");
        d = open_unlabelled(images);
        if (!is_idx_file(labels)) fail("--labels " + labels + ": with IDX images the labels must be an IDX label file");
        std::vector<uint32_t> dims;
        const std::vector<uint8_t> l = read_idx(labels, 1, &dims);
        if (l.size() != d.size())
            fail("--labels " + labels + " holds " + std::to_string(l.size()) + " labels, --images " + images +
                 " holds " + std::to_string(d.size()) + " images");
        d.labels_.assign(l.begin(), l.end());
        return d;
    }
    d.dir_ = images;
    std::ifstream f(labels);
    if (!f) fail("--labels " + labels + ": cannot be read");
    std::string line;
    std::map<std::string, int> by_name;
    for (int no = 1; std::getline(f, line); no++) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const size_t tab = line.find('\t');
        const std::string where = "--labels " + labels + " line " + std::to_string(no);
        if (tab == std::string::npos || tab == 0) fail(where + ": expected 'file<TAB>class_index', got '" + line + "'");
        const std::string file = line.substr(0, tab);
        const size_t end = line.find('\t', tab + 1);
        const std::string cls = line.substr(tab + 1, end == std::string::npos ? std::string::npos : end - tab - 1);
        size_t used = 0;
        int label = -1;
        try {
            label = std::stoi(cls, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used != cls.size() || cls.empty() || label < 0)
            fail(where + ": class index '" + cls + "' is not an integer >= 0");
        if (!by_name.emplace(file, label).second) fail(where + ": '" + file + "' is listed twice");
    }
    if (by_name.empty()) fail("--labels " + labels + ": no labels");
    std::set<std::string> present;
    for (const auto &e : fs::directory_iterator(images, ec))
        if (e.is_regular_file() && has_image_extension(e.path())) present.insert(e.path().filename().string());
    for (const auto &kv : by_name) {
        if (!fs::exists(fs::path(images) / kv.first, ec))
            fail("--labels " + labels + " names '" + kv.first + "', which is not in --images " + images +
                 " (does the label file belong to this folder?)");
        present.erase(kv.first);
    }
    if (!present.empty())
        fail("--images " + images + " holds " + std::to_string(present.size()) + " image(s) that --labels " + labels +
             " does not list (first: '" + *present.begin() + "'): the label file does not match the folder");
    for (const auto &kv : by_name) {  // std::map: sorted by file name
        d.names_.push_back(kv.first);
        d.labels_.push_back(kv.second);
    }
    return d;
}

Dataset Dataset::open_unlabelled(const std::string &images) {
    std::error_code ec;
    Dataset d;
    if (!fs::exists(images, ec)) fail(images + ": no such file or folder");
    if (fs::is_directory(images, ec)) {
        d.dir_ = images;
        for (const auto &e : fs::directory_iterator(images, ec))
            if (e.is_regular_file() && has_image_extension(e.path())) d.names_.push_back(e.path().filename().string());
        std::sort(d.names_.begin(), d.names_.end());
        if (d.names_.empty()) fail(images + ": the folder holds no image file (.jpg, .jpeg, .png, .bmp, ...)");
        return d;
    }
    if (!is_idx_file(images)) fail(images + ": neither a folder of images nor an IDX image file");
    std::vector<uint32_t> dims;
    d.idx_ = true;
    d.idx_pixels_ = read_idx(images, 3, &dims);
    d.idx_h_ = static_cast<int>(dims[1]);
    d.idx_w_ = static_cast<int>(dims[2]);
    const std::string base = fs::path(images).filename().string();
    for (uint32_t i = 0; i < dims[0]; i++) d.names_.push_back(base + "#" + std::to_string(i));
    return d;
}

int Dataset::max_label() const { return labels_.empty() ? -1 : *std::max_element(labels_.begin(), labels_.end()); }

Image Dataset::load(size_t i, int channels) const {
    if (!idx_) return decode_image((fs::path(dir_) / names_[i]).string(), channels);
    if (channels != 1) fail(names_[i] + ": IDX images have 1 channel, the model's input has " + std::to_string(channels));
    Image im;
    im.width = idx_w_;
    im.height = idx_h_;
    im.channels = 1;
    const size_t n = size_t(idx_w_) * idx_h_;
    im.pixels.assign(idx_pixels_.begin() + i * n, idx_pixels_.begin() + (i + 1) * n);
    return im;
}

}  // namespace mobiq_tools
