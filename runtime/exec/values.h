// The activations of a compiled graph (private to the runtime): NHWC images
// (C, W, H, N) inside a border of `border` pixels, or (K, N) feature
// matrices (w = h = 1), and the views kernels take of them. On the CPU every
// value lives in one liveness-planned arena; on OpenCL each has its own
// allocation (runtime/exec/opencl_values.cpp). docs/runtime.md, "Layout".
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "HalideBuffer.h"
#include "mobiq/graph.h"
#include "mobiq/large_buffers.h"
#include "mobiq/status.h"

namespace mobiq {

// INT8 values store their channels rounded up to a multiple of 4 (c_alloc),
// the depth of the int8 dot products; FP32 values store exactly c.
struct Value {
    int tensor = -1;
    int elem = 4;  // bytes per element: 4 (float) or 1 (int8)
    int c = 1, c_alloc = 1, w = 1, h = 1, n = 1;
    bool image = false;
    int border = 0;            // CPU: pixels of padding value around the image, for readers that pad
    int alias_of = -1;         // Flatten: the value whose memory this is
    int shadow_of = -1;        // OpenCL: a padded copy of that value (its border is fixed, see below)
    int shadow_top = 0, shadow_left = 0;  // where the copy's interior starts
    int first = -1, last = -1; // steps during which it must be held
    size_t offset = 0;         // CPU: in the arena
    Halide::Runtime::Buffer<uint8_t> storage;  // OpenCL: the value's own host + device allocation

    int full_w() const { return w + 2 * border; }
    int full_h() const { return h + 2 * border; }
    size_t bytes() const { return size_t(elem) * c_alloc * full_w() * full_h() * n; }
};

class Values {
public:
    template <typename T>
    using Buffer = Halide::Runtime::Buffer<T>;

    explicit Values(bool opencl = false) : opencl_(opencl) {}
    bool opencl() const { return opencl_; }

    // A new value of an NCHW (4-D) or (N, ...) shape; tensor -1 for scratch.
    int add(int tensor, const std::vector<int64_t> &shape, int elem);
    int of(int tensor) const { return of_.at(tensor); }
    Value &operator[](int id) { return v_[id]; }
    Value &at_tensor(int tensor) { return v_[of(tensor)]; }
    std::vector<Value> &all() { return v_; }
    Value &storage_of(Value &v) { return v.alias_of >= 0 ? v_[v.alias_of] : v; }

