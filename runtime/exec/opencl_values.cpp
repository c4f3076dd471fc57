// The OpenCL side of the activations (runtime/exec/values.h): device views
// as crops of a value's own cl_mem, padded shadow copies for readers that pad
// (clEnqueueCopyBufferRect, since sub-buffer origins must be aligned), and one
// device allocation per value (docs/runtime.md, "OpenCL sessions"). Builds
// without OpenCL get the stubs at the end.
#include "values.h"

#if defined(MOBIQ_HAVE_OPENCL)
#include <CL/cl.h>

#include "HalideRuntimeOpenCL.h"
#include "mobiq/kernel_errors.h"
extern "C" int halide_acquire_cl_context(void *user_context, cl_context *ctx, cl_command_queue *q, bool create);
extern "C" int halide_release_cl_context(void *user_context);
#endif

namespace mobiq {

#if defined(MOBIQ_HAVE_OPENCL)

template <typename T>
Values::Buffer<T> Values::device_view(Value &v, size_t offset, int rank, halide_dimension_t *d) {
    // Wrap the value's cl_mem as a buffer whose dimension 0 starts `offset`
    // elements earlier, then crop to the view: Halide's device crop carries
    // the offset (dimension 0 is dense, so the offset is a crop along it).
    Value &m = storage_of(v);
    const int extent0 = d[0].extent;
    d[0].extent += static_cast<int>(offset);
    Buffer<T> whole(nullptr, rank, d);
    d[0].extent = extent0;
    whole.device_wrap_native(halide_opencl_device_interface(),
                             halide_opencl_get_cl_mem(nullptr, m.storage.raw_buffer()));
    if (offset == 0) return whole.cropped(0, 0, extent0);
    Buffer<T> cropped = whole.cropped(0, static_cast<int>(offset), extent0);
    // Back to min 0 by hand: Buffer::translate() releases a device crop (Halide 21).
    cropped.raw_buffer()->dim[0].min -= static_cast<int>(offset);
    return cropped;
}

int Values::shadow_for(int value, const Node &n) {
    if (!opencl_) return -1;
    for (size_t i = 0; i < v_.size(); i++) {
        const Value &s = v_[i];
        if (s.shadow_of == value && s.border == 0 && s.w == v_[value].w + n.pad_left + n.pad_right &&
            s.h == v_[value].h + n.pad_top + n.pad_bottom && s.shadow_top == n.pad_top && s.shadow_left == n.pad_left)
            return static_cast<int>(i);
    }
    Value s = v_[value];
    s.tensor = -1;
    s.alias_of = -1;
    s.border = 0;
    s.shadow_of = value;
    s.w += n.pad_left + n.pad_right;
    s.h += n.pad_top + n.pad_bottom;
    s.shadow_top = n.pad_top;
    s.shadow_left = n.pad_left;
    s.first = 0;
    s.last = 0;
    v_.push_back(s);
    return static_cast<int>(v_.size()) - 1;
}

void Values::copy_into_shadow(Value &v, Value &shadow, const Node &n) {
    Value &src = storage_of(v);
    cl_context ctx = nullptr;
    cl_command_queue q = nullptr;
    if (halide_acquire_cl_context(nullptr, &ctx, &q, false) != 0 || q == nullptr) {
        halide_release_cl_context(nullptr);
        return;
    }
    const size_t e = static_cast<size_t>(v.elem) * v.c_alloc;
    const size_t src_origin[3] = {0, 0, 0};
    const size_t dst_origin[3] = {n.pad_left * e, static_cast<size_t>(n.pad_top), 0};
    const size_t region[3] = {v.w * e, static_cast<size_t>(v.h), static_cast<size_t>(v.n)};
    clEnqueueCopyBufferRect(q, reinterpret_cast<cl_mem>(halide_opencl_get_cl_mem(nullptr, src.storage.raw_buffer())),
                            reinterpret_cast<cl_mem>(halide_opencl_get_cl_mem(nullptr, shadow.storage.raw_buffer())),
                            src_origin, dst_origin, region, v.w * e, v.w * e * v.h, shadow.w * e, shadow.w * e * shadow.h,
                            0, nullptr, nullptr);
    halide_release_cl_context(nullptr);
}

// Every value its own device allocation (with a host side for the input and
// output transfers), borders written once here and never again (producers
// write interiors only). No sharing yet: arena_bytes_ is the total.
Status Values::allocate_device(int8_t (*shadow_fill)(const Value &, const void *), const void *ctx) {
    arena_bytes_ = 0;
    for (auto &v : v_) {
        if (v.alias_of >= 0 || v.first < 0) continue;
        v.storage = Buffer<uint8_t>(static_cast<int>(v.bytes()));
        v.storage.fill(0);
        if (v.shadow_of >= 0 && v.elem == 1)  // INT8: the padding value; the interior is copied in each run
            full<int8_t>(v, true).fill(shadow_fill(v_[v.shadow_of], ctx));
        v.storage.set_host_dirty();
        if (v.storage.copy_to_device(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "cannot allocate " + std::to_string(v.bytes()) +
                                             " bytes on the OpenCL device: " + take_last_kernel_error()};
        arena_bytes_ += v.bytes();
    }
    return Status::ok();
}

#else  // no OpenCL in this build: CPU values only

template <typename T>
Values::Buffer<T> Values::device_view(Value &, size_t, int, halide_dimension_t *) {
    return Buffer<T>();
}
int Values::shadow_for(int, const Node &) { return -1; }
void Values::copy_into_shadow(Value &, Value &, const Node &) {}
Status Values::allocate_device(int8_t (*)(const Value &, const void *), const void *) {
    return {StatusCode::kUnsupported, "this build has no OpenCL"};
}

#endif

template Values::Buffer<float> Values::device_view<float>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int8_t> Values::device_view<int8_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int16_t> Values::device_view<int16_t>(Value &, size_t, int, halide_dimension_t *);
template Values::Buffer<int32_t> Values::device_view<int32_t>(Value &, size_t, int, halide_dimension_t *);

}  // namespace mobiq