    // Every view is `rank` dimensions starting `offset` elements into the
    // value's storage, dimension 0 dense: on the CPU a pointer into the arena,
    // on OpenCL a device crop of the value's allocation.
    template <typename T>
    Buffer<T> view(Value &v, size_t offset, int rank, halide_dimension_t *d);
    // The same, always over host memory (OpenCL: the host side of the allocation).
    template <typename T>
    Buffer<T> host_view(Value &v, size_t offset, int rank, halide_dimension_t *d);
    // A (channels, width, height, N) window whose origin is stored pixel (x0, y0).
    template <typename T>
    Buffer<T> window(Value &v, int x0, int y0, int width, int height, int channels, bool host = false) {
        const int cs = v.c_alloc;
        halide_dimension_t d[4] = {{0, channels, 1},
                                   {0, width, cs},
                                   {0, height, cs * v.full_w()},
                                   {0, v.n, cs * v.full_w() * v.full_h()}};
        const size_t offset = (size_t(y0) * v.full_w() + x0) * cs;
        return host ? host_view<T>(v, offset, 4, d) : view<T>(v, offset, 4, d);
    }
    template <typename T>
    Buffer<T> full(Value &v, bool host = false) {
        return window<T>(v, 0, 0, v.full_w(), v.full_h(), v.c_alloc, host);
    }
    // Without the border, starting at (0, 0): what producers write.
    template <typename T>
    Buffer<T> interior(Value &v, bool host = false) {
        return window<T>(v, v.border, v.border, v.w, v.h, v.c, host);
    }
    // The input of a kernel that reads node n's padding, `channels` of them
    // (the int8 dot products read c_alloc). CPU: a window into the value's
    // border. OpenCL: views must start at the allocation (sub-buffers need
    // aligned offsets), so the value is copied into a padded shadow of exactly
    // this node's padding (`shadow`, from shadow_for), whose border was written
    // once at allocation.
    template <typename T>
    Buffer<T> padded_input(int value, int shadow, const Node &n, int channels) {
        Value &v = v_[value];
        if (shadow < 0)
            return window<T>(v, v.border - n.pad_left, v.border - n.pad_top, v.w + v.border + n.pad_left,
                             v.h + v.border + n.pad_top, channels);
        copy_into_shadow(v, v_[shadow], n);
        Value &sv = v_[shadow];
        return window<T>(sv, 0, 0, sv.w, sv.h, channels);
    }
    // OpenCL: the shadow value padded as node n reads `value` (-1 on the CPU).
    int shadow_for(int value, const Node &n);
    // Dense (K, M) matrix: K = stored channels, M = W * H * N (no border).
    template <typename T>
    Buffer<T> matrix(Value &v) {
        halide_dimension_t d[2] = {{0, v.c_alloc, 1}, {0, v.w * v.h * v.n, v.c_alloc}};
        return view<T>(v, 0, 2, d);
    }
    // The (C_out, M) matrix a GEMM writes: rows c_alloc apart (no border).
    template <typename T>
    Buffer<T> output_matrix(Value &v) {
        halide_dimension_t d[2] = {{0, v.c, 1}, {0, v.w * v.h * v.n, v.c_alloc}};
        return view<T>(v, 0, 2, d);
    }
    // One image row of a value as a (channels, W) matrix (for bordered element-wise ops).
    template <typename T>
    Buffer<T> row(Value &v, int img, int r, bool host = false) {
        halide_dimension_t d[2] = {{0, v.c, 1}, {0, v.w, v.c_alloc}};
        const size_t offset = ((size_t(img) * v.full_h() + v.border + r) * v.full_w() + v.border) * v.c_alloc;
        return host ? host_view<T>(v, offset, 2, d) : view<T>(v, offset, 2, d);
    }
    // The unpadded image as im2col reads it: (C_alloc * W, H, N).
    template <typename T>
    Buffer<T> image_rows(Value &v) {
        const int ca = v.c_alloc;
        halide_dimension_t d[3] = {{0, ca * v.w, 1}, {0, v.h, ca * v.full_w()}, {0, v.n, ca * v.full_w() * v.full_h()}};
        return view<T>(v, (size_t(v.border) * v.full_w() + v.border) * ca, 3, d);
    }
    // Refills the border (CPU; OpenCL borders are written once, at allocation).
    template <typename T>
    void fill_border(Value &v, T fill);

    // Places every value that is held (first >= 0): CPU values in one arena,
    // OpenCL values in allocations of their own (shadows get the padding value
    // `shadow_fill(value)` in their border).
    Status allocate(size_t alignment, int8_t (*shadow_fill)(const Value &, const void *), const void *ctx);
    size_t arena_bytes() const { return arena_bytes_; }
    size_t unshared_bytes() const { return unshared_bytes_; }

private:
    void copy_into_shadow(Value &v, Value &shadow, const Node &n);
    Status allocate_device(int8_t (*shadow_fill)(const Value &, const void *), const void *ctx);
    template <typename T>
    Buffer<T> device_view(Value &v, size_t offset, int rank, halide_dimension_t *d);

    bool opencl_ = false;
    std::vector<Value> v_;
    std::map<int, int> of_;  // tensor id -> value id
    LargeVector<uint8_t> arena_storage_;  // on huge pages where the OS allows (mobiq/large_buffers.h)
    uint8_t *arena_ = nullptr;
    size_t arena_bytes_ = 0, unshared_bytes_ = 0;
};

}  // namespace mobiq
